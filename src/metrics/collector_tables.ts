/**
 * The tables a columnar collector keeps between scrapes (raw keys, label sets, series order and the
 * per-scrape touch list), and the sweep that renumbers them together when series vanish.
 * @module
 */

import { IdOrder } from "./gather.ts";
import { KeyTable } from "./key_table.ts";
import { LabelTable } from "./label_table.ts";
import type { CacheLimits } from "./series_cache.ts";

/**
 * Per-series scratch of one collector, indexed by series id: the scrape that last touched each
 * series, and the list of ids touched in this scrape.
 */
export class TouchList {
  /** Scrape generation that last touched each id. */
  scrapeOf = new Uint32Array(64);
  /** Ids touched in this scrape, in first-touch order (the first {@link count}). */
  ids = new Int32Array(64);
  /** Number of ids touched in this scrape. */
  count = 0;

  /** Makes room for ids below `capacity`; true when it grew (the caller grows its arrays too). */
  ensure(capacity: number): boolean {
    if (capacity <= this.scrapeOf.length) return false;
    let size = this.scrapeOf.length;
    while (size < capacity) size *= 2;
    const scrapeOf = new Uint32Array(size);
    scrapeOf.set(this.scrapeOf);
    this.scrapeOf = scrapeOf;
    const ids = new Int32Array(size);
    ids.set(this.ids);
    this.ids = ids;
    return true;
  }

  /** Forgets every id (after the ids were renumbered). */
  reset(capacity: number): void {
    this.scrapeOf = new Uint32Array(Math.max(64, capacity));
    this.ids = new Int32Array(Math.max(64, capacity));
    this.count = 0;
  }
}

/** One collector's tables. */
export class CollectorTables {
  /** Raw keys to series ids. */
  readonly keys: KeyTable;
  /** Label sets by series id (replaced by a compacted table when series vanish). */
  labels: LabelTable;
  /** Series ids in Go-client order. */
  readonly order: IdOrder = new IdOrder();
  /** Ids touched by the current scrape. */
  readonly touched: TouchList = new TouchList();

  /** Tables for keys of `keySize` bytes decoding to label `names` (key order). */
  constructor(keySize: number, names: readonly string[], limits: CacheLimits) {
    this.keys = new KeyTable(keySize, limits);
    this.labels = new LabelTable(names);
  }

  /** This scrape's touched ids in order (a fresh array whenever the order changed). */
  arrange(scrape: number): Int32Array {
    const touched = this.touched;
    return this.order.arrange(
      this.labels,
      touched.ids,
      touched.count,
      (id) => touched.scrapeOf[id] === scrape,
    );
  }

  /**
   * After a scrape that visited `visited` keys: compacts the label table when many series
   * vanished (renumbering keys, order and touch list together), or else drops keys gone from the
   * map. Returns true when ids were renumbered: the caller then resets its own per-id arrays.
   */
  sweep(visited: number): boolean {
    const touched = this.touched;
    if (this.labels.count > touched.count * 1.25 + 1024) {
      const keep = new Uint8Array(this.labels.count);
      for (let i = 0; i < touched.count; i++) keep[touched.ids[i]] = 1;
      const { table, remap } = this.labels.compact(keep);
      this.labels = table;
      this.keys.sweep(remap);
      this.order.remap(remap, table.count);
      touched.reset(table.count);
      return true;
    }
    if (this.keys.size > visited * 1.25 + 1024) this.keys.sweep();
    return false;
  }
}
