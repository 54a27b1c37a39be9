/**
 * `dname`: DNS wire-format name -> dotted text (compat.md §4, "dname, exactly").
 * @module
 */

import { type DecoderFactory, inputBytes, inputText } from "./decoder.ts";
import { bytesToLabelText } from "./utf8.ts";

const DOT = 0x2e;

/**
 * Decodes a DNS wire name: every length byte becomes `.` followed by that many bytes, and the
 * leading `.` is dropped (`\x07example\x03com` -> `example.com`; zero padding shows as trailing
 * dots). Empty input gives `.`; returns undefined when a length runs past the end. Bytes that are
 * not valid UTF-8 are written `\xNN`, as `string` writes them.
 */
export function decodeDname(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return ".";
  const out = new Uint8Array(bytes.length);
  let off = 0;
  while (off < bytes.length) {
    const n = bytes[off];
    out[off] = DOT;
    off++;
    if (off + n > bytes.length) return undefined;
    out.set(bytes.subarray(off, off + n), off);
    off += n;
  }
  return bytesToLabelText(out.subarray(1));
}

/** Factory of the `dname` decoder; a malformed name is returned unchanged (as text). */
export const dnameDecoder: DecoderFactory = () => (input) =>
  decodeDname(inputBytes(input)) ?? inputText(input);
