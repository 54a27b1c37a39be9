/**
 * Counters: one map read per scrape, decoded labels cached per raw key, duplicate label sets summed,
 * per-CPU values summed or split by a trailing `cpu` label (compat.md §3, §6).
 * @module
 */

import type { CounterConfig } from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { KeyDecoder } from "../decoders/key_decoder.ts";
import type { MapSource } from "../maps/source.ts";
import { type LabelSet, type ScalarFamily, type ScalarSeries } from "./family.ts";
import { type Orderable, StableOrder } from "./gather.ts";
import { ValueReader } from "./map_values.ts";
import { KeyIterator } from "./key_iterator.ts";
import { type CacheLimits, RawKeyCache, SlotInterner } from "./series_cache.ts";

/** Where a config's decode failures are counted (`ebpf_exporter_decoder_errors_total`). */
export interface DecodeErrorCounter {
  /** Failures so far. */
  count: number;
  /** Called with each failure, for logging under --debug. */
  report?(metric: string, error: unknown): void;
}

/** A counter series accumulating over one scrape. */
class CounterSlot implements ScalarSeries, Orderable {
  value = 0;
  scrape = 0;
  ordered = false;
  constructor(readonly labels: LabelSet) {}
}

/** Produces one counter family from its map. */
export class CounterCollector {
  readonly #name: string;
  readonly #iterator: KeyIterator;
  readonly #cache: RawKeyCache<CounterSlot>;
  readonly #slots: SlotInterner<CounterSlot>;
  readonly #order = new StableOrder<CounterSlot>();

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
    this.#cache = new RawKeyCache(cacheLimits);
    this.#slots = new SlotInterner(decoder.names, (labels) => new CounterSlot(labels));
  }

  /**
   * Reads the map and returns the family, series sorted. The family is a snapshot: later scrapes
   * do not change it, so it can be encoded while the next scrape runs.
   */
  collect(): ScalarFamily {
    const scrape = this.#cache.beginScrape();
    const entries = this.source.read();
    const values = new ValueReader(entries, this.source.cpus);
    const touched: CounterSlot[] = [];
    this.#iterator.forEach(entries, (id, index, cpu) => {
      let entry = this.#cache.get(id);
      if (!entry) {
        let slot: CounterSlot | null = null;
        try {
          const decoded = this.#iterator.decoder.decode(this.#iterator.currentKey());
          if (decoded !== null) slot = this.#slots.get(decoded);
        } catch (error) {
          this.errors.count++;
          this.errors.report?.(this.config.name, error);
          return;
        }
        this.#cache.set(id, slot);
        entry = { value: slot, seen: scrape };
      }
      const slot = entry.value;
      if (slot === null) return;
      if (slot.scrape !== scrape) {
        slot.scrape = scrape;
        slot.value = 0;
        touched.push(slot);
      }
      slot.value += cpu < 0 ? values.sum(index) : values.one(index, cpu);
    });
    if (this.#cache.size > touched.length * 1.25 + 1024) this.#sweep();
    const series = this.#order.arrange(touched).map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.#name, help: this.config.help, type: "counter", series, sorted: true };
  }

  #sweep(): void {
    this.#slots.retain(new Set(this.#cache.sweep()));
  }
}
