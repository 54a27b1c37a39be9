/**
 * `uint`: 1, 2, 4 or 8 bytes in host byte order -> decimal text (compat.md §4).
 *
 * Also exports the host-order integer readers that `ksym` and `majorminor` share.
 * @module
 */

import { DecodeError, type DecoderFactory, type DecoderInput, inputBytes } from "./decoder.ts";

/** True when this machine stores integers little-endian (x86_64, arm64). */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads `size` (1..4) bytes at `offset` as an unsigned host-order integer. */
function readSmall(bytes: Uint8Array, offset: number, size: number): number {
  let value = 0;
  if (HOST_LITTLE_ENDIAN) {
    for (let i = size - 1; i >= 0; i--) value = value * 256 + bytes[offset + i];
  } else {
    for (let i = 0; i < size; i++) value = value * 256 + bytes[offset + i];
  }
  return value;
}

/** The 4 bytes at `offset` as an unsigned host-order u32 (the caller checks the length). */
export function readU32(bytes: Uint8Array, offset = 0): number {
  return readSmall(bytes, offset, 4);
}

/** The high u32 half of the host-order u64 at `offset`. */
function readU64Hi(bytes: Uint8Array, offset: number): number {
  return readSmall(bytes, HOST_LITTLE_ENDIAN ? offset + 4 : offset, 4);
}

/** The low u32 half of the host-order u64 at `offset`. */
function readU64Lo(bytes: Uint8Array, offset: number): number {
  return readSmall(bytes, HOST_LITTLE_ENDIAN ? offset : offset + 4, 4);
}

/** The 8 bytes at `offset` as an unsigned host-order u64 (the caller checks the length). */
export function readU64(bytes: Uint8Array, offset = 0): bigint {
  return (BigInt(readU64Hi(bytes, offset)) << 32n) | BigInt(readU64Lo(bytes, offset));
}

const TWO_POW_32 = 4294967296;
/** Largest high half for which `hi * 2^32 + lo` is still an exact double (< 2^53). */
const MAX_EXACT_HI = 0x1fffff;

/** Decimal text of a u64 given as halves, exact above 2^53. */
export function u64HalvesToDecimal(hi: number, lo: number): string {
  if (hi <= MAX_EXACT_HI) return String(hi * TWO_POW_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/**
 * The `uint` decoder's text for the `size` bytes of `bytes` at `offset` (1, 2, 4 or 8; any other
 * size throws {@link DecodeError}). Reading in place spares the hot path a subarray per label.
 */
export function uintTextAt(bytes: Uint8Array, offset: number, size: number): string {
  switch (size) {
    case 1:
      return String(bytes[offset]);
    case 2:
      return String(readSmall(bytes, offset, 2));
    case 4:
      return String(readU32(bytes, offset));
    case 8:
      // The halves read one by one: no tuple allocated on the hot path.
      return u64HalvesToDecimal(readU64Hi(bytes, offset), readU64Lo(bytes, offset));
    default:
      throw new DecodeError(`uint: unsupported input size ${size} (want 1, 2, 4 or 8 bytes)`);
  }
}

/**
 * Factory of the `uint` decoder; inputs of another size throw {@link DecodeError}. As a first step
 * it reads the key in place ({@link uintTextAt}).
 */
export const uintDecoder: DecoderFactory = () =>
  Object.assign((input: DecoderInput) => {
    const bytes = inputBytes(input);
    return uintTextAt(bytes, 0, bytes.length);
  }, { readKey: uintTextAt });
