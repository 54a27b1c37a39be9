import { equal } from "#assert";
import { bytesToLabelText } from "./utf8.ts";

Deno.test("valid UTF-8 is kept, invalid bytes become \\xNN", () => {
  const cases: [number[], string][] = [
    [[0x62, 0x61, 0x73, 0x68], "bash"],
    [[0xc3, 0xa9], "é"],
    [[0xf0, 0x9f, 0x90, 0x9d], "🐝"],
    [[0x61, 0xff, 0x62], "a\\xffb"],
    [[0xc3], "\\xc3"],
    [[0xc3, 0x28], "\\xc3("],
    [[0xe2, 0x82], "\\xe2\\x82"],
    [[0xc0, 0xaf], "\\xc0\\xaf"], // overlong "/"
    [[0xed, 0xa0, 0x80], "\\xed\\xa0\\x80"], // a UTF-16 surrogate
    [[0xf4, 0x90, 0x80, 0x80], "\\xf4\\x90\\x80\\x80"], // above U+10FFFF
    [[0x80, 0xe2, 0x82, 0xac], "\\x80€"],
  ];
  for (const [bytes, text] of cases) equal(bytesToLabelText(new Uint8Array(bytes)), text, text);
});

Deno.test("a leading byte order mark is kept as U+FEFF (fuzz regression)", () => {
  // TextDecoder drops a leading BOM by default: "\uFEFFa" and "a" were one label value.
  equal(bytesToLabelText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), "\uFEFFa");
  equal(bytesToLabelText(new Uint8Array([0xff, 0xef, 0xbb, 0xbf, 0x61])), "\\xff\uFEFFa");
  equal(bytesToLabelText(new Uint8Array([0x61, 0xff, 0xef, 0xbb, 0xbf])), "a\\xff\uFEFF");
});
