/**
 * `ifname`: u32 network interface index -> interface name (compat.md §4).
 * @module
 */

import { DecodeError, type DecoderFactory, inputBytes } from "./decoder.ts";
import { readU32 } from "./uint.ts";

/**
 * Factory of the `ifname` decoder. Reads the first 4 bytes as a host-order u32 ifindex and looks
 * the interface up through `env.interfaces`; an index no interface has gives `unknown:<idx>`.
 * Inputs shorter than 4 bytes throw {@link DecodeError}.
 */
export const ifnameDecoder: DecoderFactory = (_config, env) => (input) => {
  const bytes = inputBytes(input);
  if (bytes.length < 4) {
    throw new DecodeError(`ifname: need 4 bytes for an interface index, got ${bytes.length}`);
  }
  const index = readU32(bytes);
  return env.interfaces.name(index) ?? `unknown:${index}`;
};
