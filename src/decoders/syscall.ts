/**
 * `syscall`: decimal syscall number -> its name (compat.md §4, "syscall names").
 * @module
 */

import { DecodeError, type DecoderFactory, inputText } from "./decoder.ts";
import { syscallName } from "../kernel/syscall_table.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_POW_64 = 2n ** 64n;

/**
 * Parses decimal text the way Go's `strconv.Atoi` does on 64-bit machines: optional sign, digits,
 * int64 range. Returns undefined for anything else.
 */
export function parseGoInt(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

/**
 * Factory of the `syscall` decoder. Numbers without a name give `unknown_syscall:<n>`, with
 * negative numbers printed as the u64 they wrap to (as upstream does); text that is not a decimal
 * integer throws {@link DecodeError}.
 */
export const syscallDecoder: DecoderFactory = () => (input) => {
  const text = inputText(input);
  const small = text.length <= 9 && /^[0-9]+$/.test(text) ? Number(text) : undefined;
  if (small !== undefined) {
    return syscallName(small) ?? `unknown_syscall:${small}`;
  }
  const value = parseGoInt(text);
  if (value === undefined) {
    throw new DecodeError(`syscall: ${JSON.stringify(text)} is not an integer`);
  }
  if (value >= 0n && value <= 0xffffffffn) {
    const name = syscallName(Number(value));
    if (name !== undefined) return name;
  }
  return `unknown_syscall:${value < 0n ? value + TWO_POW_64 : value}`;
};
