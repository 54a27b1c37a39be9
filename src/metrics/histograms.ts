/**
 * Histograms: keys grouped by every label but the last, whose decoded text is the bucket key
 * (compat.md §5). Counts are folded per group into dense arrays; nothing per sample is allocated.
 * @module
 */

import type { HistogramConfig } from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { KeyDecoder } from "../decoders/key_decoder.ts";
import { cpuLabelIndex, type MapSource } from "../maps/source.ts";
import { type BucketLayout, bucketLayout } from "./buckets.ts";
import { CollectorTables, DECODE_FAILED } from "./collector_tables.ts";
import type { DecodeErrorCounter } from "./counters.ts";
import { columnarHistogramFamily, type HistogramFamily } from "./family.ts";
import { KeyIterator } from "./key_iterator.ts";
import { type CacheLimits, SKIPPED } from "./key_table.ts";
import { ValueReader } from "./map_values.ts";

/** Bucket index of the key holding the sum. */
const SUM = -1;
/** Bucket index of a key whose bucket is not in the layout. */
const IGNORED = -2;
/** Result of a key whose bucket label is not an integer (not cached: the scrape is skipped). */
const BAD_BUCKET = -3;

/** Produces one histogram family from its map. */
export class HistogramCollector {
  readonly #name: string;
  readonly #layout: BucketLayout;
  readonly #width: number;
  readonly #iterator: KeyIterator;
  readonly #tables: CollectorTables;
  #counts = new Float64Array(0);
  #sums = new Float64Array(0);

  /** Compiles the decoders and the bucket layout. */
  constructor(
    readonly config: HistogramConfig,
    readonly source: MapSource,
    env: DecoderEnv,
    readonly errors: DecodeErrorCounter,
    cacheLimits: CacheLimits,
  ) {
    this.#name = `ebpf_exporter_${config.name}`;
    this.#layout = bucketLayout(config);
    this.#width = this.#layout.keys.length;
    const decoder = new KeyDecoder(config.labels, env);
    this.#iterator = new KeyIterator(
      decoder,
      source,
      cpuLabelIndex("histogram", decoder.names.length),
    );
    this.#tables = new CollectorTables(
      this.#iterator.idSize,
      decoder.names.slice(0, -1),
      cacheLimits,
      this.#width,
    );
  }

  /**
   * The series id the key being visited decodes to, its bucket index left in the tables' `aux`;
   * {@link SKIPPED} when dropped, DECODE_FAILED on a decode error, BAD_BUCKET when the bucket
   * label is not an integer.
   */
  readonly #decode = (): number => {
    try {
      const decoded = this.#iterator.decoder.decode(this.#iterator.currentKey());
      if (decoded === null) return SKIPPED;
      const bucketText = decoded[decoded.length - 1];
      const bucket = /^-?\d+$/.test(bucketText) ? Number(bucketText) : NaN;
      if (Number.isNaN(bucket)) return BAD_BUCKET;
      this.#tables.aux = bucket === this.#layout.sumKey
        ? SUM
        : this.#layout.indexOf.get(bucket) ?? IGNORED;
      return this.#tables.labels.intern(decoded);
    } catch (error) {
      this.errors.count++;
      this.errors.report?.(this.config.name, error);
      return DECODE_FAILED;
    }
  };

  /**
   * Reads the map and returns the family (a snapshot, series sorted), or undefined when a bucket
   * label did not decode to an integer (the histogram is skipped for this scrape, as upstream does).
   */
  collect(): HistogramFamily | undefined {
    const tables = this.#tables;
    const width = this.#width;
    const entries = this.source.read();
    const values = new ValueReader(entries, this.source.cpus);
    tables.begin(entries.count);
    let badBucket = false;
    this.#iterator.forEach(entries, (buf, at, i, cpu) => {
      const id = tables.resolve(buf, at, this.#decode);
      if (id < 0) {
        if (id === BAD_BUCKET) badBucket = true;
        return; // dropped, or not decodable
      }
      const bucket = tables.aux;
      if (tables.touch(id)) {
        if (this.#sums.length < tables.capacity) this.#grow(tables.capacity);
        this.#counts.fill(0, id * width, (id + 1) * width);
        this.#sums[id] = 0;
      }
      if (bucket === IGNORED) return;
      const value = cpu < 0 ? values.sum(i) : values.one(i, cpu);
      if (bucket === SUM) this.#sums[id] += value;
      else this.#counts[id * width + bucket] += value;
    });
    if (badBucket) {
      this.#sweep();
      return undefined;
    }
    const table = tables.labels;
    const ids = tables.arrange();
    const n = ids.length;
    const cumulative = new Float64Array(n * width);
    const totals = new Float64Array(n);
    const sums = new Float64Array(n);
    const m = this.config.bucketMultiplier;
    const counts = this.#counts;
    for (let k = 0; k < n; k++) {
      const id = ids[k];
      let running = 0;
      for (let b = 0; b < width; b++) {
        running += counts[id * width + b];
        cumulative[k * width + b] = running;
      }
      totals[k] = running;
      sums[k] = this.#sums[id] * m;
    }
    this.#sweep();
    return columnarHistogramFamily({
      name: this.#name,
      help: this.config.help,
      type: "histogram",
      bounds: this.#layout.bounds,
      bucketType: this.config.bucketType,
    }, { table, ids, cumulative, counts: totals, sums });
  }

  #grow(capacity: number): void {
    const counts = new Float64Array(capacity * this.#width);
    counts.set(this.#counts);
    this.#counts = counts;
    const sums = new Float64Array(capacity);
    sums.set(this.#sums);
    this.#sums = sums;
  }

  /** Sweeps the tables; after a renumbering the per-id accumulators start over. */
  #sweep(): void {
    if (!this.#tables.sweep()) return;
    this.#counts = new Float64Array(0);
    this.#sums = new Float64Array(0);
  }
}
