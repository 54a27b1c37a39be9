/**
 * `ksym`: u64 kernel address -> the kernel symbol at exactly that address (compat.md §4).
 * @module
 */

import { DecodeError, type DecoderFactory, inputBytes } from "./decoder.ts";
import { readU64 } from "./uint.ts";

/**
 * Factory of the `ksym` decoder. Reads the first 8 bytes as a host-order address; module symbols
 * keep their `\t[module]` suffix; an address without a symbol gives `unknown_addr:0x<hex>`.
 * Inputs shorter than 8 bytes throw {@link DecodeError}.
 */
export const ksymDecoder: DecoderFactory = (_config, env) => (input) => {
  const bytes = inputBytes(input);
  if (bytes.length < 8) {
    throw new DecodeError(
      `ksym: need 8 bytes for an address, got ${bytes.length}`,
    );
  }
  const addr = readU64(bytes);
  return env.symbols.exact(addr) ?? `unknown_addr:0x${addr.toString(16)}`;
};
