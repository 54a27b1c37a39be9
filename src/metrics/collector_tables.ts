/**
 * The tables a columnar collector keeps between scrapes (raw keys, label sets, series order and the
 * per-scrape touch list), and the sweep that renumbers them together when series vanish.
 * @module
 */

import { IdOrder } from "./gather.ts";
import { type CacheLimits, hashBytes, KeyTable, SKIPPED } from "./key_table.ts";
import { LabelTable } from "./label_table.ts";

/**
 * Per-series scratch of one collector, indexed by series id: the scrape that last touched each
 * series, and the list of ids touched in this scrape.
 */
class TouchList {
  /** Scrape generation that last touched each id. */
  scrapeOf = new Uint32Array(64);
  /** Ids touched in this scrape, in first-touch order (the first {@link count}). */
  ids = new Int32Array(64);
  /** Number of ids touched in this scrape. */
  count = 0;

  /** Makes room for ids below `capacity`. */
  ensure(capacity: number): void {
    if (capacity <= this.scrapeOf.length) return;
    let size = this.scrapeOf.length;
    while (size < capacity) size *= 2;
    const scrapeOf = new Uint32Array(size);
    scrapeOf.set(this.scrapeOf);
    this.scrapeOf = scrapeOf;
    const ids = new Int32Array(size);
    ids.set(this.ids);
    this.ids = ids;
  }

  /** Forgets every id (after the ids were renumbered). */
  reset(capacity: number): void {
    this.scrapeOf = new Uint32Array(Math.max(64, capacity));
    this.ids = new Int32Array(Math.max(64, capacity));
    this.count = 0;
  }
}

/** What {@link CollectorTables.resolve} returns for a key that failed to decode (not cached). */
export const DECODE_FAILED = -2;

/**
 * One collector's tables, and the steps of a scrape that counters and histograms share: start,
 * resolve each key to a series id (decoding it once), mark the series touched, order the touched
 * series, sweep what vanished.
 */
export class CollectorTables {
  /** Raw keys to series ids. */
  readonly #keys: KeyTable;
  /** Label sets by series id (replaced by a compacted table when series vanish). */
  labels: LabelTable;
  /** Series ids in Go-client order. */
  readonly #order = new IdOrder();
  /** Ids touched by the current scrape. */
  readonly #touched = new TouchList();
  /** The second integer of the key last resolved (a histogram's bucket index). */
  aux = 0;
  #scrape = 0;
  #visited = 0;

  /**
   * Tables for keys of `keySize` bytes decoding to label `names` (key order); `keysPerSeries`
   * sizes the label table on a cold scrape (a histogram's keys share a series per bucket).
   */
  constructor(
    keySize: number,
    names: readonly string[],
    limits: CacheLimits,
    readonly keysPerSeries = 1,
  ) {
    this.#keys = new KeyTable(keySize, limits);
    this.labels = new LabelTable(names);
  }

  /**
   * Starts a scrape of `entries` keys; on a cold scrape (or a map that grew) sizes every table
   * for the map at once. Returns the scrape's generation.
   */
  begin(entries: number): number {
    this.#scrape = this.#keys.beginScrape();
    this.#visited = 0;
    this.#touched.count = 0;
    if (this.#keys.size < entries) {
      const series = Math.ceil(entries / this.keysPerSeries);
      this.#keys.reserve(entries);
      this.labels.reserve(series);
      this.#touched.ensure(series);
    }
    return this.#scrape;
  }

  /**
   * The series id of the key at `buf[at..]`: from the key table, or else from `decode` (an id,
   * {@link SKIPPED}, or a negative failure code such as {@link DECODE_FAILED}; only ids and skips
   * are remembered, while there is room). `decode` may set {@link aux} for the key.
   */
  resolve(buf: Uint8Array, at: number, decode: () => number): number {
    this.#visited++;
    const keys = this.#keys;
    const hash = hashBytes(buf, at, keys.keySize);
    const e = keys.find(buf, at, hash);
    if (e >= 0) {
      this.aux = keys.aux(e);
      return keys.series(e);
    }
    this.aux = 0;
    const id = decode();
    if (id >= SKIPPED) keys.add(buf, at, hash, id, this.aux);
    return id;
  }

  /**
   * Marks series `id` touched by this scrape; true the first time (the caller then resets its
   * accumulators for `id`, after growing them to {@link capacity}).
   */
  touch(id: number): boolean {
    const touched = this.#touched;
    touched.ensure(id + 1);
    if (touched.scrapeOf[id] === this.#scrape) return false;
    touched.scrapeOf[id] = this.#scrape;
    touched.ids[touched.count++] = id;
    return true;
  }

  /** Room of the per-id arrays: callers size their accumulators to it. */
  get capacity(): number {
    return this.#touched.scrapeOf.length;
  }

  /** This scrape's touched ids in order (a fresh array whenever the order changed). */
  arrange(): Int32Array {
    const touched = this.#touched;
    const scrape = this.#scrape;
    return this.#order.arrange(
      this.labels,
      touched.ids,
      touched.count,
      (id) => touched.scrapeOf[id] === scrape,
    );
  }

  /**
   * Ends the scrape: compacts the label table when many series vanished (renumbering keys, order
   * and touch list together), or else drops keys gone from the map. Returns true when ids were
   * renumbered: the caller then starts its per-id accumulators over.
   */
  sweep(): boolean {
    const touched = this.#touched;
    if (this.labels.count > touched.count * 1.25 + 1024) {
      const keep = new Uint8Array(this.labels.count);
      for (let i = 0; i < touched.count; i++) keep[touched.ids[i]] = 1;
      const { table, remap } = this.labels.compact(keep);
      this.labels = table;
      this.#keys.sweep(remap);
      this.#order.remap(remap, table.count);
      touched.reset(table.count);
      return true;
    }
    if (this.#keys.size > this.#visited * 1.25 + 1024) this.#keys.sweep();
    return false;
  }
}
