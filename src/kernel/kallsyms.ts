/**
 * Kernel symbol table from `/proc/kallsyms`, for the `ksym` and `kstack` decoders (compat.md §4).
 *
 * Lines look like `ffffffff81000000 T _text` or `ffffffffc0a01000 t foo_bar\t[nf_tables]`; the
 * symbol text is everything after the type letter, so module symbols keep `\t[module]` exactly as
 * upstream prints them. Reading the file is the caller's business (through libc, see
 * design/platform.md); this module only parses and looks up.
 * @module
 */

import type { SymbolResolver } from "../decoders/decoder.ts";

const TWO_POW_32 = 0x1_0000_0000n;
const LOW_MASK = 0xffff_ffffn;

/** Addresses sorted ascending (as u32 halves) with their symbols; binary-searched. */
export class KallsymsTable {
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #names: readonly string[];

  /** Wraps sorted halves and names of equal length (use {@link parseKallsyms} to build one). */
  constructor(hi: Uint32Array, lo: Uint32Array, names: readonly string[]) {
    this.#hi = hi;
    this.#lo = lo;
    this.#names = names;
  }

  /** Number of symbols with a non-zero address. */
  get size(): number {
    return this.#names.length;
  }

  /** Index of the first entry whose address is >= (hi, lo) (or > when `after`). */
  #search(hi: number, lo: number, after: boolean): number {
    let low = 0;
    let high = this.#names.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const h = this.#hi[mid];
      const below = h < hi ||
        (h === hi && (after ? this.#lo[mid] <= lo : this.#lo[mid] < lo));
      if (below) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Symbol at exactly `addr` (the first one listed when several share it); undefined if none. */
  exact(addr: bigint): string | undefined {
    if (addr < 0n || addr >= TWO_POW_32 * TWO_POW_32) return undefined;
    const hi = Number(addr >> 32n);
    const lo = Number(addr & LOW_MASK);
    const i = this.#search(hi, lo, false);
    if (i < this.#names.length && this.#hi[i] === hi && this.#lo[i] === lo) {
      return this.#names[i];
    }
    return undefined;
  }

  /** Symbol with the highest address at or below `addr` (first listed on ties); undefined if none. */
  nearest(addr: bigint): string | undefined {
    if (addr < 0n) return undefined;
    if (addr >= TWO_POW_32 * TWO_POW_32) addr = TWO_POW_32 * TWO_POW_32 - 1n;
    const hi = Number(addr >> 32n);
    const lo = Number(addr & LOW_MASK);
    const after = this.#search(hi, lo, true);
    if (after === 0) return undefined;
    const first = this.#search(this.#hi[after - 1], this.#lo[after - 1], false);
    return this.#names[first];
  }
}

const EMPTY = new KallsymsTable(new Uint32Array(), new Uint32Array(), []);

/**
 * Parses `/proc/kallsyms` text. Lines that do not look like `ADDR TYPE NAME` and symbols at address
 * 0 (what the file shows without CAP_SYSLOG) are left out.
 */
export function parseKallsyms(text: string): KallsymsTable {
  const his: number[] = [];
  const los: number[] = [];
  const names: string[] = [];
  let sorted = true;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const s1 = text.indexOf(" ", start);
    const s2 = s1 < 0 || s1 >= end ? -1 : text.indexOf(" ", s1 + 1);
    if (s1 > start && s1 - start <= 16 && s2 > s1 + 1 && s2 + 1 < end) {
      const addr = text.slice(start, s1);
      const split = addr.length - 8;
      const hi = split > 0 ? parseInt(addr.slice(0, split), 16) : 0;
      const lo = parseInt(split > 0 ? addr.slice(split) : addr, 16);
      if (/^[0-9a-fA-F]+$/.test(addr) && (hi !== 0 || lo !== 0)) {
        const n = names.length;
        if (
          n > 0 && (his[n - 1] > hi || (his[n - 1] === hi && los[n - 1] > lo))
        ) sorted = false;
        his.push(hi);
        los.push(lo);
        names.push(text.slice(s2 + 1, end));
      }
    }
    start = end + 1;
  }
  if (sorted) {
    return new KallsymsTable(
      Uint32Array.from(his),
      Uint32Array.from(los),
      names,
    );
  }
  const order = Array.from({ length: names.length }, (_, i) => i);
  order.sort((a, b) => his[a] - his[b] || los[a] - los[b] || a - b);
  return new KallsymsTable(
    Uint32Array.from(order, (i) => his[i]),
    Uint32Array.from(order, (i) => los[i]),
    order.map((i) => names[i]),
  );
}

/** How a {@link KallsymsResolver} gets and refreshes its table. */
export interface KallsymsResolverOptions {
  /** Returns the current text of `/proc/kallsyms`. */
  readonly read: () => string;
  /** Minimum time between two re-reads caused by lookup misses (default 10 000 ms). */
  readonly refreshIntervalMs?: number;
  /** Clock in milliseconds (default `Date.now`); tests pass a fake. */
  readonly now?: () => number;
  /** Told about read failures during lookups (which otherwise keep the previous table). */
  readonly onError?: (error: unknown) => void;
}

/**
 * {@link SymbolResolver} over `/proc/kallsyms`. The file is read on the first lookup (or by
 * {@link refresh}); a lookup that misses re-reads it at most once per `refreshIntervalMs`, so
 * addresses of newly loaded modules appear without a full re-read per unknown key. A re-read with no
 * usable addresses (capabilities dropped) keeps the previous table.
 */
export class KallsymsResolver implements SymbolResolver {
  readonly #read: () => string;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #onError?: (error: unknown) => void;
  #table: KallsymsTable | undefined;
  #lastRead = -Infinity;
  #reads = 0;

  /** Creates a resolver; nothing is read until the first lookup or {@link refresh}. */
  constructor(options: KallsymsResolverOptions) {
    this.#read = options.read;
    this.#intervalMs = options.refreshIntervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError;
  }

  /** How many times the file has been read (for tests and debugging). */
  get reads(): number {
    return this.#reads;
  }

  /** Reads the file now (throws if reading fails); an empty result keeps a non-empty table. */
  refresh(): void {
    this.#lastRead = this.#now();
    this.#reads++;
    const table = parseKallsyms(this.#read());
    if (table.size > 0 || this.#table === undefined || this.#table.size === 0) {
      this.#table = table;
    }
  }

  /** The current table, reading the file first if it has never been read. */
  table(): KallsymsTable {
    if (this.#table === undefined) this.#tryRefresh();
    return this.#table ?? EMPTY;
  }

  #tryRefresh(): void {
    try {
      this.refresh();
    } catch (error) {
      this.#table ??= EMPTY;
      this.#onError?.(error);
    }
  }

  /** Re-reads after a miss unless the last read is more recent than the interval. */
  #refreshAfterMiss(): boolean {
    if (this.#now() - this.#lastRead < this.#intervalMs) return false;
    this.#tryRefresh();
    return true;
  }

  /** Symbol at exactly `addr`, e.g. `tcp_v4_connect` or `foo_bar\t[nf_tables]`. */
  exact(addr: bigint): string | undefined {
    const found = this.table().exact(addr);
    if (found !== undefined || !this.#refreshAfterMiss()) return found;
    return this.table().exact(addr);
  }

  /** Symbol with the highest address at or below `addr`. */
  nearest(addr: bigint): string | undefined {
    const found = this.table().nearest(addr);
    if (found !== undefined || !this.#refreshAfterMiss()) return found;
    return this.table().nearest(addr);
  }
}
