/**
 * `perf_event_array: true` counters (compat.md §6b): every event read from the map's perf buffers
 * adds 1 to the label set its first Σ(size + padding) bytes decode to. Every `flush_interval`
 * the counts are reset and the family vanishes until new events arrive.
 * @module
 */

import type { CounterConfig } from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { KeyDecoder } from "../decoders/key_decoder.ts";
import type { DecodeErrorCounter } from "./counters.ts";
import { type LabelSet, type ScalarFamily, type ScalarSeries } from "./family.ts";
import { type CacheLimits, RawKeyCache, SlotInterner } from "./series_cache.ts";

/** A label set's count since the last flush. */
class EventSlot {
  value = 0;
  constructor(readonly labels: LabelSet) {}
}

/** Counts events of one perf_event_array counter. */
export class PerfEventCounter {
  readonly #name: string;
  readonly #decoder: KeyDecoder;
  readonly #limits: CacheLimits;
  readonly #now: () => number;
  readonly #interval: number;
  #cache: RawKeyCache<EventSlot>;
  #slots: SlotInterner<EventSlot>;
  /** Slots created since the last flush, in arrival order. */
  #live: EventSlot[] = [];
  #periodStart: number;
  /** Samples the kernel dropped because a perf buffer was full (never reset). */
  lostTotal = 0;

  /**
   * Compiles the decoders; throws on a bad decoder config. `now` is a millisecond clock (default
   * `performance.now`), whose reading at construction starts the first flush period.
   */
  constructor(
    readonly config: CounterConfig,
    env: DecoderEnv,
    readonly errors: DecodeErrorCounter,
    cacheLimits: CacheLimits,
    now: () => number = () => performance.now(),
  ) {
    this.#name = `ebpf_exporter_${config.name}`;
    this.#decoder = new KeyDecoder(config.labels, env);
    this.#limits = cacheLimits;
    this.#cache = new RawKeyCache(cacheLimits);
    this.#slots = this.#newSlots();
    this.#now = now;
    this.#interval = config.flushIntervalMs > 0 ? config.flushIntervalMs : 3_600_000;
    this.#periodStart = now();
  }

  /** Bytes of each event that form the key. */
  get keySize(): number {
    return this.#decoder.keySize;
  }

  /** Resets the counts when a flush interval ended since the last call. */
  tick(): void {
    const now = this.#now();
    const elapsed = now - this.#periodStart;
    if (elapsed < this.#interval) return;
    this.#periodStart += Math.floor(elapsed / this.#interval) * this.#interval;
    this.#cache = new RawKeyCache(this.#limits);
    this.#live = [];
    this.#slots = this.#newSlots();
  }

  #newSlots(): SlotInterner<EventSlot> {
    return new SlotInterner(this.#decoder.names, (labels) => {
      const slot = new EventSlot(labels);
      this.#live.push(slot);
      return slot;
    });
  }

  /** Counts one event (its trailing bytes past the key are ignored). */
  record(event: Uint8Array): void {
    const size = this.#decoder.keySize;
    if (event.length < size) {
      this.errors.count++;
      this.errors.report?.(
        this.config.name,
        new Error(`event has ${event.length} bytes, labels need ${size}`),
      );
      return;
    }
    const key = event.length === size ? event : event.subarray(0, size);
    const id = RawKeyCache.keyOf(key);
    const cached = this.#cache.get(id);
    if (cached) {
      if (cached.value) cached.value.value++;
      return;
    }
    let slot: EventSlot | null = null;
    try {
      const decoded = this.#decoder.decode(key);
      if (decoded !== null) slot = this.#slots.get(decoded);
    } catch (error) {
      this.errors.count++;
      this.errors.report?.(this.config.name, error);
      return;
    }
    this.#cache.set(id, slot);
    if (slot) slot.value++;
  }

  /** Counts samples the kernel reported lost. */
  lost(count: number): void {
    this.lostTotal += count;
  }

  /** The family (a snapshot), or undefined when no event arrived since the last flush. */
  collect(): ScalarFamily | undefined {
    this.tick();
    if (this.#live.length === 0) return undefined;
    const series: ScalarSeries[] = this.#live.map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.#name, help: this.config.help, type: "counter", series };
  }
}
