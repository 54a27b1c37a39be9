/**
 * Bytes to label text that is always valid UTF-8: valid sequences are kept, every byte that is
 * not part of one is written as `\xNN` (upstream panics on such label values).
 * @module
 */

// ignoreBOM: a leading EF BB BF is the character U+FEFF of the label, not a marker to drop.
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function sequenceLength(bytes: Uint8Array, at: number): number {
  const b = bytes[at];
  let need: number;
  let min: number;
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
  else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
  else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
  else return 0;
  if (at + need >= bytes.length) return 0;
  let cp = b & (0x3f >> need);
  for (let i = 1; i <= need; i++) {
    const c = bytes[at + i];
    if (c === undefined || (c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return need + 1;
}

/** Decodes `bytes` as UTF-8, escaping every invalid byte as `\xNN`. */
export function bytesToLabelText(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    let out = "";
    let start = 0;
    let at = 0;
    while (at < bytes.length) {
      const n = sequenceLength(bytes, at);
      if (n > 0) {
        at += n;
        continue;
      }
      out += strict.decode(bytes.subarray(start, at));
      out += `\\x${bytes[at].toString(16).padStart(2, "0")}`;
      at++;
      start = at;
    }
    return out + strict.decode(bytes.subarray(start, at));
  }
}
