/**
 * Ring buffer records -> spans (compat.md §6b `tracing.spans`).
 *
 * A record's bytes are decoded with the span's labels like a map key. Reserved label names fill
 * the span: `trace_id` (32 lowercase hex digits, not all zero), `parent_span_id` and `span_id`
 * (16 hex digits; all zero = root span / a random id), `span_monotonic_timestamp_ns` (start, on
 * CLOCK_MONOTONIC, as `bpf_ktime_get_ns()` returns it), `span_duration_ns` and `span_name`. Every
 * other label becomes a string attribute, plus `ebpf_exporter.config`.
 *
 * This module has no OpenTelemetry dependency: it hands plain {@link SpanData} to a
 * {@link SpanTarget} (see `otlp.ts`).
 * @module
 */

import type { SpanConfig } from "../config/types.ts";
import { DecodeError, type DecoderEnv } from "../decoders/decoder.ts";
import { bytesToHex } from "../decoders/hex.ts";
import { KeyDecoder } from "../decoders/key_decoder.ts";
import type { DecodeErrorCounter } from "../metrics/counters.ts";

/** A finished span, ready for an exporter. */
export interface SpanData {
  /** Span name. */
  readonly name: string;
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  /** 16 lowercase hex digits, or undefined for a root span. */
  readonly parentSpanId?: string;
  /** Start as Unix time in nanoseconds. */
  readonly startUnixNs: bigint;
  /** Duration in nanoseconds. */
  readonly durationNs: bigint;
  /** String attributes, `ebpf_exporter.config` included. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** Where finished spans go. */
export interface SpanTarget {
  /** Takes one span of `service` (the span config's `service`, possibly empty). */
  export(span: SpanData, service: string): void;
}

/** Clocks of a span decoder. */
export interface SpanClock {
  /** Wall time now, Unix nanoseconds. */
  nowUnixNs(): bigint;
  /** Wall time minus CLOCK_MONOTONIC, nanoseconds (the current offset). */
  monotonicOffsetNs(): bigint;
}

/** The attribute naming the config a span came from. */
export const CONFIG_ATTRIBUTE = "ebpf_exporter.config";

const ZERO_SPAN_ID = "0000000000000000";
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const UNSIGNED = /^[0-9]+$/;
const MAX_U64 = (1n << 64n) - 1n;

/** A random non-zero span id (16 lowercase hex digits). */
export function randomSpanId(): string {
  const bytes = new Uint8Array(8);
  let id = ZERO_SPAN_ID;
  while (id === ZERO_SPAN_ID) {
    crypto.getRandomValues(bytes);
    id = bytesToHex(bytes);
  }
  return id;
}

function parseU64(label: string, value: string): bigint {
  if (!UNSIGNED.test(value)) {
    throw new DecodeError(`${label}: expected a decimal integer, got ${JSON.stringify(value)}`);
  }
  const n = BigInt(value);
  if (n > MAX_U64) throw new DecodeError(`${label}: ${value} does not fit in 64 bits`);
  return n;
}

/** Turns the records of one span config into {@link SpanData}. */
export class SpanDecoder {
  readonly #decoder: KeyDecoder;
  readonly #names: readonly string[];
  readonly #defaultName: string;
  readonly #configName: string;
  readonly #randomId: () => string;

  /** Compiles the labels' decoders; throws on a bad decoder config. */
  constructor(
    readonly config: SpanConfig,
    configName: string,
    env: DecoderEnv,
    randomId: () => string = randomSpanId,
  ) {
    this.#decoder = new KeyDecoder(config.labels, env);
    this.#names = this.#decoder.names;
    this.#defaultName = config.name || config.ringbuf;
    this.#configName = configName;
    this.#randomId = randomId;
  }

  /**
   * The span of one record, or `null` when a decoder (regexp) drops it. Throws
   * {@link DecodeError} for a record shorter than the labels, an all-zero or malformed trace id,
   * or a malformed span id, timestamp or duration.
   */
  decode(record: Uint8Array, clock: SpanClock): SpanData | null {
    if (record.length < this.#decoder.keySize) {
      throw new DecodeError(
        `record has ${record.length} bytes, labels need ${this.#decoder.keySize}`,
      );
    }
    const values = this.#decoder.decode(record);
    if (values === null) return null;
    let name = this.#defaultName;
    let traceId = "";
    let spanId = ZERO_SPAN_ID;
    let parentSpanId = ZERO_SPAN_ID;
    let start: bigint | undefined;
    let duration = 0n;
    const attributes: Record<string, string> = {};
    for (let i = 0; i < values.length; i++) {
      const label = this.#names[i];
      const value = values[i];
      switch (label) {
        case "trace_id":
          if (!TRACE_ID.test(value)) {
            throw new DecodeError(`trace_id: expected 32 hex digits, got ${JSON.stringify(value)}`);
          }
          traceId = value;
          break;
        case "span_id":
        case "parent_span_id":
          if (!SPAN_ID.test(value)) {
            throw new DecodeError(`${label}: expected 16 hex digits, got ${JSON.stringify(value)}`);
          }
          if (label === "span_id") spanId = value;
          else parentSpanId = value;
          break;
        case "span_monotonic_timestamp_ns":
          start = parseU64(label, value);
          break;
        case "span_duration_ns":
          duration = parseU64(label, value);
          break;
        case "span_name":
          name = value;
          break;
        default:
          attributes[label] = value;
      }
    }
    if (traceId === "" || /^0+$/.test(traceId)) {
      throw new DecodeError("trace_id: all zero (or missing)");
    }
    attributes[CONFIG_ATTRIBUTE] = this.#configName;
    return {
      name,
      traceId,
      spanId: spanId === ZERO_SPAN_ID ? this.#randomId() : spanId,
      parentSpanId: parentSpanId === ZERO_SPAN_ID ? undefined : parentSpanId,
      startUnixNs: start === undefined ? clock.nowUnixNs() : start + clock.monotonicOffsetNs(),
      durationNs: duration,
      attributes,
    };
  }
}

/** Decodes records of one span config and hands the spans to a target. */
export class SpanSink {
  readonly #decoder: SpanDecoder;
  readonly #clock: SpanClock;
  readonly #frozen: SpanClock;
  #offset = 0n;

  /** `target` undefined (`OTEL_TRACES_EXPORTER=none`): records are decoded and dropped. */
  constructor(
    readonly config: SpanConfig,
    readonly configName: string,
    env: DecoderEnv,
    readonly errors: DecodeErrorCounter,
    readonly target: SpanTarget | undefined,
    clock: SpanClock,
  ) {
    this.#decoder = new SpanDecoder(config, configName, env);
    this.#clock = clock;
    // Within one batch the monotonic offset is read once.
    this.#frozen = {
      nowUnixNs: () => clock.nowUnixNs(),
      monotonicOffsetNs: () => this.#offset,
    };
  }

  /** Reads the clock offset once before a batch of records. */
  begin(): void {
    this.#offset = this.#clock.monotonicOffsetNs();
  }

  /** Decodes one record into a span; failures are counted as decode errors. */
  record(record: Uint8Array): void {
    let span: SpanData | null;
    try {
      span = this.#decoder.decode(record, this.#frozen);
    } catch (error) {
      this.errors.count++;
      this.errors.report?.(`tracing.spans ${this.config.ringbuf}`, error);
      return;
    }
    if (span) this.target?.export(span, this.config.service);
  }
}
