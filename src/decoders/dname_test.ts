import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import type { DecoderInput } from "./decoder.ts";
import { decodeDname, dnameDecoder } from "./dname.ts";

const env = emptyEnv();
const decode = dnameDecoder({ name: "dname" }, env);
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

Deno.test("dname: wire names to dotted text", () => {
  const cases: [DecoderInput, string][] = [
    [bytes(""), "."],
    [bytes("\x00"), ""],
    [bytes("\x03com"), "com"],
    [bytes("\x07example\x03com"), "example.com"],
    [bytes("\x07example\x03com\x00"), "example.com."],
    [bytes("\x07example\x03com\x00\x00"), "example.com.."],
    [bytes("\x03www\x07example\x03org\x00\x00\x00\x00"), "www.example.org...."],
    [bytes("\x00\x00"), "."],
    // malformed: a length past the end returns the input unchanged
    [bytes("\x05com"), "\x05com"],
    [bytes("\x07example\x09com"), "\x07example\x09com"],
    [bytes("\x03com\x01"), "\x03com\x01"],
    // text input is encoded first
    ["\x03com", "com"],
  ];
  for (const [input, want] of cases) {
    assert.equal(decode(input), want, JSON.stringify(want));
  }
  assert.equal(decodeDname(bytes("\x02ab\x05")), undefined);
});

Deno.test("dname: invalid UTF-8 is written \\xNN, as string writes it (fuzz regression)", () => {
  // It used to come out as U+FFFD, losing the byte values.
  assert.equal(decode(Uint8Array.from([3, 0x61, 0xff, 0x62, 1, 0xc3])), "a\\xffb.\\xc3");
  assert.equal(decode(Uint8Array.from([2, 0xc3, 0xa9])), "\u00e9");
  // malformed, returned unchanged: escaped the same way
  assert.equal(decode(Uint8Array.from([9, 0xff])), "\t\\xff");
});
