/**
 * Counters: one map read per scrape, decoded labels cached per raw key, duplicate label sets summed,
 * per-CPU values summed or split by a trailing `cpu` label (compat.md §3, §6).
 * @module
 */

import type { CounterConfig } from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { KeyDecoder } from "../decoders/key_decoder.ts";
import type { MapSource } from "../maps/source.ts";
import { columnarScalarFamily, type ScalarFamily } from "./family.ts";
import { IdOrder } from "./gather.ts";
import { ValueReader } from "./map_values.ts";
import { KeyIterator } from "./key_iterator.ts";
import { hashBytes, KeyTable, SKIPPED } from "./key_table.ts";
import { LabelTable } from "./label_table.ts";
import type { CacheLimits } from "./series_cache.ts";

/** Where a config's decode failures are counted (`ebpf_exporter_decoder_errors_total`). */
export interface DecodeErrorCounter {
  /** Failures so far. */
  count: number;
  /** Called with each failure, for logging under --debug. */
  report?(metric: string, error: unknown): void;
}

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

/** Produces one counter family from its map. */
export class CounterCollector {
  readonly #name: string;
  readonly #iterator: KeyIterator;
  readonly #keys: KeyTable;
  #labels: LabelTable;
  readonly #order = new IdOrder();
  readonly #touched = new TouchList();
  #sums = new Float64Array(64);

  /** Compiles the decoders; throws on a bad decoder config. */
  constructor(
    readonly config: CounterConfig,
    readonly source: MapSource,
    env: DecoderEnv,
    readonly errors: DecodeErrorCounter,
    cacheLimits: CacheLimits,
  ) {
    this.#name = `ebpf_exporter_${config.name}`;
    const decoder = new KeyDecoder(config.labels, env);
    this.#iterator = new KeyIterator(decoder, source, decoder.names.length - 1);
    this.#keys = new KeyTable(this.#iterator.idSize, cacheLimits);
    this.#labels = new LabelTable(decoder.names);
  }

  /** The series id a key decodes to ({@link SKIPPED} when dropped, -2 on a decode error). */
  #decode(): number {
    try {
      const decoded = this.#iterator.decoder.decode(this.#iterator.currentKey());
      return decoded === null ? SKIPPED : this.#labels.intern(decoded);
    } catch (error) {
      this.errors.count++;
      this.errors.report?.(this.config.name, error);
      return -2;
    }
  }

  /**
   * Reads the map and returns the family, series sorted. The family is a snapshot: later scrapes
   * do not change it, so it can be encoded while the next scrape runs.
   */
  collect(): ScalarFamily {
    const keys = this.#keys;
    const size = keys.keySize;
    const scrape = keys.beginScrape();
    const entries = this.source.read();
    const values = new ValueReader(entries, this.source.cpus);
    const touched = this.#touched;
    touched.count = 0;
    if (keys.size < entries.count) {
      // A cold scrape (or a map that grew): size everything for the map at once.
      keys.reserve(entries.count);
      this.#labels.reserve(entries.count);
      if (touched.ensure(entries.count)) this.#growSums(touched.scrapeOf.length);
    }
    let visited = 0;
    this.#iterator.forEach(entries, (buf, at, index, cpu) => {
      visited++;
      const hash = hashBytes(buf, at, size);
      const e = keys.find(buf, at, hash);
      let id: number;
      if (e >= 0) {
        id = keys.series(e);
      } else {
        id = this.#decode();
        if (id === -2) return;
        keys.add(buf, at, hash, id);
      }
      if (id === SKIPPED) return;
      if (touched.ensure(id + 1)) this.#growSums(touched.scrapeOf.length);
      if (touched.scrapeOf[id] !== scrape) {
        touched.scrapeOf[id] = scrape;
        this.#sums[id] = 0;
        touched.ids[touched.count++] = id;
      }
      this.#sums[id] += cpu < 0 ? values.sum(index) : values.one(index, cpu);
    });
    const table = this.#labels;
    const ids = this.#order.arrange(
      table,
      touched.ids,
      touched.count,
      (id) => touched.scrapeOf[id] === scrape,
    );
    const sums = this.#sums;
    const out = new Float64Array(ids.length);
    for (let k = 0; k < ids.length; k++) out[k] = sums[ids[k]];
    this.#sweep(visited);
    return columnarScalarFamily(this.#name, this.config.help, "counter", {
      table,
      ids,
      values: out,
    });
  }

  #growSums(capacity: number): void {
    const sums = new Float64Array(capacity);
    sums.set(this.#sums);
    this.#sums = sums;
  }

  /** Forgets keys gone from the map and series no key decodes to any more. */
  #sweep(visited: number): void {
    const touched = this.#touched;
    if (this.#labels.count > touched.count * 1.25 + 1024) {
      const keep = new Uint8Array(this.#labels.count);
      for (let i = 0; i < touched.count; i++) keep[touched.ids[i]] = 1;
      const { table, remap } = this.#labels.compact(keep);
      this.#labels = table;
      this.#keys.sweep(remap);
      this.#order.remap(remap, table.count);
      touched.reset(table.count);
      this.#sums = new Float64Array(touched.scrapeOf.length);
    } else if (this.#keys.size > visited * 1.25 + 1024) {
      this.#keys.sweep();
    }
  }
}
