/**
 * `inet_ip`: 4 or 16 address bytes -> text, exactly as Go's `net.IP.String` prints them
 * (compat.md §4).
 * @module
 */

import { type DecoderFactory, inputBytes } from "./decoder.ts";
import { bytesToHex } from "./hex.ts";

function dotted(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * RFC 5952 text of a 16-byte IPv6 address: lowercase, no leading zeros, the longest run of two or
 * more zero groups (the first of equally long runs) written `::`.
 */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (out !== "" && !out.endsWith(":")) out += ":";
    out += groups[i].toString(16);
  }
  return out;
}

/**
 * Text of an IP address the way Go's `net.IP.String` writes it: 4 bytes dotted, 16 bytes RFC 5952
 * with IPv4-mapped addresses (`::ffff:a.b.c.d`) dotted, no bytes `<nil>`, other sizes `?` + hex.
 */
export function formatIP(bytes: Uint8Array): string {
  if (bytes.length === 4) return dotted(bytes, 0);
  if (bytes.length === 16) {
    return isV4Mapped(bytes) ? dotted(bytes, 12) : formatIPv6(bytes);
  }
  if (bytes.length === 0) return "<nil>";
  return `?${bytesToHex(bytes)}`;
}

/** Factory of the `inet_ip` decoder (see {@link formatIP}). */
export const inetIpDecoder: DecoderFactory = () => (input) => formatIP(inputBytes(input));
