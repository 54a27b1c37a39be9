/**
 * Turns the text of a `NAME.yaml` config into a typed {@link Config} (compat.md §3).
 *
 * The YAML is parsed with the FAILSAFE schema, so every scalar keeps its exact source text
 * (`static_map` keys such as `0x10`, `010`, `1_000`, `true` or `1e3` stay those strings), and the
 * syntax tree is walked by hand: each number, boolean and duration is converted here, with errors
 * that name the file, the key path and the line. Unknown keys are not errors; they come back as
 * warnings, with a "did you mean" hint when a known key is close.
 * @module
 */

import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  YAMLMap,
  YAMLSeq,
} from "yaml";
import { bucketLayout } from "../metrics/buckets.ts";
import { ConfigError, type ConfigWarning } from "./errors.ts";
import type {
  BucketType,
  CgroupIdMapConfig,
  Config,
  CounterConfig,
  DecoderConfig,
  HistogramConfig,
  LabelConfig,
  SpanConfig,
} from "./types.ts";

/** What {@link parseConfig} returns: the config and any non-fatal remarks about it. */
export interface ParseResult {
  /** The validated config. */
  readonly config: Config;
  /** Unknown keys and options that have no effect, in file order. */
  readonly warnings: ConfigWarning[];
}

/**
 * An integer in one of the YAML 1.1 forms Go's yaml.v2 accepts for int fields: decimal, `0x1f`,
 * `0b101`, octal `017`, with optional sign and `_` separators; undefined for anything else.
 */
function yaml11Integer(text: string): number | undefined {
  const m = /^([-+]?)(0x[0-9a-fA-F_]+|0b[01_]+|0[0-7_]+|[0-9][0-9_]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2].replaceAll("_", "");
  let value: number;
  if (digits.startsWith("0x") || digits.startsWith("0b")) value = Number(digits);
  else if (digits.length > 1 && digits.startsWith("0")) value = parseInt(digits, 8);
  else value = Number(digits);
  if (!Number.isFinite(value)) return undefined;
  return m[1] === "-" ? -value : value;
}

/**
 * Most keys merge keys (`<<: *anchor`) may bring into one document, counted over every merge: a
 * mapping that merges two aliases of a mapping that merges two aliases ... doubles per line, so
 * without a bound 30 lines of YAML would keep the loader busy for hours.
 */
const MAX_MERGED_KEYS = 100_000;

/**
 * Most buckets an exp2, exp2zero or linear histogram may have (`bucket_max - bucket_min + 1`): far
 * above any useful layout, low enough that a typo such as `bucket_max: 1000000000000` is an error
 * and not an exporter that allocates until it dies.
 */
const MAX_HISTOGRAM_BUCKETS = 65_536;

/** `flush_interval` when the counter does not set one: one hour, in milliseconds. */
export const DEFAULT_FLUSH_INTERVAL_MS = 3_600_000;

/** The bucket types a histogram may use, in the order error messages list them. */
export const BUCKET_TYPES: readonly BucketType[] = ["exp2", "exp2zero", "linear", "fixed"];

/** Names Prometheus accepts for metrics. */
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Names Prometheus accepts for labels. */
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const TRUE_RE = /^(?:true|yes|on|y)$/i;
const FALSE_RE = /^(?:false|no|off|n)$/i;
const NULL_TEXTS = new Set(["", "~", "null", "Null", "NULL"]);

const TOP_KEYS = ["metrics", "tracing", "kaddrs", "cgroup_id_map"] as const;
const METRICS_KEYS = ["counters", "histograms"] as const;
const TRACING_KEYS = ["spans"] as const;
const COUNTER_KEYS = ["name", "help", "perf_event_array", "flush_interval", "labels"] as const;
const HISTOGRAM_KEYS = [
  "name",
  "help",
  "bucket_type",
  "bucket_min",
  "bucket_max",
  "bucket_multiplier",
  "bucket_keys",
  "labels",
] as const;
const SPAN_KEYS = ["ringbuf", "name", "service", "labels"] as const;
const LABEL_KEYS = ["name", "size", "padding", "decoders"] as const;
const DECODER_KEYS = ["name", "static_map", "allow_unknown", "regexps"] as const;
const CGROUP_ID_MAP_KEYS = ["name", "type", "regexps"] as const;

const NANOS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const DURATION_PART_RE = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/;

/**
 * Parses a duration in Go's `time.ParseDuration` syntax (`1h`, `30m`, `1m30s`, `500ms`, `1.5h`,
 * `0`) and returns it in nanoseconds, or `undefined` when the text is not such a duration.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  while (rest !== "") {
    const match = DURATION_PART_RE.exec(rest);
    if (match === null) return undefined;
    total += Number(match[1]) * NANOS_PER_UNIT[match[2]];
    rest = rest.slice(match[0].length);
  }
  return sign * total;
}

/** Edit distance between two strings (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The closest candidate within edit distance 2, if any. */
function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate);
    if (distance < bestDistance && distance < Math.max(word.length, candidate.length)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function childPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

type Value = Scalar | YAMLMap | YAMLSeq;

/** One key of a mapping, with its value already resolved through aliases. */
interface Entry {
  /** The key's text. */
  readonly key: string;
  /** Key path of the value. */
  readonly path: string;
  /** The value, `null` when absent or written as YAML null (`~`, `null`, nothing). */
  readonly value: Value | null;
  /** The value exactly as parsed (before null folding), for `static_map`. */
  readonly raw: Value | null;
  /** Line of the key. */
  readonly keyLine?: number;
  /** Line of the value (of the alias, if it is one), else of the key. */
  readonly line?: number;
}

/** Known keys of one mapping plus the mapping's own position, for "missing key" errors. */
interface Fields {
  readonly path: string;
  readonly line?: number;
  readonly entries: ReadonlyMap<string, Entry>;
}

/**
 * The node each alias of `doc` refers to: the last node before it in document order that carries
 * its anchor, as `Alias.resolve` finds it. `Alias.resolve` walks the whole document on every call,
 * which made a config with a few thousand aliases take minutes to load; this is one pass, and
 * iterative, so nesting depth does not matter.
 */
function aliasTargets(doc: Document): Map<Alias, Value> {
  const targets = new Map<Alias, Value>();
  const anchors = new Map<string, Value>();
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (target !== undefined) targets.set(node, target);
    } else if (isScalar(node) || isMap(node) || isSeq(node)) {
      if (node.anchor) anchors.set(node.anchor, node);
      if (isScalar(node)) continue;
      // Pre-order, keys before values: pushed in reverse so that they pop in document order.
      for (let i = node.items.length - 1; i >= 0; i--) {
        const item: unknown = node.items[i];
        if (isPair(item)) stack.push(item.value, item.key);
        else stack.push(item);
      }
    }
  }
  return targets;
}

/** Walks one parsed document, collecting warnings and throwing {@link ConfigError}s. */
class Walker {
  readonly warnings: ConfigWarning[] = [];
  readonly #seenWarnings = new Set<string>();
  /** Keys brought in by merge keys so far (see {@link MAX_MERGED_KEYS}). */
  #mergedKeys = 0;
  /** The node each alias refers to. */
  readonly #aliases: ReadonlyMap<Alias, Value>;

  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {
    this.#aliases = aliasTargets(doc);
  }

  lineOf(node: unknown): number | undefined {
    const range = (node as { range?: readonly number[] | null } | null | undefined)?.range;
    if (!range) return undefined;
    return this.lines.linePos(range[0]).line;
  }

  fail(path: string, line: number | undefined, expected: string, found?: string): never {
    throw new ConfigError({ file: this.file, keyPath: path, line, expected, found });
  }

  warn(path: string, line: number | undefined, message: string): void {
    const id = `${path}\u0000${line}\u0000${message}`;
    if (this.#seenWarnings.has(id)) return;
    this.#seenWarnings.add(id);
    const warning: ConfigWarning = line === undefined
      ? { file: this.file, keyPath: path, message }
      : { file: this.file, keyPath: path, line, message };
    this.warnings.push(warning);
  }

  /** Follows an alias; `null` for a missing node. */
  resolve(node: unknown): Value | null {
    const current = isAlias(node) ? this.#aliases.get(node) : node;
    if (isScalar(current) || isMap(current) || isSeq(current)) return current;
    return null;
  }

  /** True for an absent value or a plain `~` / `null` / empty scalar. */
  isNull(node: Value | null): boolean {
    if (node === null) return true;
    return isScalar(node) && (node.type === undefined || node.type === Scalar.PLAIN) &&
      node.tag === undefined && NULL_TEXTS.has(String(node.value));
  }

  /** Short description of a node for the "got ..." part of a message. */
  describe(node: Value | null): string {
    if (node === null) return "nothing";
    if (isMap(node)) return "a mapping";
    if (isSeq(node)) return "a list";
    const text = String(node.value);
    if (this.isNull(node)) return text === "" ? "nothing" : `null (${text})`;
    const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
    const plain = node.type === undefined || node.type === Scalar.PLAIN;
    return plain ? shown : `the quoted string ${shown}`;
  }

  /**
   * Every key of a mapping in file order, merge keys (`<<: *anchor`) applied: keys written in
   * the mapping win over merged ones, earlier merged mappings over later ones. Of a key written
   * twice the last one wins, as in Go's yaml.v2; the earlier one gets a warning.
   */
  entries(map: YAMLMap, path: string, depth = 0): Entry[] {
    if (depth > 32) this.fail(path, this.lineOf(map), "expected merge keys nested at most 32 deep");
    if (depth > 0) {
      // Aliases let a few lines merge a mapping 2^32 times over; bound the whole document's work.
      this.#mergedKeys += map.items.length;
      if (this.#mergedKeys > MAX_MERGED_KEYS) {
        this.fail(
          path,
          this.lineOf(map),
          `expected merge keys (<<) to bring in at most ${MAX_MERGED_KEYS} keys per document`,
          "more (merged aliases that refer to merged aliases?)",
        );
      }
    }
    // Keyed by key text, in file order; a repeated key moves to the end (Map re-insertion).
    const own = new Map<string, Entry>();
    const merged: Entry[] = [];
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key);
      const keyLine = this.lineOf(pair.key) ?? this.lineOf(map);
      if (keyNode === null || !isScalar(keyNode)) {
        this.fail(path, keyLine, "expected a plain key", this.describe(keyNode));
      }
      const key = String(keyNode.value);
      const raw = this.resolve(pair.value);
      if (key === "<<" && (keyNode.type === undefined || keyNode.type === Scalar.PLAIN)) {
        // A merge key: its value is a mapping or a list of mappings (usually aliases).
        const sources = isSeq(raw) ? raw.items.map((item) => this.resolve(item)) : [raw];
        for (const source of sources) {
          if (!isMap(source)) {
            this.fail(
              childPath(path, "<<"),
              keyLine,
              "expected merge key << to refer to a mapping or a list of mappings",
              this.describe(source),
            );
          }
          for (const entry of this.entries(source, path, depth + 1)) merged.push(entry);
        }
        continue;
      }
      const line = this.lineOf(pair.value) ?? keyLine;
      const entry: Entry = {
        key,
        path: childPath(path, key),
        value: this.isNull(raw) ? null : raw,
        raw,
        ...(keyLine === undefined ? {} : { keyLine }),
        ...(line === undefined ? {} : { line }),
      };
      const ignored = own.get(key);
      if (ignored !== undefined) {
        this.warn(
          ignored.path,
          ignored.keyLine,
          `duplicate key ${JSON.stringify(key)} (ignored; the one on line ${keyLine} wins)`,
        );
        own.delete(key);
      }
      own.set(key, entry);
    }
    // Merged keys go after the own ones; of a key merged twice the first wins.
    for (const entry of merged) if (!own.has(entry.key)) own.set(entry.key, entry);
    return [...own.values()];
  }

  /** Expects a mapping and returns its known keys; unknown keys become warnings. */
  fields(node: Value | null, path: string, line: number | undefined, known: readonly string[]) {
    if (node === null || !isMap(node)) {
      this.fail(path, this.lineOf(node) ?? line, "expected a mapping", this.describe(node));
    }
    const entries = new Map<string, Entry>();
    for (const entry of this.entries(node, path)) {
      if (known.includes(entry.key)) {
        entries.set(entry.key, entry);
        continue;
      }
      const hint = suggest(entry.key, known);
      const message = hint === undefined
        ? `unknown key ${JSON.stringify(entry.key)} (ignored)`
        : `unknown key ${JSON.stringify(entry.key)} (ignored; did you mean ${
          JSON.stringify(hint)
        }?)`;
      this.warn(entry.path, entry.keyLine, message);
    }
    const mapLine = this.lineOf(node) ?? line;
    const fields: Fields = mapLine === undefined
      ? { path, entries }
      : { path, line: mapLine, entries };
    return fields;
  }

  /** Expects a list (YAML null counts as empty) and returns its items with their paths. */
  list(entry: Entry | undefined): { value: Value | null; path: string; line?: number }[] {
    if (entry === undefined || entry.value === null) return [];
    const node = entry.value;
    if (!isSeq(node)) this.fail(entry.path, entry.line, "expected a list", this.describe(node));
    return node.items.map((item, i) => {
      const value = this.resolve(item);
      const line = this.lineOf(item) ?? entry.line;
      const path = itemPath(entry.path, i);
      return line === undefined ? { value, path } : { value, path, line };
    });
  }

  /** A scalar's text; `undefined` when absent or null. */
  text(entry: Entry | undefined): string | undefined {
    if (entry === undefined || entry.value === null) return undefined;
    const node = entry.value;
    if (!isScalar(node)) {
      this.fail(entry.path, entry.line, "expected a string", this.describe(node));
    }
    return String(node.value);
  }

  /** A required, non-empty string. */
  requiredText(fields: Fields, key: string, what: string): string {
    const entry = fields.entries.get(key);
    const value = this.text(entry);
    if (value === undefined || value === "") {
      this.fail(
        entry?.path ?? childPath(fields.path, key),
        entry?.line ?? fields.line,
        `expected ${what}`,
        entry === undefined ? "no " + key : this.describe(entry.raw),
      );
    }
    return value;
  }

  /** A plain scalar's text for number-like values; quoted strings are refused. */
  plainText(entry: Entry, expected: string): string {
    const node = entry.value;
    if (
      node === null || !isScalar(node) || (node.type !== undefined && node.type !== Scalar.PLAIN)
    ) {
      this.fail(entry.path, entry.line, expected, this.describe(node));
    }
    return String(node.value);
  }

  /** An integer (YAML 1.1 forms, as upstream's yaml.v2 reads them) no smaller than `min`. */
  integer(entry: Entry, min?: number): number {
    const expected = min === 0
      ? "expected a non-negative integer"
      : min === 1
      ? "expected a positive integer"
      : "expected an integer";
    const text = this.plainText(entry, expected);
    const value = yaml11Integer(text) ?? NaN;
    if (!Number.isSafeInteger(value)) {
      this.fail(entry.path, entry.line, expected, this.describe(entry.value));
    }
    if (min !== undefined && value < min) {
      this.fail(entry.path, entry.line, expected, this.describe(entry.value));
    }
    return value === 0 ? 0 : value;
  }

  /** An optional integer with a default. */
  optionalInteger(fields: Fields, key: string, fallback: number, min?: number): number {
    const entry = fields.entries.get(key);
    if (entry === undefined || entry.value === null) return fallback;
    return this.integer(entry, min);
  }

  /** A decimal floating-point number. */
  float(entry: Entry, expected: string): number {
    const text = this.plainText(entry, expected);
    const value = Number(text);
    if (!FLOAT_RE.test(text) || !Number.isFinite(value)) {
      this.fail(entry.path, entry.line, expected, this.describe(entry.value));
    }
    return value;
  }

  /** true/false, also yes/no/on/off and y/n (YAML 1.1), in any case; absent means `fallback`. */
  boolean(fields: Fields, key: string, fallback: boolean): boolean {
    const entry = fields.entries.get(key);
    if (entry === undefined || entry.value === null) return fallback;
    const expected = "expected a boolean (true or false)";
    const text = this.plainText(entry, expected);
    if (TRUE_RE.test(text)) return true;
    if (FALSE_RE.test(text)) return false;
    this.fail(entry.path, entry.line, expected, this.describe(entry.value));
  }

  /** A list of non-empty strings. */
  strings(entry: Entry | undefined): string[] {
    return this.list(entry).map((item) => {
      const node = item.value;
      if (node === null || !isScalar(node) || this.isNull(node)) {
        this.fail(item.path, item.line, "expected a non-empty string", this.describe(node));
      }
      return String(node.value);
    });
  }
}

/**
 * Parses and validates the text of one config file.
 *
 * `name` is the config name (`timers`), `yamlPath` the file the text came from (used in every
 * message) and `objectPath` where the compiled object lives (stored, not opened). Throws a
 * {@link ConfigError} for anything that makes the config unusable; unknown keys and options that
 * have no effect are returned as warnings.
 *
 * For `fixed` histograms `bucketMin` / `bucketMax` are the first and last of `bucket_keys`, so
 * that `bucketMax + 1` is the sum key for every bucket type.
 */
export function parseConfig(
  name: string,
  yamlPath: string,
  objectPath: string,
  source: string,
): ParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(source, {
    schema: "failsafe",
    lineCounter: lines,
    prettyErrors: false,
    // Go's yaml.v2 (upstream) lets the last of repeated keys win; they become warnings below.
    uniqueKeys: false,
  });
  const walker = new Walker(yamlPath, doc, lines);
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const line = error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line;
    walker.fail("", line, "expected valid YAML", `a syntax error: ${error.message}`);
  }
  for (const warning of doc.warnings) {
    const line = warning.linePos?.[0]?.line ?? lines.linePos(warning.pos[0]).line;
    walker.warn("", line, `YAML: ${warning.message}`);
  }

  const root = walker.resolve(doc.contents);
  if (walker.isNull(root)) {
    walker.fail("", 1, "expected a mapping with metrics or tracing", "an empty document");
  }
  const top = walker.fields(root, "", 1, TOP_KEYS);

  let counters: CounterConfig[] = [];
  let histograms: HistogramConfig[] = [];
  const metricsEntry = top.entries.get("metrics");
  if (metricsEntry !== undefined && metricsEntry.value !== null) {
    const metrics = walker.fields(
      metricsEntry.value,
      metricsEntry.path,
      metricsEntry.line,
      METRICS_KEYS,
    );
    counters = walker.list(metrics.entries.get("counters")).map((item) =>
      parseCounter(walker, item.value, item.path, item.line)
    );
    histograms = walker.list(metrics.entries.get("histograms")).map((item) =>
      parseHistogram(walker, item.value, item.path, item.line)
    );
  }

  let spans: SpanConfig[] = [];
  let spanLines: (number | undefined)[] = [];
  const tracingEntry = top.entries.get("tracing");
  if (tracingEntry !== undefined && tracingEntry.value !== null) {
    const tracing = walker.fields(
      tracingEntry.value,
      tracingEntry.path,
      tracingEntry.line,
      TRACING_KEYS,
    );
    const items = walker.list(tracing.entries.get("spans"));
    spans = items.map((item) => parseSpan(walker, item.value, item.path, item.line));
    spanLines = items.map((item) => item.line);
  }

  if (counters.length + histograms.length + spans.length === 0) {
    walker.fail(
      "",
      metricsEntry?.keyLine ?? tracingEntry?.keyLine ?? 1,
      "expected at least one of metrics.counters, metrics.histograms or tracing.spans",
      "none",
    );
  }

  checkUniqueMetricNames(walker, counters, histograms);
  checkUniqueRingbufs(walker, spans, spanLines);

  const kaddrs = walker.strings(top.entries.get("kaddrs"));

  let cgroupIdMap: CgroupIdMapConfig | undefined;
  const cgroupEntry = top.entries.get("cgroup_id_map");
  if (cgroupEntry !== undefined && cgroupEntry.value !== null) {
    cgroupIdMap = parseCgroupIdMap(walker, cgroupEntry);
  }

  const config: Config = {
    name,
    yamlPath,
    objectPath,
    counters,
    histograms,
    spans,
    kaddrs,
    ...(cgroupIdMap === undefined ? {} : { cgroupIdMap }),
  };
  const warnings = [...walker.warnings].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { config, warnings };
}

function parseMetricName(walker: Walker, fields: Fields): string {
  const name = walker.requiredText(fields, "name", "a metric name");
  if (!METRIC_NAME_RE.test(name)) {
    const entry = fields.entries.get("name")!;
    walker.fail(
      entry.path,
      entry.line,
      "expected a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*",
      JSON.stringify(name),
    );
  }
  return name;
}

function parseCounter(
  walker: Walker,
  node: Value | null,
  path: string,
  line: number | undefined,
): CounterConfig {
  const fields = walker.fields(node, path, line, COUNTER_KEYS);
  const name = parseMetricName(walker, fields);
  const help = walker.requiredText(fields, "help", "a help text");
  const perfEventArray = walker.boolean(fields, "perf_event_array", false);
  let flushIntervalMs = DEFAULT_FLUSH_INTERVAL_MS;
  const flushEntry = fields.entries.get("flush_interval");
  if (flushEntry !== undefined && flushEntry.value !== null) {
    const expected = "expected a positive duration like 1h, 30m, 1m30s or 500ms";
    const nanos = parseGoDuration(walker.plainText(flushEntry, expected));
    if (nanos === undefined || nanos <= 0) {
      walker.fail(flushEntry.path, flushEntry.line, expected, walker.describe(flushEntry.value));
    }
    flushIntervalMs = nanos / 1e6;
    if (!perfEventArray) {
      walker.warn(
        flushEntry.path,
        flushEntry.keyLine,
        "flush_interval only applies to perf_event_array counters (ignored)",
      );
    }
  }
  const labels = parseLabels(walker, fields, "counter");
  const counter: CounterConfig = { name, help, perfEventArray, flushIntervalMs, labels };
  return fields.line === undefined ? counter : { ...counter, line: fields.line };
}

function parseHistogram(
  walker: Walker,
  node: Value | null,
  path: string,
  line: number | undefined,
): HistogramConfig {
  const fields = walker.fields(node, path, line, HISTOGRAM_KEYS);
  const name = parseMetricName(walker, fields);
  const help = walker.requiredText(fields, "help", "a help text");

  const typeEntry = fields.entries.get("bucket_type");
  const typeExpected = `expected bucket_type to be one of ${BUCKET_TYPES.join(", ")}`;
  const typeText = walker.text(typeEntry);
  if (typeText === undefined || !(BUCKET_TYPES as readonly string[]).includes(typeText)) {
    let found = typeEntry === undefined ? "no bucket_type" : walker.describe(typeEntry.raw);
    const hint = typeText === undefined ? undefined : suggest(typeText, BUCKET_TYPES);
    if (hint !== undefined) found += ` (did you mean ${JSON.stringify(hint)}?)`;
    walker.fail(
      typeEntry?.path ?? childPath(path, "bucket_type"),
      typeEntry?.line ?? fields.line,
      typeExpected,
      found,
    );
  }
  const bucketType = typeText as BucketType;

  let bucketMultiplier = 1;
  const multiplierEntry = fields.entries.get("bucket_multiplier");
  if (multiplierEntry !== undefined && multiplierEntry.value !== null) {
    const expected = "expected a positive number";
    bucketMultiplier = walker.float(multiplierEntry, expected);
    if (bucketMultiplier <= 0) {
      walker.fail(
        multiplierEntry.path,
        multiplierEntry.line,
        expected,
        walker.describe(multiplierEntry.value),
      );
    }
  }

  const labels = parseLabels(walker, fields, "histogram");
  const labelsEntry = fields.entries.get("labels");
  if (labels.length === 0) {
    walker.fail(
      labelsEntry?.path ?? childPath(path, "labels"),
      labelsEntry?.line ?? fields.line,
      "expected at least one label (histograms need the bucket label, last)",
      labelsEntry === undefined ? "no labels" : "an empty list",
    );
  }

  const minEntry = fields.entries.get("bucket_min");
  const maxEntry = fields.entries.get("bucket_max");
  const keysEntry = fields.entries.get("bucket_keys");
  let bucketMin: number;
  let bucketMax: number;
  let bucketKeys: number[] = [];
  if (bucketType === "fixed") {
    for (const entry of [minEntry, maxEntry]) {
      if (entry !== undefined) {
        walker.warn(entry.path, entry.keyLine, `${entry.key} is ignored by fixed histograms`);
      }
    }
    bucketKeys = walker.list(keysEntry).map((item) => {
      const itemEntry: Entry = {
        key: "",
        path: item.path,
        value: walker.isNull(item.value) ? null : item.value,
        raw: item.value,
        ...(item.line === undefined ? {} : { line: item.line }),
      };
      return walker.integer(itemEntry);
    });
    if (bucketKeys.length === 0) {
      walker.fail(
        keysEntry?.path ?? childPath(path, "bucket_keys"),
        keysEntry?.line ?? fields.line,
        "expected bucket_keys, a non-empty list of integers, for a fixed histogram",
        keysEntry === undefined ? "no bucket_keys" : "an empty list",
      );
    }
    for (let i = 1; i < bucketKeys.length; i++) {
      if (bucketKeys[i] <= bucketKeys[i - 1]) {
        walker.fail(
          itemPath(keysEntry!.path, i),
          walker.lineOf((keysEntry!.value as YAMLSeq).items[i]) ?? keysEntry!.line,
          "expected bucket_keys in ascending order",
          `${bucketKeys[i]} after ${bucketKeys[i - 1]}`,
        );
      }
    }
    bucketMin = bucketKeys[0];
    bucketMax = bucketKeys[bucketKeys.length - 1];
  } else {
    if (keysEntry !== undefined) {
      walker.warn(
        keysEntry.path,
        keysEntry.keyLine,
        `bucket_keys is only used by fixed histograms (ignored for ${bucketType})`,
      );
    }
    bucketMin = walker.optionalInteger(fields, "bucket_min", 0);
    if (maxEntry === undefined || maxEntry.value === null) {
      walker.fail(
        maxEntry?.path ?? childPath(path, "bucket_max"),
        maxEntry?.line ?? fields.line,
        `expected bucket_max (an integer) for bucket_type ${bucketType}`,
        "nothing",
      );
    }
    bucketMax = walker.integer(maxEntry);
    if (bucketMax - bucketMin === 0) {
      walker.fail(
        maxEntry.path,
        maxEntry.line,
        "expected bucket_max - bucket_min to be positive",
        `bucket_max - bucket_min == 0 (both ${bucketMax})`,
      );
    }
    if (bucketMax < bucketMin) {
      walker.fail(
        maxEntry.path,
        maxEntry.line,
        "expected bucket_max to be greater than bucket_min",
        `bucket_max ${bucketMax} < bucket_min ${bucketMin}`,
      );
    }
    if (bucketMax - bucketMin + 1 > MAX_HISTOGRAM_BUCKETS) {
      walker.fail(
        maxEntry.path,
        maxEntry.line,
        `expected at most ${MAX_HISTOGRAM_BUCKETS} buckets (bucket_max - bucket_min + 1)`,
        `${bucketMax - bucketMin + 1} buckets (bucket_min ${bucketMin}, bucket_max ${bucketMax})`,
      );
    }
  }

  const histogram: HistogramConfig = {
    name,
    help,
    bucketType,
    bucketMin,
    bucketMax,
    bucketMultiplier,
    bucketKeys,
    labels,
  };
  checkBucketBounds(walker, histogram, fields);
  return fields.line === undefined ? histogram : { ...histogram, line: fields.line };
}

/**
 * Fails unless the histogram's upper bounds are finite and increasing. Otherwise two buckets would
 * share an `le` (`2^1024` and up are all `+Inf`, `2^-1075` and below all `0`; exp2zero puts
 * bucket 0 at 0, below bucket -1) and the exposition would hold the same series twice.
 */
function checkBucketBounds(walker: Walker, histogram: HistogramConfig, fields: Fields): void {
  const { keys, bounds } = bucketLayout(histogram);
  for (let i = 0; i < bounds.length; i++) {
    const finite = Number.isFinite(bounds[i]);
    if (finite && (i === 0 || bounds[i] > bounds[i - 1])) continue;
    const fixed = histogram.bucketType === "fixed";
    const keysEntry = fields.entries.get("bucket_keys");
    const entry = fixed ? undefined : fields.entries.get(finite ? "bucket_min" : "bucket_max") ??
      fields.entries.get("bucket_multiplier");
    const m = histogram.bucketMultiplier;
    const found = finite
      ? `bucket ${keys[i]} has bound ${bounds[i]}, bucket ${keys[i - 1]} ${bounds[i - 1]}`
      : `bucket ${keys[i]} has bound ${bounds[i]}`;
    walker.fail(
      fixed ? itemPath(keysEntry!.path, i) : entry?.path ?? fields.path,
      fixed ? keysEntry!.line : entry?.line ?? fields.line,
      `expected finite, increasing bucket bounds (${histogram.bucketType} with bucket_multiplier ${m})`,
      found,
    );
  }
}

function parseSpan(
  walker: Walker,
  node: Value | null,
  path: string,
  line: number | undefined,
): SpanConfig {
  const fields = walker.fields(node, path, line, SPAN_KEYS);
  const ringbuf = walker.requiredText(fields, "ringbuf", "a ring buffer map name");
  const name = walker.text(fields.entries.get("name")) ?? "";
  const service = walker.text(fields.entries.get("service")) ?? "";
  const labels = parseLabels(walker, fields, "span");
  if (labels.length === 0) {
    const labelsEntry = fields.entries.get("labels");
    walker.fail(
      labelsEntry?.path ?? childPath(path, "labels"),
      labelsEntry?.line ?? fields.line,
      "expected at least one label (spans need trace_id, span_id, ...)",
      labelsEntry === undefined ? "no labels" : "an empty list",
    );
  }
  return { ringbuf, name, service, labels };
}

/** Whose labels are parsed: decides which names Prometheus will see. */
type LabelOwner = "counter" | "histogram" | "span";

function parseLabels(walker: Walker, fields: Fields, owner: LabelOwner): LabelConfig[] {
  const items = walker.list(fields.entries.get("labels"));
  const firstSeen = new Map<string, string>();
  return items.map((item, index) => {
    // Span labels become span fields and attributes; a histogram's last label is the bucket key.
    const exported = owner === "counter" || (owner === "histogram" && index < items.length - 1);
    const histogram = owner === "histogram";
    const label = parseLabel(walker, item.value, item.path, item.line, exported, histogram);
    const previous = firstSeen.get(label.name);
    if (previous !== undefined) {
      walker.fail(
        childPath(item.path, "name"),
        item.line,
        "expected label names to be unique within a metric",
        `${JSON.stringify(label.name)} again (first at ${previous})`,
      );
    }
    firstSeen.set(label.name, item.path);
    return label;
  });
}

function parseLabel(
  walker: Walker,
  node: Value | null,
  path: string,
  line: number | undefined,
  exported: boolean,
  histogram: boolean,
): LabelConfig {
  const fields = walker.fields(node, path, line, LABEL_KEYS);
  const name = walker.requiredText(fields, "name", "a label name");
  const nameEntry = fields.entries.get("name")!;
  if (exported) {
    if (!LABEL_NAME_RE.test(name)) {
      walker.fail(
        nameEntry.path,
        nameEntry.line,
        "expected a label name matching [a-zA-Z_][a-zA-Z0-9_]*",
        JSON.stringify(name),
      );
    }
    if (name.startsWith("__")) {
      walker.fail(
        nameEntry.path,
        nameEntry.line,
        "expected a label name not starting with __ (reserved by Prometheus)",
        JSON.stringify(name),
      );
    }
    if (histogram && name === "le") {
      walker.fail(
        nameEntry.path,
        nameEntry.line,
        'expected a label name other than "le" (histograms use it for bucket bounds)',
        JSON.stringify(name),
      );
    }
  }
  const sizeEntry = fields.entries.get("size");
  if (sizeEntry === undefined || sizeEntry.value === null) {
    walker.fail(
      sizeEntry?.path ?? childPath(path, "size"),
      sizeEntry?.line ?? fields.line,
      "expected size, the number of key bytes this label consumes",
      "nothing",
    );
  }
  const size = walker.integer(sizeEntry, 1);
  const padding = walker.optionalInteger(fields, "padding", 0, 0);

  const decodersEntry = fields.entries.get("decoders");
  const decoders = walker.list(decodersEntry).map((item) =>
    parseDecoder(walker, item.value, item.path, item.line)
  );
  if (decoders.length === 0) {
    walker.fail(
      decodersEntry?.path ?? childPath(path, "decoders"),
      decodersEntry?.line ?? fields.line,
      "labels need at least one decoder: expected a non-empty decoders list",
      decodersEntry === undefined ? "no decoders" : "an empty list",
    );
  }
  return { name, size, padding, decoders };
}

function parseDecoder(
  walker: Walker,
  node: Value | null,
  path: string,
  line: number | undefined,
): DecoderConfig {
  const fields = walker.fields(node, path, line, DECODER_KEYS);
  const name = walker.requiredText(fields, "name", "a decoder name");
  const staticEntry = fields.entries.get("static_map");
  const unknownEntry = fields.entries.get("allow_unknown");
  const regexpsEntry = fields.entries.get("regexps");

  if (name === "static_map") {
    if (staticEntry === undefined || staticEntry.value === null) {
      walker.fail(
        staticEntry?.path ?? childPath(path, "static_map"),
        staticEntry?.line ?? fields.line,
        "expected static_map, a mapping of input to output, for the static_map decoder",
        "nothing",
      );
    }
    const staticMap = parseStaticMap(walker, staticEntry);
    const allowUnknown = walker.boolean(fields, "allow_unknown", false);
    warnUnused(walker, regexpsEntry, name);
    return { name, staticMap, allowUnknown };
  }
  warnUnused(walker, staticEntry, name);
  warnUnused(walker, unknownEntry, name);
  if (name === "regexp") {
    const regexps = walker.strings(regexpsEntry);
    if (regexps.length === 0) {
      walker.fail(
        regexpsEntry?.path ?? childPath(path, "regexps"),
        regexpsEntry?.line ?? fields.line,
        "expected regexps, a non-empty list of patterns, for the regexp decoder",
        regexpsEntry === undefined ? "nothing" : "an empty list",
      );
    }
    return { name, regexps };
  }
  warnUnused(walker, regexpsEntry, name);
  return { name };
}

function warnUnused(walker: Walker, entry: Entry | undefined, decoder: string): void {
  if (entry === undefined) return;
  const owner = entry.key === "regexps" ? "regexp" : "static_map";
  walker.warn(
    entry.path,
    entry.keyLine,
    `${entry.key} is only used by the ${owner} decoder (ignored for ${decoder})`,
  );
}

/** Source-text keys to source-text values; YAML null values are kept as written. */
function parseStaticMap(walker: Walker, entry: Entry): Map<string, string> {
  const node = entry.raw;
  if (node === null || !isMap(node)) {
    walker.fail(
      entry.path,
      entry.line,
      "expected static_map to be a mapping of input to output",
      walker.describe(node),
    );
  }
  const result = new Map<string, string>();
  for (const item of walker.entries(node, entry.path)) {
    const value = item.raw;
    if (value !== null && !isScalar(value)) {
      walker.fail(item.path, item.line, "expected a scalar output value", walker.describe(value));
    }
    result.set(item.key, value === null ? "" : String(value.value));
  }
  return result;
}

function parseCgroupIdMap(walker: Walker, entry: Entry): CgroupIdMapConfig {
  const fields = walker.fields(entry.value, entry.path, entry.line, CGROUP_ID_MAP_KEYS);
  const name = walker.requiredText(fields, "name", "a map name");
  const typeEntry = fields.entries.get("type");
  const typeText = walker.text(typeEntry) ?? "hash";
  if (typeText !== "hash" && typeText !== "cgrp_storage") {
    walker.fail(
      typeEntry!.path,
      typeEntry!.line,
      "expected type to be one of hash, cgrp_storage",
      walker.describe(typeEntry!.value),
    );
  }
  const regexpsEntry = fields.entries.get("regexps");
  const regexps = walker.strings(regexpsEntry);
  if (regexps.length === 0) {
    walker.fail(
      regexpsEntry?.path ?? childPath(entry.path, "regexps"),
      regexpsEntry?.line ?? fields.line,
      "expected regexps, a non-empty list of cgroup path patterns",
      regexpsEntry === undefined ? "nothing" : "an empty list",
    );
  }
  return { name, type: typeText, regexps };
}

function checkUniqueMetricNames(
  walker: Walker,
  counters: readonly CounterConfig[],
  histograms: readonly HistogramConfig[],
): void {
  const seen = new Map<string, { path: string; line?: number }>();
  const all = [
    ...counters.map((metric, i) => ({ metric, path: itemPath("metrics.counters", i) })),
    ...histograms.map((metric, i) => ({ metric, path: itemPath("metrics.histograms", i) })),
  ];
  for (const { metric, path } of all) {
    const first = seen.get(metric.name);
    if (first !== undefined) {
      const where = first.line === undefined ? first.path : `${first.path}, line ${first.line}`;
      walker.fail(
        childPath(path, "name"),
        metric.line,
        "expected metric names to be unique within a config",
        `${JSON.stringify(metric.name)} again (first at ${where})`,
      );
    }
    seen.set(metric.name, metric.line === undefined ? { path } : { path, line: metric.line });
  }
}

function checkUniqueRingbufs(
  walker: Walker,
  spans: readonly SpanConfig[],
  lines: readonly (number | undefined)[],
): void {
  const seen = new Map<string, number>();
  spans.forEach((span, i) => {
    const first = seen.get(span.ringbuf);
    if (first !== undefined) {
      walker.fail(
        childPath(itemPath("tracing.spans", i), "ringbuf"),
        lines[i],
        "expected each ring buffer to feed one span config",
        `${JSON.stringify(span.ringbuf)} again (first at tracing.spans[${first}])`,
      );
    }
    seen.set(span.ringbuf, i);
  });
}
