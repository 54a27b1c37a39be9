/**
 * Block device names from `/proc/partitions`, for the `majorminor` decoder (compat.md §4).
 *
 * The file has a header line and then `major minor #blocks name` lines. Reading it is the caller's
 * business (through libc, see design/platform.md); this module only parses and looks up.
 * @module
 */

import type { DeviceResolver } from "../decoders/decoder.ts";

const MINOR_SPAN = 0x1_0000_0000;

/** Device names by major:minor. */
export class PartitionTable {
  readonly #names: ReadonlyMap<number, string>;

  /** Wraps a map keyed by `major * 2^32 + minor` (use {@link parsePartitions} to build one). */
  constructor(names: ReadonlyMap<number, string>) {
    this.#names = names;
  }

  /** Number of devices. */
  get size(): number {
    return this.#names.size;
  }

  /** Name of device major:minor (e.g. `vda1`); undefined if the table has none. */
  name(major: number, minor: number): string | undefined {
    return this.#names.get(major * MINOR_SPAN + minor);
  }
}

const EMPTY = new PartitionTable(new Map());

/**
 * Parses `/proc/partitions` text. Only lines of exactly four fields with numeric major and minor
 * count; the first line for a major:minor wins.
 */
export function parsePartitions(text: string): PartitionTable {
  const names = new Map<number, string>();
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (
      fields.length !== 4 || !/^\d+$/.test(fields[0]) ||
      !/^\d+$/.test(fields[1])
    ) continue;
    const major = Number(fields[0]);
    const minor = Number(fields[1]);
    if (major >= 0x20_0000 || minor >= MINOR_SPAN) continue;
    const key = major * MINOR_SPAN + minor;
    if (!names.has(key)) names.set(key, fields[3]);
  }
  return new PartitionTable(names);
}

/** How a {@link PartitionsResolver} gets and refreshes its table. */
export interface PartitionsResolverOptions {
  /** Returns the current text of `/proc/partitions`. */
  readonly read: () => string;
  /** Minimum time between two re-reads caused by lookup misses (default 10 000 ms). */
  readonly refreshIntervalMs?: number;
  /** Clock in milliseconds (default `Date.now`); tests pass a fake. */
  readonly now?: () => number;
  /** Told about read failures during lookups (which otherwise keep the previous table). */
  readonly onError?: (error: unknown) => void;
}

/**
 * {@link DeviceResolver} over `/proc/partitions`. The file is read on the first lookup (or by
 * {@link refresh}); a lookup that misses re-reads it at most once per `refreshIntervalMs`, so new
 * devices appear without a re-read per unknown key.
 */
export class PartitionsResolver implements DeviceResolver {
  readonly #read: () => string;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #onError?: (error: unknown) => void;
  #table: PartitionTable | undefined;
  #lastRead = -Infinity;
  #reads = 0;

  /** Creates a resolver; nothing is read until the first lookup or {@link refresh}. */
  constructor(options: PartitionsResolverOptions) {
    this.#read = options.read;
    this.#intervalMs = options.refreshIntervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError;
  }

  /** How many times the file has been read (for tests and debugging). */
  get reads(): number {
    return this.#reads;
  }

  /** Reads the file now and replaces the table (throws if reading fails). */
  refresh(): void {
    this.#lastRead = this.#now();
    this.#reads++;
    this.#table = parsePartitions(this.#read());
  }

  /** The current table, reading the file first if it has never been read. */
  table(): PartitionTable {
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

  /** Device name for major:minor, e.g. `vda`. */
  name(major: number, minor: number): string | undefined {
    const found = this.table().name(major, minor);
    if (
      found !== undefined || this.#now() - this.#lastRead < this.#intervalMs
    ) return found;
    this.#tryRefresh();
    return this.table().name(major, minor);
  }
}
