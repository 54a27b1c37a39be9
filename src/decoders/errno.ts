/**
 * `errno`: decimal errno -> its name, e.g. `EPERM` (compat.md §4, "errno names").
 * @module
 */

import { DecodeError, type DecoderFactory, inputText } from "./decoder.ts";
import { errnoName } from "../kernel/errno_table.ts";

const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Parses decimal text the way Go's `strconv.ParseUint(s, 10, 64)` does: digits only, u64 range.
 * Returns undefined for anything else.
 */
export function parseGoUint(text: string): bigint | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > UINT64_MAX ? undefined : value;
}

/**
 * Factory of the `errno` decoder. 0 and numbers without a name give `unknown:<n>`; text that is not
 * an unsigned decimal integer throws {@link DecodeError}.
 */
export const errnoDecoder: DecoderFactory = () => (input) => {
  const text = inputText(input);
  const small = text.length <= 9 && /^[0-9]+$/.test(text) ? Number(text) : undefined;
  if (small !== undefined) return errnoName(small) ?? `unknown:${small}`;
  const value = parseGoUint(text);
  if (value === undefined) {
    throw new DecodeError(
      `errno: ${JSON.stringify(text)} is not an unsigned integer`,
    );
  }
  if (value <= 0xffffffffn) {
    const name = errnoName(Number(value));
    if (name !== undefined) return name;
  }
  return `unknown:${value}`;
};
