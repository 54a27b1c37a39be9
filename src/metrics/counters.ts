/**
 * Counters: one map read per scrape, decoded labels cached per raw key, duplicate label sets summed,
 * per-CPU values summed or split by a trailing `cpu` label (compat.md §3, §6).
 * @module
 */

import type { CounterConfig } from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { KeyDecoder } from "../decoders/key_decoder.ts";
import { cpuLabelIndex, type MapSource } from "../maps/source.ts";
import { columnarScalarFamily, type ScalarFamily } from "./family.ts";
import { ValueReader } from "./map_values.ts";
import { KeyIterator } from "./key_iterator.ts";
import { CollectorTables, DECODE_FAILED } from "./collector_tables.ts";
import { type CacheLimits, SKIPPED } from "./key_table.ts";

/** Where a config's decode failures are counted (`ebpf_exporter_decoder_errors_total`). */
export interface DecodeErrorCounter {
  /** Failures so far. */
  count: number;
  /** Called with each failure, for logging under --debug. */
  report?(metric: string, error: unknown): void;
}

/** Produces one counter family from its map. */
export class CounterCollector {
  readonly #name: string;
  readonly #iterator: KeyIterator;
  readonly #tables: CollectorTables;
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
    this.#iterator = new KeyIterator(
      decoder,
      source,
      cpuLabelIndex("counter", decoder.names.length),
    );
    this.#tables = new CollectorTables(this.#iterator.idSize, decoder.names, cacheLimits);
  }

  /** The series id the key being visited decodes to (see {@link CollectorTables.resolve}). */
  readonly #decode = (): number => {
    try {
      const decoded = this.#iterator.decoder.decode(this.#iterator.currentKey());
      return decoded === null ? SKIPPED : this.#tables.labels.intern(decoded);
    } catch (error) {
      this.errors.count++;
      this.errors.report?.(this.config.name, error);
      return DECODE_FAILED;
    }
  };

  /**
   * Reads the map and returns the family, series sorted. The family is a snapshot: later scrapes
   * do not change it, so it can be encoded while the next scrape runs.
   */
  collect(): ScalarFamily {
    const tables = this.#tables;
    const entries = this.source.read();
    const values = new ValueReader(entries, this.source.cpus);
    tables.begin(entries.count);
    this.#iterator.forEach(entries, (buf, at, index, cpu) => {
      const id = tables.resolve(buf, at, this.#decode);
      if (id < 0) return; // dropped, or not decodable
      if (tables.touch(id)) {
        if (this.#sums.length < tables.capacity) this.#growSums(tables.capacity);
        this.#sums[id] = 0;
      }
      this.#sums[id] += cpu < 0 ? values.sum(index) : values.one(index, cpu);
    });
    const table = tables.labels;
    const ids = tables.arrange();
    const sums = this.#sums;
    const out = new Float64Array(ids.length);
    for (let k = 0; k < ids.length; k++) out[k] = sums[ids[k]];
    if (tables.sweep()) this.#sums = new Float64Array(tables.capacity);
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
}
