/**
 * The exposition-neutral metric model that collectors produce and encoders consume.
 *
 * Label sets are built once per distinct raw map key and reused across scrapes, so encoders may
 * memoise their rendering of a {@link LabelSet} in its `rendered` slot.
 * @module
 */

/** Label names and values, sorted by name; immutable once built. */
export class LabelSet {
  /** Encoder-private memo of this set's rendering (e.g. `a="x",b="y"` for the text format). */
  rendered: string | undefined = undefined;
  /** Encoder-private memo of {@link rendered} as UTF-8 bytes. */
  renderedBytes: Uint8Array | undefined = undefined;

  /** Builds a set from parallel arrays already sorted by name. */
  constructor(readonly names: readonly string[], readonly values: readonly string[]) {}

  #sortKey: string | undefined = undefined;

  /**
   * The values joined by U+0000 in label-name order: comparing two sets' keys as strings orders
   * them exactly as comparing their values one label at a time does (the Go client's order),
   * unless a value itself contains U+0000 (see {@link sortKeyExact}).
   */
  get sortKey(): string {
    return this.#sortKey ??= this.values.length === 1 ? this.values[0] : this.values.join("\u0000");
  }

  #sortKeyExact: boolean | undefined = undefined;

  /** Whether {@link sortKey} orders exactly (no value contains U+0000). */
  get sortKeyExact(): boolean {
    return this.#sortKeyExact ??= this.values.length < 2 ||
      !this.values.some((v) => v.includes("\u0000"));
  }

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
}

/** Any metric family. */
export type MetricFamily = ScalarFamily | HistogramFamily;
