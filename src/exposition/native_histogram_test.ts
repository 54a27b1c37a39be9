import { deepEqual, equal } from "#assert";
import { parseConfig } from "../config/parse.ts";
import type { HistogramConfig } from "../config/types.ts";
import { bucketLayout } from "../metrics/buckets.ts";
import type { HistogramFamily } from "../metrics/family.ts";
import {
  NATIVE_ZERO_THRESHOLD,
  nativeBuckets,
  type NativeHistogramHint,
  nativeLayout,
} from "./native_histogram.ts";

/** The histogram config of a YAML `histograms:` entry with the given bucket settings. */
function histogramConfig(settings: string): HistogramConfig {
  const yaml = `metrics:
  histograms:
    - name: lat_seconds
      help: h
${settings.trim().split("\n").map((l) => "      " + l.trim()).join("\n")}
      labels:
        - name: bucket
          size: 4
          decoders:
            - name: uint
`;
  return parseConfig("t", "t.yaml", "t.bpf.o", yaml).config.histograms[0];
}

/** A family with the bounds the collector would export for `settings`. */
function family(settings: string): HistogramFamily & NativeHistogramHint {
  return {
    name: "lat_seconds",
    help: "h",
    type: "histogram",
    bounds: bucketLayout(histogramConfig(settings)).bounds,
    series: [],
  };
}

/** Cumulative counts from per-bucket counts. */
function cumulative(counts: number[]): Float64Array {
  let c = 0;
  return Float64Array.from(counts, (n) => c += n);
}

/** Native buckets of per-kernel-bucket counts in a family. */
function native(f: HistogramFamily, counts: number[]) {
  const layout = nativeLayout(f);
  if (!layout) throw new Error("no native layout");
  return { layout, ...nativeBuckets(layout, cumulative(counts)) };
}

Deno.test("exp2, multiplier 1: kernel bucket k is native bucket k, exactly", () => {
  const f = family("bucket_type: exp2\nbucket_min: 0\nbucket_max: 9\nbucket_multiplier: 1");
  deepEqual(f.bounds, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
  //               k:  0  1  2  3  4  5  6  7  8  9
  const n = native(f, [3, 0, 5, 7, 0, 0, 0, 2, 0, 1]);
  deepEqual(n.layout, { zeroBucket: false, first: 0, offset: 0, exact: true, scale: 1 });
  equal(n.zeroCount, 0);
  // 0..3 one span (the empty bucket 1 inside it), then a gap of 3 (4, 5, 6): a new span at 7,
  // whose next gap of one (8) stays inside.
  deepEqual(n.spans, [[0, 4], [3, 3]]);
  deepEqual(n.deltas, [3, -3, 5, 2, -5, -2, 1]);
});

Deno.test("exp2, multiplier 2^-10: kernel bucket k is native bucket k - 10, exactly", () => {
  const f = family(
    "bucket_type: exp2\nbucket_min: 0\nbucket_max: 5\nbucket_multiplier: 0.0009765625",
  );
  deepEqual(f.bounds, [2 ** -10, 2 ** -9, 2 ** -8, 2 ** -7, 2 ** -6, 2 ** -5]);
  const n = native(f, [0, 4, 4, 0, 0, 9]);
  deepEqual(n.layout, { zeroBucket: false, first: 0, offset: -10, exact: true, scale: 1 });
  // Native bucket i has upper bound 2^i: the first populated one, kernel bucket 1 (bound 2^-9),
  // is native -9; the gap of two (-7, -6) stays in the span.
  deepEqual(n.spans, [[-9, 5]]);
  deepEqual(n.deltas, [4, 0, -4, 0, 9]);
});

Deno.test("exp2, multiplier 1e-6: nearest native bucket, every bound scaled by 2^-20 / 1e-6", () => {
  const f = family("bucket_type: exp2\nbucket_min: 0\nbucket_max: 26\nbucket_multiplier: 0.000001");
  const counts = new Array(27).fill(0);
  counts[0] = 2; // <= 1 µs
  counts[10] = 6; // (512 µs, 1.024 ms]
  counts[11] = 1;
  counts[26] = 1; // the clamped top bucket
  const n = native(f, counts);
  // log2(1e-6) = -19.93: rounded to -20, so kernel bucket k is native bucket k - 20.
  equal(n.layout.offset, -20);
  equal(n.layout.exact, false);
  equal(n.layout.scale, 0.95367431640625);
  equal(n.layout.scale, 2 ** -20 / 1e-6);
  deepEqual(n.spans, [[-20, 1], [9, 2], [14, 1]]);
  // Deltas run across spans: 2, then 6 - 2, 1 - 6, 1 - 1.
  deepEqual(n.deltas, [2, 4, -5, 0]);
  // Each native bound is the classic bound times the scale: 4.63 % low.
  for (let k = 0; k < f.bounds.length; k++) {
    const nativeBound = 2 ** (n.layout.offset + k);
    equal(Math.abs(nativeBound / f.bounds[k] - n.layout.scale) < 1e-12, true, `k=${k}`);
  }
});

Deno.test("the nearest-bucket error never exceeds a factor of sqrt(2)", () => {
  for (const m of [1e-9, 1e-6, 1e-3, 0.3, 0.7, 3, 5, 1000, 1e6, 1.4142, 1.4143]) {
    const f = family(`bucket_type: exp2\nbucket_min: 0\nbucket_max: 3\nbucket_multiplier: ${m}`);
    const layout = nativeLayout(f)!;
    equal(layout.scale, 2 ** layout.offset / m, `m=${m}`);
    equal(layout.scale >= Math.SQRT1_2 && layout.scale <= Math.SQRT2, true, `m=${m}`);
  }
  equal(
    nativeLayout(
      family("bucket_type: exp2\nbucket_min: 0\nbucket_max: 3\nbucket_multiplier: 0.001"),
    )!.offset,
    -10,
  );
  equal(
    nativeLayout(
      family("bucket_type: exp2\nbucket_min: 0\nbucket_max: 3\nbucket_multiplier: 0.000000001"),
    )!.offset,
    -30,
  );
});

Deno.test("exp2 with bucket_min > 0 starts at its first bound", () => {
  const f = family("bucket_type: exp2\nbucket_min: 3\nbucket_max: 6\nbucket_multiplier: 1");
  const n = native(f, [1, 1, 1, 1]);
  deepEqual(n.spans, [[3, 4]]);
  deepEqual(n.deltas, [1, 0, 0, 0]);
});

Deno.test("exp2zero: bucket 0 (bound 0) is the zero bucket, bucket k is native k - 1", () => {
  const f = family("bucket_type: exp2zero\nbucket_min: 0\nbucket_max: 5\nbucket_multiplier: 1");
  deepEqual(f.bounds, [0, 1, 2, 4, 8, 16]);
  const n = native(f, [7, 2, 0, 0, 0, 3]);
  deepEqual(n.layout, { zeroBucket: true, first: 1, offset: 0, exact: true, scale: 1 });
  equal(n.zeroCount, 7);
  deepEqual(n.spans, [[0, 1], [3, 1]]);
  deepEqual(n.deltas, [2, 1]);
});

Deno.test("exp2zero, multiplier 2^-10", () => {
  const f = family(
    "bucket_type: exp2zero\nbucket_min: 0\nbucket_max: 3\nbucket_multiplier: 0.0009765625",
  );
  const n = native(f, [1, 0, 2, 2]);
  equal(n.layout.offset, -10);
  equal(n.zeroCount, 1);
  deepEqual(n.spans, [[-9, 2]]);
  deepEqual(n.deltas, [2, 0]);
});

Deno.test("an empty series has no spans, only the (non-zero) zero threshold", () => {
  const f = family("bucket_type: exp2\nbucket_min: 0\nbucket_max: 3\nbucket_multiplier: 1");
  const n = native(f, [0, 0, 0, 0]);
  deepEqual(n.spans, []);
  deepEqual(n.deltas, []);
  equal(NATIVE_ZERO_THRESHOLD, 2.938735877055719e-39);
});

Deno.test("linear and fixed histograms get classic buckets only", () => {
  equal(
    nativeLayout(
      family("bucket_type: linear\nbucket_min: 0\nbucket_max: 10\nbucket_multiplier: 1"),
    ),
    undefined,
  );
  equal(
    nativeLayout(
      family("bucket_type: fixed\nbucket_keys: [1, 5, 10, 50]\nbucket_multiplier: 0.001"),
    ),
    undefined,
  );
});

Deno.test("the family's bucket_type, when given, decides over the bounds", () => {
  // Linear 1..2 has doubling bounds [1, 2]; told it is linear, it stays classic.
  const linear = family("bucket_type: linear\nbucket_min: 1\nbucket_max: 2\nbucket_multiplier: 1");
  deepEqual(linear.bounds, [1, 2]);
  equal(nativeLayout({ ...linear, bucketType: "linear" }), undefined);
  const exp2 = family("bucket_type: exp2\nbucket_min: 0\nbucket_max: 2\nbucket_multiplier: 1");
  equal(nativeLayout({ ...exp2, bucketType: "exp2" })?.offset, 0);
});

Deno.test("bounds that do not double, or are not finite, get no native buckets", () => {
  const of = (bounds: number[]) =>
    nativeLayout({ name: "x", help: "", type: "histogram", bounds, series: [] });
  equal(of([1, 2, 4, 9]), undefined);
  equal(of([1]), undefined);
  equal(of([0, 1]), undefined);
  equal(of([]), undefined);
  equal(of([-1, -2]), undefined);
  equal(of([1, 2, 4, Infinity]), undefined);
  equal(of([2 ** 1023, Infinity]), undefined);
  deepEqual(of([0, 1, 2]), { zeroBucket: true, first: 1, offset: 0, exact: true, scale: 1 });
});

Deno.test("a linear histogram whose bounds happen to double gets no native buckets", () => {
  const family = {
    name: "h",
    help: "",
    type: "histogram" as const,
    bounds: [1, 2],
    series: [],
    bucketType: "linear" as const,
  };
  equal(nativeLayout(family), undefined);
  equal(nativeLayout({ ...family, bucketType: "exp2" as const }) !== undefined, true);
});
