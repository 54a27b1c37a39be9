import { deepEqual } from "#assert";
import { compareGoStrings } from "./gather.ts";

Deno.test("label values compare like Go strings: by code point, a prefix first", () => {
  const utf8 = new TextEncoder();
  const byBytes = (a: string, b: string) => {
    const x = utf8.encode(a);
    const y = utf8.encode(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  const values = ["", "a", "ab", "b", "é", "\uD7FF", "\uE000", "！", "\uFFFF", "🐝", "🐝a", "𝄞"];
  const sign = (n: number) => Math.sign(n);
  for (const x of values) {
    for (const y of values) {
      deepEqual(sign(compareGoStrings(x, y)), sign(byBytes(x, y)), `${x} ${y}`);
    }
  }
});
