/**
 * Histograms: keys grouped by every label but the last, whose decoded text is the bucket key
 * (compat.md §5). Counts are folded per group into dense arrays; nothing per sample is allocated.
 * @module
 */

import type { HistogramConfig } from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { KeyDecoder } from "../decoders/key_decoder.ts";
import type { MapSource } from "../maps/source.ts";
import { type BucketLayout, bucketLayout } from "./buckets.ts";
import type { DecodeErrorCounter } from "./counters.ts";
import type { HistogramFamily, HistogramSeries, LabelSet } from "./family.ts";
import { type Orderable, StableOrder } from "./gather.ts";
import { KeyIterator } from "./key_iterator.ts";
import { ValueReader } from "./map_values.ts";
import { type CacheLimits, RawKeyCache, SlotInterner } from "./series_cache.ts";

/** One label group's buckets accumulating over a scrape. */
class HistogramSlot implements HistogramSeries, Orderable {
  readonly cumulative: Float64Array;
  count = 0;
  sum = 0;
  scrape = 0;
  ordered = false;
  constructor(readonly labels: LabelSet, buckets: number) {
    this.cumulative = new Float64Array(buckets);
  }
}

/** What a raw key decodes to: its group and which bucket (an index, -1 = the sum key). */
interface BucketRef {
  readonly slot: HistogramSlot;
  readonly index: number;
}

const SUM = -1;
const IGNORED = -2;

/** Produces one histogram family from its map. */
export class HistogramCollector {
  readonly #name: string;
  readonly #layout: BucketLayout;
  readonly #iterator: KeyIterator;
  readonly #cache: RawKeyCache<BucketRef>;
  readonly #slots: SlotInterner<HistogramSlot>;
  readonly #order = new StableOrder<HistogramSlot>();

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
    const decoder = new KeyDecoder(config.labels, env);
    this.#iterator = new KeyIterator(decoder, source, decoder.names.length - 2);
    this.#cache = new RawKeyCache(cacheLimits);
    const buckets = this.#layout.keys.length;
    this.#slots = new SlotInterner(
      decoder.names.slice(0, -1),
      (labels) => new HistogramSlot(labels, buckets),
    );
  }

  /**
   * Reads the map and returns the family (a snapshot, series sorted), or undefined when a bucket label did
   * not decode to an integer (the histogram is skipped for this scrape, as upstream does).
   */
  collect(): HistogramFamily | undefined {
    const scrape = this.#cache.beginScrape();
    const entries = this.source.read();
    const values = new ValueReader(entries, this.source.cpus);
    const touched: HistogramSlot[] = [];
    let badBucket = false;
    this.#iterator.forEach(entries, (id, i, cpu) => {
      let entry = this.#cache.get(id);
      if (!entry) {
        let ref: BucketRef | null = null;
        try {
          const decoded = this.#iterator.decoder.decode(this.#iterator.currentKey());
          if (decoded !== null) {
            const bucketText = decoded.pop()!;
            const bucket = /^-?\d+$/.test(bucketText) ? Number(bucketText) : NaN;
            if (Number.isNaN(bucket)) {
              badBucket = true;
              return;
            }
            const index = bucket === this.#layout.sumKey
              ? SUM
              : this.#layout.indexOf.get(bucket) ?? IGNORED;
            ref = { slot: this.#slots.get(decoded), index };
          }
        } catch (error) {
          this.errors.count++;
          this.errors.report?.(this.config.name, error);
          return;
        }
        this.#cache.set(id, ref);
        entry = { value: ref, seen: scrape };
      }
      const ref = entry.value;
      if (ref === null) return;
      const slot = ref.slot;
      if (slot.scrape !== scrape) {
        slot.scrape = scrape;
        slot.cumulative.fill(0);
        slot.sum = 0;
        touched.push(slot);
      }
      if (ref.index === IGNORED) return;
      const value = cpu < 0 ? values.sum(i) : values.one(i, cpu);
      if (ref.index === SUM) slot.sum += value;
      else slot.cumulative[ref.index] += value;
    });
    if (this.#cache.size > entries.count * 1.25 + 1024) this.#sweep();
    if (badBucket) return undefined;
    const m = this.config.bucketMultiplier;
    for (const slot of touched) {
      let running = 0;
      const c = slot.cumulative;
      for (let b = 0; b < c.length; b++) {
        running += c[b];
        c[b] = running;
      }
      slot.count = running;
      slot.sum *= m;
    }
    const series = this.#order.arrange(touched).map((s) => ({
      labels: s.labels,
      cumulative: s.cumulative.slice(),
      count: s.count,
      sum: s.sum,
    }));
    return {
      name: this.#name,
      help: this.config.help,
      type: "histogram",
      bounds: this.#layout.bounds,
      bucketType: this.config.bucketType,
      series,
      sorted: true,
    };
  }

  #sweep(): void {
    this.#slots.retain(new Set(this.#cache.sweep().map((r) => r.slot)));
  }
}
