/**
 * The exposition-neutral metric model that collectors produce and encoders consume.
 *
 * Label sets are built once per distinct raw map key and reused across scrapes, so encoders may
 * memoise their rendering of a {@link LabelSet} in its `rendered` slot.
 * @module
 */

import type { LabelTable } from "./label_table.ts";

/** Label names and values, sorted by name; immutable once built. */
export class LabelSet {
  /** Encoder-private memo of this set's rendering (e.g. `a="x",b="y"` for the text format). */
  rendered: string | undefined = undefined;
  /** Encoder-private memo of {@link rendered} as UTF-8 bytes. */
  renderedBytes: Uint8Array | undefined = undefined;

  /** Builds a set from parallel arrays already sorted by name. */
  constructor(readonly names: readonly string[], readonly values: readonly string[]) {}

  /** Builds a set from unsorted pairs. */
  static of(pairs: Record<string, string>): LabelSet {
    const names = Object.keys(pairs).sort();
    return new LabelSet(names, names.map((n) => pairs[n]));
  }

  /** The empty label set. */
  static readonly EMPTY: LabelSet = new LabelSet([], []);
}

/** One counter or gauge series. */
export interface ScalarSeries {
  /** Labels of the series. */
  readonly labels: LabelSet;
  /** Current value. */
  readonly value: number;
}

/** One histogram series with classic buckets. */
export interface HistogramSeries {
  /** Labels of the series (without `le`). */
  readonly labels: LabelSet;
  /** Cumulative count per bound of the family's `bounds` (same length). */
  readonly cumulative: Float64Array;
  /** Total count (= the `+Inf` bucket). */
  readonly count: number;
  /** Sum of observed values. */
  readonly sum: number;
}

/** A counter or gauge family. */
export interface ScalarFamily {
  /** Full metric name, e.g. `ebpf_exporter_timer_starts_total`. */
  readonly name: string;
  /** HELP text. */
  readonly help: string;
  /** Prometheus type. */
  readonly type: "counter" | "gauge";
  /** Series in a stable order. */
  readonly series: readonly ScalarSeries[];
  /** The series are already in Go-client order (by label values). */
  readonly sorted?: boolean;
  /** The same series column-wise (collector families; fast encoders read these instead). */
  readonly columns?: ScalarColumns;
}

/** A counter family's series column-wise: ids into a label table, in output order, and values. */
export interface ScalarColumns {
  /** Label sets of the series. */
  readonly table: LabelTable;
  /** Series ids in output order. */
  readonly ids: Int32Array;
  /** Value of each series, parallel to {@link ids}. */
  readonly values: Float64Array;
}

/** A histogram family's series column-wise, parallel to {@link ids}. */
export interface HistogramColumns {
  /** Label sets of the series (without `le`). */
  readonly table: LabelTable;
  /** Series ids in output order. */
  readonly ids: Int32Array;
  /** Cumulative counts, one row of `bounds.length` per series. */
  readonly cumulative: Float64Array;
  /** Total count per series. */
  readonly counts: Float64Array;
  /** Sum per series. */
  readonly sums: Float64Array;
}

/** A histogram family; all series share the bucket bounds. */
export interface HistogramFamily {
  /** Full metric name without `_bucket`/`_sum`/`_count`. */
  readonly name: string;
  /** HELP text. */
  readonly help: string;
  /** Prometheus type. */
  readonly type: "histogram";
  /** Upper bounds of the classic buckets, ascending, without `+Inf`. */
  readonly bounds: readonly number[];
  /** The config's bucket layout, when known (only exp2 and exp2zero get native buckets). */
  readonly bucketType?: "exp2" | "exp2zero" | "linear" | "fixed";
  /** Series in a stable order. */
  readonly series: readonly HistogramSeries[];
  /** The series are already in Go-client order (by label values). */
  readonly sorted?: boolean;
  /** The same series column-wise (collector families; fast encoders read these instead). */
  readonly columns?: HistogramColumns;
}

/** Any metric family. */
export type MetricFamily = ScalarFamily | HistogramFamily;

/** Number of series of a family, without building series objects for a columnar one. */
export function seriesCount(family: MetricFamily): number {
  return family.columns ? family.columns.ids.length : family.series.length;
}

/**
 * A counter family over columns; its `series` objects are built only when something asks for
 * them (the reference encoders, tests), once.
 */
export function columnarScalarFamily(
  name: string,
  help: string,
  type: "counter" | "gauge",
  columns: ScalarColumns,
): ScalarFamily {
  let series: ScalarSeries[] | undefined;
  return {
    name,
    help,
    type,
    sorted: true,
    columns,
    get series(): readonly ScalarSeries[] {
      return series ??= Array.from(columns.ids, (id, k) => ({
        labels: columns.table.labelSet(id),
        value: columns.values[k],
      }));
    },
  };
}

/** A histogram family over columns; `series` objects are built on demand, as above. */
export function columnarHistogramFamily(
  head: Omit<HistogramFamily, "series" | "columns" | "sorted">,
  columns: HistogramColumns,
): HistogramFamily {
  let series: HistogramSeries[] | undefined;
  const width = head.bounds.length;
  return {
    ...head,
    sorted: true,
    columns,
    get series(): readonly HistogramSeries[] {
      return series ??= Array.from(columns.ids, (id, k) => ({
        labels: columns.table.labelSet(id),
        cumulative: columns.cumulative.slice(k * width, (k + 1) * width),
        count: columns.counts[k],
        sum: columns.sums[k],
      }));
    },
  };
}
