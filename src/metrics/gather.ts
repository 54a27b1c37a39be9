/**
 * Orders families and series exactly as the Prometheus Go client does (families by name, series
 * by label values), so the exposition is byte-for-byte comparable with upstream's.
 * @module
 */

import { type LabelSet, type MetricFamily, seriesCount } from "./family.ts";
import type { LabelTable } from "./label_table.ts";

/** Go-client order of two label sets of one family: by label values, in label-name order. */
export function compareLabels(a: LabelSet, b: LabelSet): number {
  const n = Math.min(a.values.length, b.values.length);
  for (let i = 0; i < n; i++) {
    const x = a.values[i];
    const y = b.values[i];
    if (x !== y) return compareGoStrings(x, y);
  }
  return a.values.length - b.values.length;
}

/**
 * Go's string order (UTF-8 bytes, i.e. code points) of two JS strings. JS compares UTF-16 code
 * units, which differs only where a surrogate pair (U+10000 and up) meets U+E000..U+FFFF.
 */
export function compareGoStrings(x: string, y: string): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const a = x.charCodeAt(i);
    const b = y.charCodeAt(i);
    if (a !== b) return codePointRank(a) - codePointRank(b);
  }
  return x.length - y.length;
}

/** A UTF-16 code unit moved so that surrogates sort above U+E000..U+FFFF, like code points. */
function codePointRank(c: number): number {
  return c < 0xd800 ? c : c < 0xe000 ? c + 0x2000 : c - 0x800;
}

/**
 * Sorts families by name and each family's series by label values (unless the family says its
 * series are already sorted); drops empty families.
 */
export function normalizeFamilies(families: MetricFamily[]): MetricFamily[] {
  const out = families.filter((f) => seriesCount(f) > 0);
  out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (const family of out) {
    if (family.sorted) continue;
    (family.series as unknown as { labels: LabelSet }[]).sort((a, b) =>
      compareLabels(a.labels, b.labels)
    );
  }
  return out;
}

/**
 * Keeps a collector's series ids in Go-client order across scrapes. On a steady map the last
 * order is reused as is; when series come and go, only the new ones are sorted and merged into
 * the survivors, so churn costs O(new · log new + all), not a full sort.
 */
export class IdOrder {
  #sorted = new Int32Array(0);
  #ordered = new Uint8Array(0); // 1 for ids in #sorted

  /**
   * `touched[0..n)`: the ids with a value this scrape, any order; `current(id)` tells whether an id
   * is among them. Returns them in order; the array is never changed afterwards (snapshots keep it).
   */
  arrange(
    table: LabelTable,
    touched: Int32Array,
    n: number,
    current: (id: number) => boolean,
  ): Int32Array {
    if (this.#ordered.length < table.count) {
      const bigger = new Uint8Array(Math.max(table.count, this.#ordered.length * 2));
      bigger.set(this.#ordered);
      this.#ordered = bigger;
    }
    const ordered = this.#ordered;
    let fresh = 0;
    for (let i = 0; i < n; i++) if (ordered[touched[i]] !== 1) fresh++;
    if (fresh === 0 && n === this.#sorted.length) return this.#sorted;
    const added = new Int32Array(fresh);
    for (let i = 0, k = 0; i < n; i++) if (ordered[touched[i]] !== 1) added[k++] = touched[i];
    table.sortIds(added);
    const old = this.#sorted;
    const out = new Int32Array(n);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.length || j < added.length) {
      if (i < old.length && !current(old[i])) {
        ordered[old[i++]] = 0;
        continue;
      }
      if (j === added.length || (i < old.length && table.compare(old[i], added[j]) <= 0)) {
        out[k++] = old[i++];
      } else {
        ordered[added[j]] = 1;
        out[k++] = added[j++];
      }
    }
    this.#sorted = out;
    return out;
  }

  /** Renumbers ids after the table was compacted (`remap`: old id to new, -1 = dropped). */
  remap(remap: Int32Array, count: number): void {
    const kept = this.#sorted.filter((id) => remap[id] >= 0).map((id) => remap[id]);
    this.#sorted = kept;
    this.#ordered = new Uint8Array(Math.max(count, 64));
    for (const id of kept) this.#ordered[id] = 1;
  }
}
