/**
 * Orders families and series exactly as the Prometheus Go client does (families by name, series
 * by label values), so the exposition is byte-for-byte comparable with upstream's.
 * @module
 */

import type { LabelSet, MetricFamily } from "./family.ts";

function compareLabels(a: LabelSet, b: LabelSet): number {
  const n = Math.min(a.values.length, b.values.length);
  for (let i = 0; i < n; i++) {
    const x = a.values[i];
    const y = b.values[i];
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.values.length - b.values.length;
}

/** Sorts families by name and each family's series by label values; drops empty families. */
export function normalizeFamilies(families: MetricFamily[]): MetricFamily[] {
  const out = families.filter((f) => f.series.length > 0);
  out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const family of out) {
    (family.series as unknown as { labels: LabelSet }[]).sort((a, b) =>
      compareLabels(a.labels, b.labels)
    );
  }
  return out;
}
