/**
 * `string`: bytes up to the first NUL, read as UTF-8 with invalid bytes escaped as `\xNN`
 * (compat.md §4).
 * @module
 */

import type { DecoderFactory } from "./decoder.ts";
import { bytesToLabelText } from "./utf8.ts";

/** Factory of the `string` decoder: cuts at the first NUL; text input is cut the same way. */
export const stringDecoder: DecoderFactory = () => (input) => {
  if (typeof input === "string") {
    const nul = input.indexOf("\0");
    return nul < 0 ? input : input.slice(0, nul);
  }
  const nul = input.indexOf(0);
  return bytesToLabelText(nul < 0 ? input : input.subarray(0, nul));
};
