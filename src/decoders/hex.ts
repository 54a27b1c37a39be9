/**
 * `hex`: bytes -> lowercase hex, two digits per byte (compat.md §4).
 * @module
 */

import { type DecoderFactory, inputBytes } from "./decoder.ts";

const HEX_BYTES: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/** Lowercase hex of `bytes`, two digits per byte (`[0x0a, 0xff]` -> `0aff`). */
export function bytesToHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX_BYTES[bytes[i]];
  return out;
}

/** Factory of the `hex` decoder; text input is hex-encoded as its UTF-8 bytes. */
export const hexDecoder: DecoderFactory = () => (input) => bytesToHex(inputBytes(input));
