import { deepEqual } from "#assert";
import { compareGoStrings } from "./gather.ts";
import { utf8Order } from "./test_env.ts";

Deno.test("label values compare like Go strings: by code point, a prefix first", () => {
  const values = ["", "a", "ab", "b", "é", "\uD7FF", "\uE000", "！", "\uFFFF", "🐝", "🐝a", "𝄞"];
  const sign = (n: number) => Math.sign(n);
  for (const x of values) {
    for (const y of values) {
      deepEqual(sign(compareGoStrings(x, y)), sign(utf8Order(x, y)), `${x} ${y}`);
    }
  }
});
