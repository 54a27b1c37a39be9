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
import { columnarScalarFamily, type ScalarFamily } from "./family.ts";
import { type CacheLimits, hashBytes, KeyTable, SKIPPED } from "./key_table.ts";
import { LabelTable } from "./label_table.ts";

/** Counts events of one perf_event_array counter. */
export class PerfEventCounter {
  readonly #name: string;
  readonly #decoder: KeyDecoder;
  readonly #limits: CacheLimits;
  readonly #now: () => number;
  readonly #interval: number;
  /** Raw keys to series ids, since the last flush. */
  #keys: KeyTable;
  /** Label sets by series id, since the last flush: every id has counted at least one event. */
  #labels: LabelTable;
  /** Events per series id since the last flush. */
  #counts = new Float64Array(64);
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
    this.#keys = new KeyTable(this.#decoder.keySize, cacheLimits);
    this.#labels = new LabelTable(this.#decoder.names);
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
    this.#keys = new KeyTable(this.#decoder.keySize, this.#limits);
    this.#labels = new LabelTable(this.#decoder.names);
    this.#counts = new Float64Array(64);
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
    const hash = hashBytes(event, 0, size);
    const e = this.#keys.find(event, 0, hash);
    let id: number;
    if (e >= 0) {
      id = this.#keys.series(e);
    } else {
      try {
        const decoded = this.#decoder.decode(event.subarray(0, size));
        id = decoded === null ? SKIPPED : this.#labels.intern(decoded);
      } catch (error) {
        this.errors.count++;
        this.errors.report?.(this.config.name, error);
        return;
      }
      this.#keys.add(event, 0, hash, id);
    }
    if (id === SKIPPED) return;
    if (id >= this.#counts.length) {
      const counts = new Float64Array(2 * this.#counts.length);
      counts.set(this.#counts);
      this.#counts = counts;
    }
    this.#counts[id]++;
  }

  /** Counts samples the kernel reported lost. */
  lost(count: number): void {
    this.lostTotal += count;
  }

  /** The family (a snapshot), or undefined when no event arrived since the last flush. */
  collect(): ScalarFamily | undefined {
    this.tick();
    const table = this.#labels;
    if (table.count === 0) return undefined;
    const ids = Int32Array.from({ length: table.count }, (_, id) => id);
    table.sortIds(ids);
    const values = Float64Array.from(ids, (id) => this.#counts[id]);
    return columnarScalarFamily(this.#name, this.config.help, "counter", { table, ids, values });
  }
}
