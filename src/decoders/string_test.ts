import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import type { DecoderInput } from "./decoder.ts";
import { stringDecoder } from "./string.ts";

const env = emptyEnv();
const decode = stringDecoder({ name: "string" }, env);
const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("string: cuts at the first NUL", () => {
  const cases: [DecoderInput, string][] = [
    [bytes("bash\0\0\0\0\0\0\0\0\0\0\0\0"), "bash"],
    [bytes("kworker/0:1\0garbage"), "kworker/0:1"],
    [bytes("no-nul"), "no-nul"],
    [bytes("\0after"), ""],
    [new Uint8Array(0), ""],
    [bytes("héllo\0"), "héllo"],
    [new Uint8Array([0x66, 0xff, 0x6f, 0]), "f\\xffo"], // invalid UTF-8 is escaped
    ["text\0tail", "text"],
    ["plain", "plain"],
  ];
  for (const [input, want] of cases) assert.equal(decode(input), want);
});
