/**
 * `kstack`: an array of u64 kernel frame addresses -> one symbol per frame (compat.md §4).
 * @module
 */

import { DecodeError, type DecoderFactory, inputBytes } from "./decoder.ts";
import { readU64 } from "./uint.ts";

/**
 * Factory of the `kstack` decoder. Reads host-order u64 addresses until the first 0 (or the end);
 * each frame becomes the nearest kernel symbol at or below its address (module symbols keep
 * `\t[module]`), or `??` when there is none; frames are joined by `\n`. An empty stack gives the
 * empty string. An input whose length is not a multiple of 8 throws {@link DecodeError}.
 */
export const kstackDecoder: DecoderFactory = (_config, env) => (input) => {
  const bytes = inputBytes(input);
  if (bytes.length % 8 !== 0) {
    throw new DecodeError(
      `kstack: need a whole number of 8-byte addresses, got ${bytes.length} bytes`,
    );
  }
  const frames: string[] = [];
  for (let off = 0; off < bytes.length; off += 8) {
    const addr = readU64(bytes, off);
    if (addr === 0n) break;
    frames.push(env.symbols.nearest(addr) ?? "??");
  }
  return frames.join("\n");
};
