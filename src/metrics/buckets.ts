/**
 * Histogram bucket layouts (compat.md §5): which kernel bucket keys are exported, their upper
 * bounds, and which key holds the sum.
 * @module
 */

import type { HistogramConfig } from "../config/types.ts";

/** The resolved layout of one histogram. */
export interface BucketLayout {
  /** Kernel bucket keys in export order. */
  readonly keys: readonly number[];
  /** Upper bound per key (same order). */
  readonly bounds: readonly number[];
  /** Key whose value is the raw sum. */
  readonly sumKey: number;
  /** Key -> index into `keys`, for lookups while folding. */
  readonly indexOf: ReadonlyMap<number, number>;
}

/** Computes the layout of a histogram config. */
export function bucketLayout(config: HistogramConfig): BucketLayout {
  const m = config.bucketMultiplier;
  let keys: number[];
  let bound: (k: number) => number;
  let sumKey: number;
  switch (config.bucketType) {
    case "fixed":
      keys = [...config.bucketKeys];
      bound = (k) => k * m;
      sumKey = keys[keys.length - 1] + 1;
      break;
    case "exp2":
      keys = range(config.bucketMin, config.bucketMax);
      bound = (k) => Math.pow(2, k) * m;
      sumKey = config.bucketMax + 1;
      break;
    case "exp2zero":
      keys = range(config.bucketMin, config.bucketMax);
      bound = (k) => k === 0 ? 0 : Math.pow(2, k - 1) * m;
      sumKey = config.bucketMax + 1;
      break;
    case "linear":
      keys = range(config.bucketMin, config.bucketMax);
      bound = (k) => k * m;
      sumKey = config.bucketMax + 1;
      break;
  }
  return {
    keys,
    bounds: keys.map(bound),
    sumKey,
    indexOf: new Map(keys.map((k, i) => [k, i])),
  };
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
