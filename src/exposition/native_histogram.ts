/**
 * Native (exponential) histogram buckets derived from the classic buckets of exp2 and exp2zero
 * histograms, for the protobuf exposition.
 *
 * A native histogram of schema 0 has buckets whose upper bounds are the powers of two: bucket `i`
 * holds the observations in `(2^(i-1), 2^i]`, plus a zero bucket for `[-t, t]`. An exp2 kernel
 * histogram has the same shape: kernel bucket `k` holds raw values in `(2^(k-1), 2^k]` and is
 * exported with upper bound `2^k * m` (m = `bucket_multiplier`). So:
 *
 * - **m a power of two** (1, 2^-10, ...): bound `2^k * m` is exactly native bound `2^(k + log2 m)`;
 *   kernel bucket k is native bucket `k + log2 m`, exactly.
 * - **any other m** (1e-6, 1e-3, 1e-9 ...): no schema has a boundary at `m`, so every kernel bucket
 *   goes to the native bucket whose bound is nearest in log scale: index `k + round(log2 m)`. That
 *   rescales every bucket boundary by the one factor `c = 2^round(log2 m) / m`, with
 *   `2^-1/2 <= c <= 2^1/2`: a native bucket bound is at most 41.4 % above or 29.3 % below the
 *   classic one (m = 1e-6: c = 0.95367431640625, every native bound 4.63 % low; 1e-3: 2.34 % low;
 *   1e-9: 6.87 % low). Rounding to nearest halves the worst case of taking the native bucket that
 *   contains the classic bound (index `k + ceil(log2 m)`, c in [1, 2): +90.7 % for 1e-6). A higher
 *   schema cannot do better: its buckets are narrower than a kernel bucket, so putting a kernel
 *   bucket's count into one of them would misstate where inside the factor-2 range the
 *   observations lie. `sample_sum` and `sample_count` stay exact.
 * - **exp2zero**: its first bucket (bound 0, the raw value 0) is the zero bucket; the others
 *   (bound `2^(k-1) * m`) map as above.
 *
 * The zero threshold is always 2^-128 (the Go client's default, `DefNativeHistogramZeroThreshold`):
 * it separates 0 from every positive bound, and its being non-zero is what marks the histogram as
 * native to Prometheus 2.42 even before it has observations. Buckets are encoded exactly as the Go
 * client's `makeBuckets` does: only populated buckets, a gap of one or two empty buckets filled
 * with zero deltas, a larger gap starting a new span.
 *
 * Whether a family is exp2-shaped is read from its bounds: native buckets are added when, after an
 * optional leading 0, there are at least two bounds and each is exactly twice the one before
 * (which is what exp2 and exp2zero produce; multiplying by a power of two is exact in floating
 * point). A family may also say what it is through {@link NativeHistogramHint.bucketType}; then
 * only `exp2` and `exp2zero` get native buckets.
 * @module
 */

import type { HistogramFamily } from "../metrics/family.ts";

/** Schema of every native histogram the exporter writes. */
export const NATIVE_SCHEMA = 0;

/** Zero threshold of every native histogram the exporter writes (2^-128, the Go client's default). */
export const NATIVE_ZERO_THRESHOLD = 2 ** -128;

/** What a histogram family may say about its kernel layout (optional; bounds are read otherwise). */
export interface NativeHistogramHint {
  /** The config's `bucket_type`: only `exp2` and `exp2zero` get native buckets. */
  readonly bucketType?: "exp2" | "exp2zero" | "linear" | "fixed";
}

/** How a family's classic buckets map onto schema-0 native buckets. */
export interface NativeLayout {
  /** Whether classic bucket 0 (bound 0) is the zero bucket. */
  readonly zeroBucket: boolean;
  /** Index of the first classic bucket that maps to a native bucket (1 with a zero bucket, else 0). */
  readonly first: number;
  /** Native bucket index of classic bucket `first`; the following ones are consecutive. */
  readonly offset: number;
  /** Whether the mapping is exact (the first non-zero bound is a power of two). */
  readonly exact: boolean;
  /** Factor by which every native bound differs from its classic bound (1 when exact). */
  readonly scale: number;
}

/** The native buckets of one series. */
export interface NativeBuckets {
  /** Count in the zero bucket. */
  readonly zeroCount: number;
  /** Spans of populated buckets: [offset, length] pairs (offset of the first is its index). */
  readonly spans: readonly (readonly [number, number])[];
  /** Count of each bucket covered by the spans, as the difference to the previous one. */
  readonly deltas: readonly number[];
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * A bucket delta as the int64 the wire carries: saturated at the int64 range (deltas that large
 * need counts beyond 2^63, which no kernel map holds; this only pins down the impossible case).
 */
export function deltaInt64(d: number): bigint {
  if (d >= 2 ** 63) return INT64_MAX;
  if (d <= -(2 ** 63)) return INT64_MIN;
  return BigInt(d);
}

const f64 = new Float64Array(1);
const bits = new BigUint64Array(f64.buffer);
const MANTISSA_MASK = (1n << 52n) - 1n;

/** `[e, f]` with `v = f * 2^e` and 1 <= f < 2, for a positive normal double. */
function frexp(v: number): [number, number] {
  f64[0] = v;
  const b = bits[0];
  const e = Number((b >> 52n) & 0x7ffn) - 1023;
  bits[0] = (b & MANTISSA_MASK) | (1023n << 52n);
  return [e, f64[0]];
}

const layouts = new WeakMap<readonly number[], NativeLayout | null>();

/**
 * The native layout of a histogram family, or undefined when it gets classic buckets only.
 * Memoised per bounds array (collectors reuse theirs across scrapes).
 *
 * @example
 * ```ts
 * import { nativeLayout } from "./native_histogram.ts";
 * const fam = { name: "h", help: "", type: "histogram" as const, bounds: [0.25, 0.5, 1], series: [] };
 * nativeLayout(fam); // { zeroBucket: false, first: 0, offset: -2, exact: true, scale: 1 }
 * ```
 */
export function nativeLayout(
  family: HistogramFamily & NativeHistogramHint,
): NativeLayout | undefined {
  const type = family.bucketType;
  if (type !== undefined && type !== "exp2" && type !== "exp2zero") return undefined;
  const bounds = family.bounds;
  let layout = layouts.get(bounds);
  if (layout === undefined) {
    layout = computeLayout(bounds);
    layouts.set(bounds, layout);
  }
  return layout ?? undefined;
}

function computeLayout(bounds: readonly number[]): NativeLayout | null {
  const zeroBucket = bounds.length > 0 && bounds[0] === 0;
  const first = zeroBucket ? 1 : 0;
  if (bounds.length - first < 2) return null;
  const b0 = bounds[first];
  // Positive, normal (frexp needs it) and finite, with room below for the zero threshold.
  if (!(b0 >= 2 ** -1000) || !Number.isFinite(b0)) return null;
  for (let j = first + 1; j < bounds.length; j++) {
    if (bounds[j] !== bounds[j - 1] * 2 || !Number.isFinite(bounds[j])) return null;
  }
  const [e, f] = frexp(b0);
  const exact = f === 1;
  // Nearest in log scale: log2(b0) = e + log2(f), rounded up when f >= sqrt(2).
  const offset = exact ? e : f < Math.SQRT2 ? e : e + 1;
  return { zeroBucket, first, offset, exact, scale: exact ? 1 : 2 ** offset / b0 };
}

/** A cumulative count as the classic buckets carry it: integral, 0 for negative or NaN. */
function whole(v: number): number {
  return v > 0 ? Math.floor(v) : 0;
}

/**
 * The native buckets of one series from its cumulative classic counts, in the Go client's
 * encoding (populated buckets only; gaps of up to two empty buckets inside a span).
 *
 * @example
 * ```ts
 * import { nativeBuckets } from "./native_histogram.ts";
 * const layout = { zeroBucket: false, first: 0, offset: 0, exact: true, scale: 1 };
 * // per-bucket counts 3, 0, 1, 9: the one empty bucket stays inside the span
 * nativeBuckets(layout, Float64Array.of(3, 3, 4, 13));
 * // { zeroCount: 0, spans: [[0, 4]], deltas: [3, -3, 1, 8] }
 * ```
 */
export function nativeBuckets(layout: NativeLayout, cumulative: ArrayLike<number>): NativeBuckets {
  const zeroCount = layout.zeroBucket ? whole(cumulative[0]) : 0;
  const spans: [number, number][] = [];
  const deltas: number[] = [];
  let previousCumulative = zeroCount;
  let previousCount = 0;
  let nextIndex = 0;
  for (let j = layout.first; j < cumulative.length; j++) {
    const c = whole(cumulative[j]);
    const count = c - previousCumulative;
    previousCumulative = c;
    if (!(count > 0)) continue;
    const index = layout.offset + (j - layout.first);
    const gap = index - nextIndex;
    if (spans.length === 0 || gap > 2) {
      spans.push([gap, 0]);
    } else {
      for (let g = 0; g < gap; g++) {
        spans[spans.length - 1][1]++;
        deltas.push(-previousCount);
        previousCount = 0;
      }
    }
    spans[spans.length - 1][1]++;
    deltas.push(count - previousCount);
    previousCount = count;
    nextIndex = index + 1;
  }
  return { zeroCount, spans, deltas };
}
