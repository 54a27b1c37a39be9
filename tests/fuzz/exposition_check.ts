/**
 * A strict reader of the text exposition format 0.0.4 for the fuzz tests: every line must be
 * `# HELP`, `# TYPE` or a sample with properly escaped label values, the bytes valid UTF-8, and the
 * families well formed (HELP and TYPE once, before their samples; no series twice; histogram
 * buckets ascending and cumulative, ending in `+Inf` = `_count`).
 * @module
 */

/** One sample line, label values unescaped. */
export interface Sample {
  /** Sample name (for histograms with `_bucket`, `_sum` or `_count`). */
  readonly name: string;
  /** Label pairs in written order. */
  readonly labels: readonly (readonly [string, string])[];
  /** The value as written. */
  readonly value: string;
}

/** One family: its HELP, TYPE and samples. */
export interface Family {
  /** HELP text, unescaped. */
  readonly help: string;
  /** TYPE. */
  readonly type: string;
  /** Samples in written order. */
  readonly samples: Sample[];
}

const METRIC_NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL_NAME = "[a-zA-Z_][a-zA-Z0-9_]*";
const LABEL_VALUE = '(?:[^"\\\\\\n]|\\\\[\\\\"n])*';
const VALUE = "(?:[-+]?(?:[0-9]+(?:\\.[0-9]+)?(?:e[-+][0-9]+)?)|[-+]Inf|NaN)";
const HELP_LINE = new RegExp(`^# HELP (${METRIC_NAME}) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${METRIC_NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(
  `^(${METRIC_NAME})(?:\\{((?:${LABEL_NAME}="${LABEL_VALUE}")(?:,${LABEL_NAME}="${LABEL_VALUE}")*)?\\})? (${VALUE})$`,
);
const LABEL_PAIR = new RegExp(`(${LABEL_NAME})="(${LABEL_VALUE})"`, "g");

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function unescape(text: string): string {
  return text.replace(/\\([\\"n])/g, (_, c: string) => c === "n" ? "\n" : c);
}

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

/**
 * Parses and checks `bytes`; throws an Error naming the offending line on any violation and
 * returns the families by name.
 */
export function checkExposition(bytes: Uint8Array): Map<string, Family> {
  const text = strictUtf8.decode(bytes); // throws on invalid UTF-8
  const families = new Map<string, Family>();
  if (text === "") return families;
  if (!text.endsWith("\n")) throw new Error("exposition does not end with a newline");
  const lines = text.slice(0, -1).split("\n");
  let current: { name: string; help?: string; type?: string; family?: Family } | undefined;
  const seenSeries = new Set<string>();
  const fail = (i: number, why: string): never => {
    const line = lines[i];
    const shown = line.length > 200 ? `${line.slice(0, 200)}...` : line;
    throw new Error(`exposition line ${i + 1}: ${why}: ${JSON.stringify(shown)}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const help = HELP_LINE.exec(line);
    if (help) {
      if (families.has(help[1]) || current?.name === help[1]) fail(i, "family written twice");
      current = { name: help[1], help: unescape(help[2]) };
      continue;
    }
    const type = TYPE_LINE.exec(line);
    if (type) {
      if (current === undefined || current.name !== type[1] || current.help === undefined) {
        fail(i, "TYPE without its HELP just before");
      }
      if (current!.type !== undefined) fail(i, "TYPE twice");
      current!.type = type[2];
      current!.family = { help: current!.help!, type: type[2], samples: [] };
      families.set(type[1], current!.family);
      continue;
    }
    const sample = SAMPLE_LINE.exec(line);
    if (!sample) fail(i, "neither HELP, TYPE nor a well-formed sample");
    if (current?.family === undefined) fail(i, "sample before HELP and TYPE");
    const family = current!.family!;
    const name = sample![1];
    const base = current!.name;
    const allowed = family.type === "histogram"
      ? [`${base}_bucket`, `${base}_sum`, `${base}_count`]
      : family.type === "summary"
      ? [base, `${base}_sum`, `${base}_count`]
      : [base];
    if (!allowed.includes(name)) fail(i, `sample does not belong to family ${base}`);
    const labels: [string, string][] = [];
    for (const m of (sample![2] ?? "").matchAll(LABEL_PAIR)) labels.push([m[1], unescape(m[2])]);
    const names = labels.map(([n]) => n);
    if (new Set(names).size !== names.length) fail(i, "a label name twice");
    const id = `${name}\u0000${JSON.stringify(labels)}`;
    if (seenSeries.has(id)) fail(i, "series written twice");
    seenSeries.add(id);
    family.samples.push({ name, labels, value: sample![3] });
  }
  for (const [name, family] of families) {
    if (family.samples.length === 0) throw new Error(`family ${name} has no samples`);
    if (family.type === "histogram") checkHistogram(name, family);
  }
  return families;
}

/** Groups a histogram's samples by their labels (without `le`) and checks each group. */
function checkHistogram(name: string, family: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of family.samples) {
    const le = s.labels.find(([n]) => n === "le");
    const rest = JSON.stringify(s.labels.filter(([n]) => n !== "le"));
    let group = groups.get(rest);
    if (group === undefined) groups.set(rest, group = { buckets: [] });
    const value = parseValue(s.value);
    if (s.name.endsWith("_bucket")) {
      if (le === undefined) throw new Error(`${name}: bucket without le ${rest}`);
      if (s.labels[s.labels.length - 1][0] !== "le") {
        throw new Error(`${name}: le is not the last label ${rest}`);
      }
      group.buckets.push([parseValue(le[1]), value]);
    } else if (s.name.endsWith("_sum")) group.sum = value;
    else group.count = value;
  }
  for (const [labels, group] of groups) {
    const where = `${name}${labels}`;
    if (group.sum === undefined || group.count === undefined || group.buckets.length === 0) {
      throw new Error(`${where}: incomplete histogram`);
    }
    const b = group.buckets;
    for (let i = 1; i < b.length; i++) {
      if (!(b[i][0] > b[i - 1][0])) throw new Error(`${where}: le ${b[i][0]} after ${b[i - 1][0]}`);
      if (!(b[i][1] >= b[i - 1][1])) throw new Error(`${where}: bucket counts decrease at ${i}`);
    }
    if (b[b.length - 1][0] !== Infinity) throw new Error(`${where}: no +Inf bucket`);
    if (b[b.length - 1][1] !== group.count) throw new Error(`${where}: +Inf bucket != _count`);
  }
}

/** The value of the series of `family` whose labels are exactly `labels`, if present. */
export function sampleValue(
  families: ReadonlyMap<string, Family>,
  family: string,
  labels: Record<string, string>,
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a < b ? -1 : 1));
  for (const s of families.get(family)?.samples ?? []) {
    if (JSON.stringify(s.labels) === wanted) return parseValue(s.value);
  }
  return undefined;
}
