/**
 * Orders families and series exactly as the Prometheus Go client does (families by name, series
 * by label values), so the exposition is byte-for-byte comparable with upstream's.
 * @module
 */

import type { LabelSet, MetricFamily } from "./family.ts";

/** Go-client order of two label sets of one family: by label values, in label-name order. */
export function compareLabels(a: LabelSet, b: LabelSet): number {
  const n = Math.min(a.values.length, b.values.length);
  for (let i = 0; i < n; i++) {
    const x = a.values[i];
    const y = b.values[i];
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.values.length - b.values.length;
}

/**
 * Sorts families by name and each family's series by label values (unless the family says its
 * series are already sorted); drops empty families.
 */
export function normalizeFamilies(families: MetricFamily[]): MetricFamily[] {
  const out = families.filter((f) => f.series.length > 0);
  out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const family of out) {
    if (family.sorted) continue;
    (family.series as unknown as { labels: LabelSet }[]).sort((a, b) =>
      compareLabels(a.labels, b.labels)
    );
  }
  return out;
}

/** Orders series by {@link LabelSet.sortKey}, falling back to a label-by-label comparison. */
function bySortKey(a: Orderable, b: Orderable): number {
  const x = a.labels.sortKey;
  const y = b.labels.sortKey;
  if (x === y) return 0;
  if (!a.labels.sortKeyExact || !b.labels.sortKeyExact) return compareLabels(a.labels, b.labels);
  return x < y ? -1 : 1;
}

/** Something that sits in a sorted series list: its labels and whether it is in the last order. */
export interface Orderable {
  /** Labels that decide the order. */
  readonly labels: LabelSet;
  /** Set while the item is part of the current order. */
  ordered: boolean;
}

/**
 * Keeps a collector's series in Go-client order across scrapes, re-sorting only when the set of
 * series changed (a new key or a vanished one), which on a steady map is never.
 */
export class StableOrder<T extends Orderable> {
  #sorted: T[] = [];

  /** `touched`: this scrape's series in any order; returns them sorted. */
  arrange(touched: T[]): readonly T[] {
    if (touched.length === this.#sorted.length && touched.every((s) => s.ordered)) {
      return this.#sorted;
    }
    for (const s of this.#sorted) s.ordered = false;
    touched.sort(bySortKey);
    for (const s of touched) s.ordered = true;
    this.#sorted = touched;
    return touched;
  }
}
