/**
 * `majorminor`: u32 device number (kernel `new_encode_dev`) -> block device name (compat.md §4).
 * @module
 */

import { DecodeError, type DecoderFactory, inputBytes } from "./decoder.ts";
import { readU32 } from "./uint.ts";

/** Splits a `new_encode_dev` u32 into `[major, minor]` (12-bit major, 20-bit minor). */
export function decodeDev(dev: number): [major: number, minor: number] {
  const major = (dev & 0xfff00) >>> 8;
  const minor = (dev & 0xff) | ((dev >>> 12) & 0xfff00);
  return [major, minor];
}

/**
 * Factory of the `majorminor` decoder. Reads the first 4 bytes as a host-order u32 and looks the
 * device up in /proc/partitions (through `env.devices`); unknown devices give
 * `unknown:<major>:<minor>`. Inputs shorter than 4 bytes throw {@link DecodeError}.
 */
export const majorMinorDecoder: DecoderFactory = (_config, env) => (input) => {
  const bytes = inputBytes(input);
  if (bytes.length < 4) {
    throw new DecodeError(
      `majorminor: need 4 bytes for a device number, got ${bytes.length}`,
    );
  }
  const [major, minor] = decodeDev(readU32(bytes));
  return env.devices.name(major, minor) ?? `unknown:${major}:${minor}`;
};
