/**
 * Test helper: pseudo-random metric families for checking the byte encoders against their
 * reference encoders (escaping, multi-byte and long label values, integer formatting edges,
 * varint boundaries, classic-only and exp2 histograms, a `+Inf` bound).
 * @module
 */

import { LabelSet, type MetricFamily } from "../metrics/family.ts";

/** Deterministic pseudo-random numbers in [0, 1]. */
export function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
}

/** Float values at formatting edges. */
const VALUES = [
  0,
  -0,
  1,
  9,
  10,
  99,
  100,
  999999,
  1e6,
  1.5,
  0.1,
  0.000128,
  1e-6,
  4.9999999999999996e-05,
  1e-300,
  1e300,
  2 ** 53 + 2,
  -3,
  NaN,
  Infinity,
  -Infinity,
];

/** Counts at varint boundaries and beyond 2^53 (also for tests of their own). */
export const COUNTS = [
  0,
  0.5,
  1,
  127,
  128,
  16383,
  16384,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  2 ** 64,
  1e30,
];

const TEXTS = ["", "a", "é", 'q"uo\\te', "new\nline", "🐝", "unknown:0x1f", "x".repeat(200)];

/** Six families of counters, gauges and histograms drawn from `seed`. */
export function randomFamilies(seed: number): MetricFamily[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const labels = (n: number) => {
    const pairs: Record<string, string> = {};
    for (let i = 0; i < n; i++) pairs[`l${i}`] = pick(TEXTS) + String(Math.floor(r() * 50));
    return LabelSet.of(pairs);
  };
  const out: MetricFamily[] = [];
  for (let f = 0; f < 6; f++) {
    const n = Math.floor(r() * 3);
    if (r() < 0.45) {
      out.push({
        name: `fam_${f}_total`,
        help: pick(TEXTS),
        type: r() < 0.5 ? "counter" : "gauge",
        series: Array.from({ length: Math.floor(r() * 120) }, () => ({
          labels: labels(n),
          value: r() < 0.5 ? pick(VALUES) : Math.floor(r() * 2e6) * (r() < 0.3 ? 0.001 : 1),
        })),
      });
      continue;
    }
    const shape = Math.floor(r() * 5);
    const m = pick([1, 2 ** -10, 1e-6, 0.001, 3]);
    const bounds = shape === 0
      ? [0, 1, 5, 10] // classic only
      : shape === 1
      ? [0, 1e-6, 0.5, 2, 1024, Infinity] // classic, ending at +Inf
      : Array.from(
        { length: 3 + Math.floor(r() * 25) },
        (_, k) => shape === 2 && k === 0 ? 0 : 2 ** k * m,
      );
    out.push({
      name: `hist_${f}_seconds`,
      help: "h",
      type: "histogram",
      bounds,
      series: Array.from({ length: Math.floor(r() * 20) }, () => {
        const cumulative = new Float64Array(bounds.length);
        let c = 0;
        for (let i = 0; i < bounds.length; i++) {
          cumulative[i] = c += r() < 0.4 ? 0 : r() < 0.05 ? pick(COUNTS) : Math.floor(r() * 1000);
        }
        return {
          labels: labels(n),
          cumulative,
          count: c,
          sum: r() < 0.1 ? pick(VALUES) : r() * 1e4,
        };
      }),
    });
  }
  return out;
}
