/**
 * Generated YAML documents for the config fuzz test: trees shaped like `NAME.yaml` configs
 * (metrics, counters, histograms, labels, decoders, spans, cgroup_id_map) whose every field may be
 * missing, misspelled, of the wrong kind or an extreme value, written in random YAML styles (block,
 * flow, quoted, literal, anchors, aliases, merge keys) and then roughed up with syntax noise.
 * @module
 */

import fc from "fast-check";
import { knownDecoderNames } from "../../src/decoders/registry.ts";

/** A YAML node to be written out. */
export type YNode =
  | { readonly t: "map"; readonly flow: boolean; readonly entries: YEntry[]; anchor?: string }
  | { readonly t: "seq"; readonly flow: boolean; readonly items: YNode[]; anchor?: string }
  | { readonly t: "str"; readonly text: string; readonly style: Style; anchor?: string }
  | { readonly t: "alias"; readonly name: string }
  | { readonly t: "raw"; readonly text: string };

/** A mapping entry: key text and value. */
export type YEntry = readonly [string, YNode];

/** How a scalar is written; `forced` is plain even when that breaks the syntax. */
export type Style = "plain" | "single" | "double" | "literal" | "forced";

const ANCHORS = ["a", "b", "c"] as const;
const SAFE_PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./ -]*$/;

// ---------------------------------------------------------------------------------------------
// Writing

function scalarInline(text: string, style: Style): string {
  if (style === "forced") return text;
  if (style === "plain") {
    if (SAFE_PLAIN.test(text) && !text.endsWith(" ")) return text;
    return JSON.stringify(text);
  }
  if (style === "single") return `'${text.replaceAll("'", "''")}'`;
  return JSON.stringify(text); // JSON strings are YAML double-quoted strings
}

function anchorPrefix(node: YNode): string {
  return "anchor" in node && node.anchor !== undefined ? `&${node.anchor} ` : "";
}

function keyText(key: string): string {
  if (key === "<<" || (SAFE_PLAIN.test(key) && !key.endsWith(" "))) return key;
  return JSON.stringify(key);
}

/** The node on one line (flow style). */
function emitInline(node: YNode): string {
  switch (node.t) {
    case "alias":
      return `*${node.name}`;
    case "raw":
      return node.text;
    case "str":
      return anchorPrefix(node) +
        scalarInline(node.text, node.style === "literal" ? "double" : node.style);
    case "seq":
      return `${anchorPrefix(node)}[${node.items.map(emitInline).join(", ")}]`;
    case "map":
      return `${anchorPrefix(node)}{${
        node.entries.map(([k, v]) => `${keyText(k)}: ${emitInline(v)}`).join(", ")
      }}`;
  }
}

function isBlock(node: YNode): boolean {
  return (node.t === "map" && !node.flow && node.entries.length > 0) ||
    (node.t === "seq" && !node.flow && node.items.length > 0);
}

/** Lines of `node` written as a block at `indent` spaces, for the value of `lead` (`key:`/`-`). */
function emitUnder(lead: string, node: YNode, indent: number, out: string[]): void {
  const sp = " ".repeat(indent);
  if (node.t === "str" && node.style === "literal") {
    out.push(`${sp}${lead} ${anchorPrefix(node)}|-`);
    for (const line of node.text.split("\n")) out.push(`${sp}  ${line}`);
    return;
  }
  if (!isBlock(node)) {
    out.push(`${sp}${lead} ${emitInline(node)}`);
    return;
  }
  out.push(`${sp}${lead}${anchorPrefix(node) === "" ? "" : " " + anchorPrefix(node).trimEnd()}`);
  emitBlock(node, indent + 2, out);
}

function emitBlock(node: YNode, indent: number, out: string[]): void {
  const sp = " ".repeat(indent);
  if (node.t === "map" && isBlock(node)) {
    for (const [k, v] of node.entries) emitUnder(`${keyText(k)}:`, v, indent, out);
  } else if (node.t === "seq" && isBlock(node)) {
    for (const item of node.items) emitUnder("-", item, indent, out);
  } else {
    out.push(sp + emitInline(node));
  }
}

/** The document text of `root`. */
function emitDocument(root: YNode): string {
  const out: string[] = [];
  if (isBlock(root) && !("anchor" in root && root.anchor !== undefined)) emitBlock(root, 0, out);
  else out.push(emitInline(root));
  return out.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Noise

/** One edit of the written text. */
export interface Noise {
  /** Where, as a fraction of the text length. */
  readonly at: number;
  /** What to do there. */
  readonly op: "insert" | "delete" | "duplicate-line" | "indent" | "truncate";
  /** Text to insert / bytes to delete. */
  readonly token: string;
}

const NOISE_TOKENS = [
  "{",
  "}",
  "[",
  "]",
  ":",
  ": ",
  "- ",
  ",",
  "&a ",
  "*a",
  "*zz",
  "<<: *a\n",
  "!!str ",
  "!!map ",
  "!custom ",
  "%YAML 1.1\n",
  "---\n",
  "...\n",
  "\t",
  "# comment\n",
  "'",
  '"',
  "|",
  ">",
  "? ",
  "\n",
  "  ",
  "\r\n",
  "\u0000",
  "\uFEFF",
  "\u0085",
  "\u2028",
  "\uD800",
  "\uFFFD",
  "@",
  "`",
  "%",
];

/** An edit: mostly structural YAML characters, sometimes control and odd Unicode characters. */
const noiseArb: fc.Arbitrary<Noise> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  op: fc.constantFrom(
    "insert",
    "insert",
    "insert",
    "delete",
    "duplicate-line",
    "indent",
    "truncate",
  ),
  token: fc.oneof(fc.constantFrom(...NOISE_TOKENS), fc.string({ unit: "binary", maxLength: 3 })),
});

/** Applies `edits` to `text` in order. */
function applyNoise(text: string, edits: readonly Noise[]): string {
  let out = text;
  for (const edit of edits) {
    const at = Math.min(out.length, Math.floor(edit.at * out.length));
    switch (edit.op) {
      case "insert":
        out = out.slice(0, at) + edit.token + out.slice(at);
        break;
      case "delete":
        out = out.slice(0, at) + out.slice(at + 1 + (edit.token.length % 8));
        break;
      case "duplicate-line": {
        const start = out.lastIndexOf("\n", at - 1) + 1;
        const end = out.indexOf("\n", at);
        const line = out.slice(start, end < 0 ? out.length : end);
        out = out.slice(0, start) + line + "\n" + out.slice(start);
        break;
      }
      case "indent": {
        const start = out.lastIndexOf("\n", at - 1) + 1;
        out = out.slice(0, start) + " ".repeat(1 + (edit.token.length % 3)) + out.slice(start);
        break;
      }
      case "truncate":
        out = out.slice(0, at);
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scalars

const str = (text: string, style: Style = "plain"): YNode => ({ t: "str", text, style });

const styleArb: fc.Arbitrary<Style> = fc.oneof(
  { arbitrary: fc.constant<Style>("plain"), weight: 12 },
  { arbitrary: fc.constantFrom<Style>("single", "double", "literal", "forced"), weight: 3 },
);

/** Strings that are hard on parsers: controls, quotes, YAML indicators, odd Unicode, long ones. */
const nastyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(
      "\u0000",
      "\t",
      "\n",
      "\r",
      "\\",
      '"',
      "'",
      ":",
      "#",
      "-",
      "{",
      "}",
      "[",
      "]",
      "&",
      "*",
      "!",
      "|",
      ">",
      "%",
      "@",
      "`",
      " ",
      "\uFFFD",
      "\uD800",
      "\uDFFF",
      "\u00e9",
      "\u2028",
      "\u0085",
      "\uFEFF",
      "x",
    ),
    maxLength: 12,
  }),
  fc.tuple(
    fc.constantFrom("x", "\u00e9", "ab\\", "\uD83D\uDE00"),
    fc.integer({ min: 1000, max: 40_000 }),
  )
    .map(([unit, n]) => unit.repeat(n)),
);

const intTexts = fc.oneof(
  fc.integer({ min: -3, max: 40 }).map(String),
  fc.constantFrom(
    "0x10",
    "010",
    "0b101",
    "1_000",
    "-0",
    "+3",
    "1e3",
    "1.5",
    "9007199254740991",
    "9007199254740993",
    "18446744073709551615",
    "99999999999999999999999999",
    "-9007199254740991",
    "0x" + "f".repeat(40),
    "0" + "7".repeat(30),
    "~",
    "",
    "0x",
    "_",
  ),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
);

const floatTexts = fc.constantFrom(
  "0.000001",
  "1",
  "1e-6",
  "1e-9",
  "-1",
  "0",
  "1e309",
  ".5",
  "5.",
  "NaN",
  ".inf",
  "1e-320",
  "0x10",
  "1_000",
);

const boolTexts = fc.constantFrom("true", "false", "yes", "no", "on", "off", "y", "N", "TRUE");
const wildBoolTexts = fc.constantFrom("maybe", "1", "0", "tru", "", "~");

const durationTexts = fc.constantFrom("1h", "30m", "1m30s", "500ms", "1.5h", ".5s");
const wildDurationTexts = fc.constantFrom(
  "0",
  "-1s",
  "1d",
  "",
  "9999999999999999999999h",
  "5",
  "1h-",
);

/** Every decoder name the registry knows, "uint" first (fast-check shrinks towards it). */
export const DECODER_NAMES: readonly string[] = [
  "uint",
  ...knownDecoderNames().filter((name) => name !== "uint"),
];

const REGEXPS = [
  "^(.*)$",
  "(?P<unit>[a-z]+)\\.service$",
  "(?i)^SSH",
  "\\A[0-9]+\\z",
  "[]a]+",
  "(unclosed",
  "(a+)+$",
  "^(a|a)*$",
  "x{1001}",
  "\\p{Greek}+",
  "(?U)a+",
  "",
  "[[:alpha:]]+",
  "\\Q.*\\E",
];

const validMetricName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
const wildMetricName = fc.oneof(
  fc.constantFrom("a:b", "9x", "a-b", "", "ebpf_exporter_x"),
  nastyText,
);
const validLabelName = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const wildLabelName = fc.oneof(
  fc.constantFrom("cpu", "le", "bucket", "__x", "a:b", "9x", ""),
  nastyText,
);
const validSize = fc.oneof(
  fc.constantFrom("1", "2", "4", "8", "16"),
  fc.integer({ min: 1, max: 64 }).map(String),
);
const validPadding = fc.constantFrom("0", "0", "1", "2", "3", "4");
const validHelp = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ,.()]{0,30}$/);

// ---------------------------------------------------------------------------------------------
// Trees

/** Any small tree (the "wrong kind" of a field, and values of unknown keys). */
const anyNode: fc.Arbitrary<YNode> = fc.letrec<{ node: YNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(nastyText, styleArb).map(([text, style]) => str(text, style)),
    fc.tuple(intTexts, styleArb).map(([text, style]) => str(text, style)),
    fc.record({
      t: fc.constant("seq" as const),
      flow: fc.boolean(),
      items: fc.array(tie("node"), { maxLength: 3 }),
    }),
    fc.record({
      t: fc.constant("map" as const),
      flow: fc.boolean(),
      entries: fc.array(
        fc.tuple(fc.oneof(validLabelName, wildLabelName, fc.constant("<<")), tie("node")),
        { maxLength: 3 },
      ),
    }),
    fc.constantFrom(...ANCHORS).map((name): YNode => ({ t: "alias", name })),
  ),
})).node;

/** A uniform fraction in [0, 1) (fast-check's numbers lean to their bounds; chances must not). */
const chance = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);

/** How far generated trees stray from a valid config. */
interface Chaos {
  /** One in `wrongKind` fields is a node of any kind. */
  readonly wrongKind: number;
  /** One in `wildText` scalars comes from the wild pool. */
  readonly wildText: number;
  /** Chance that an optional field is present. */
  readonly optional: number;
  /** Chance that a required field is present. */
  readonly required: number;
  /** Chance that a mapping gets an unknown key. */
  readonly unknownKey: number;
  /** Chance that a mapping is anchored (`&a`), for aliases elsewhere to refer to. */
  readonly anchor: number;
  /** One in `quoted` scalars is quoted or a literal block (numbers then fail). */
  readonly quoted: number;
}

const UNKNOWN_KEYS = fc.oneof(
  fc.constantFrom("nmae", "lables", "bucket_typ", "decoder", "sizes", "Help", "<<", "name "),
  validLabelName,
);

/** Config-shaped trees whose fields stray from validity as `chaos` says. */
function configTree(chaos: Chaos): fc.Arbitrary<YNode> {
  const usually = (arb: fc.Arbitrary<YNode>): fc.Arbitrary<YNode> =>
    fc.oneof({ arbitrary: arb, weight: chaos.wrongKind - 1 }, { arbitrary: anyNode, weight: 1 });
  const text = (valid: fc.Arbitrary<string>, wild: fc.Arbitrary<string>) =>
    fc.oneof({ arbitrary: valid, weight: chaos.wildText - 1 }, { arbitrary: wild, weight: 1 });
  const style = fc.oneof(
    { arbitrary: fc.constant<Style>("plain"), weight: chaos.quoted - 1 },
    { arbitrary: fc.constantFrom<Style>("single", "double", "literal", "forced"), weight: 1 },
  );
  const scalar = (valid: fc.Arbitrary<string>, wild: fc.Arbitrary<string>) =>
    usually(fc.tuple(text(valid, wild), style).map(([t, st]) => str(t, st)));
  const list = (item: fc.Arbitrary<YNode>, minLength: number, maxLength: number) =>
    usually(
      fc.record({
        t: fc.constant("seq" as const),
        flow: fc.boolean(),
        items: fc.array(item, { minLength, maxLength }),
      }),
    );
  /** Fields: [arbitrary, required]. */
  const mapping = (fields: Record<string, [fc.Arbitrary<YNode>, boolean]>) => {
    const names = Object.keys(fields);
    return usually(
      fc.record({
        present: fc.array(chance, { minLength: names.length, maxLength: names.length }),
        values: fc.tuple(...names.map((n) => fields[n][0])),
        extra: fc.tuple(chance, UNKNOWN_KEYS, anyNode),
        order: fc.nat(),
        flow: fc.boolean(),
        anchor: fc.tuple(chance, fc.constantFrom(...ANCHORS)),
      }).map(({ present, values, extra, order, flow, anchor }): YNode => {
        const entries: YEntry[] = names.flatMap((name, i) =>
          present[i] < (fields[name][1] ? chaos.required : chaos.optional)
            ? [[name, values[i]] as YEntry]
            : []
        );
        if (extra[0] < chaos.unknownKey) {
          entries.splice(order % (entries.length + 1), 0, [extra[1], extra[2]]);
        }
        if (order % 7 === 0 && entries.length > 1) entries.reverse();
        const node: YNode = { t: "map", flow: flow && order % 3 === 0, entries };
        if (anchor[0] < chaos.anchor) node.anchor = anchor[1];
        return node;
      }),
    );
  };

  const decoderName = fc.oneof(
    { arbitrary: fc.constantFrom(...DECODER_NAMES), weight: 9 },
    { arbitrary: fc.constantFrom("strin", "unknown", "", "UINT"), weight: 1 },
  );
  const staticMap = usually(
    fc.array(
      fc.tuple(text(intTexts, nastyText), fc.tuple(text(validHelp, nastyText), styleArb)),
      { maxLength: 6 },
    ).map((pairs): YNode => ({
      t: "map",
      flow: pairs.length % 2 === 0,
      entries: pairs.map(([k, [v, style]]) => [k, str(v, style)] as YEntry),
    })),
  );
  const decoder = mapping({
    name: [scalar(decoderName, nastyText), true],
    static_map: [staticMap, false],
    allow_unknown: [scalar(boolTexts, wildBoolTexts), false],
    regexps: [list(scalar(fc.constantFrom(...REGEXPS), nastyText), 1, 3), false],
  });
  const label = mapping({
    name: [scalar(validLabelName, wildLabelName), true],
    size: [scalar(validSize, intTexts), true],
    padding: [scalar(validPadding, intTexts), false],
    decoders: [list(decoder, 1, 3), true],
  });
  const labels = list(label, 0, 4);
  const counter = mapping({
    name: [scalar(validMetricName, wildMetricName), true],
    help: [scalar(validHelp, nastyText), true],
    perf_event_array: [scalar(boolTexts, wildBoolTexts), false],
    flush_interval: [scalar(durationTexts, wildDurationTexts), false],
    labels: [labels, false],
  });
  const bucketType = fc.constantFrom("exp2", "exp2zero", "linear", "fixed");
  const histogram = mapping({
    name: [scalar(validMetricName, wildMetricName), true],
    help: [scalar(validHelp, nastyText), true],
    bucket_type: [scalar(bucketType, fc.constantFrom("exp", "", "Linear")), true],
    bucket_min: [scalar(fc.integer({ min: -4, max: 4 }).map(String), intTexts), false],
    bucket_max: [scalar(fc.integer({ min: 5, max: 40 }).map(String), intTexts), true],
    bucket_multiplier: [scalar(fc.constantFrom("1", "0.001", "1e-6", "2"), floatTexts), false],
    bucket_keys: [
      list(scalar(fc.integer({ min: 0, max: 99 }).map(String), intTexts), 1, 6),
      false,
    ],
    labels: [list(label, 1, 4), true],
  });
  const span = mapping({
    ringbuf: [scalar(validMetricName, wildMetricName), true],
    name: [scalar(validHelp, nastyText), false],
    service: [scalar(validHelp, nastyText), false],
    labels: [list(label, 1, 3), true],
  });
  return mapping({
    metrics: [
      mapping({
        counters: [list(counter, 1, 3), true],
        histograms: [list(histogram, 0, 2), false],
      }),
      true,
    ],
    tracing: [mapping({ spans: [list(span, 0, 2), true] }), false],
    kaddrs: [list(scalar(validMetricName, nastyText), 0, 3), false],
    cgroup_id_map: [
      mapping({
        name: [scalar(validMetricName, wildMetricName), true],
        type: [
          scalar(fc.constantFrom("hash", "cgrp_storage"), fc.constantFrom("array", "")),
          false,
        ],
        regexps: [list(scalar(fc.constantFrom(...REGEXPS), nastyText), 1, 2), true],
      }),
      false,
    ],
  });
}

/** Config-shaped trees that are mostly valid: deep checks (map shapes, exporter) get exercised. */
const plausibleTreeArb: fc.Arbitrary<YNode> = configTree({
  wrongKind: 400,
  wildText: 120,
  optional: 0.3,
  required: 0.995,
  unknownKey: 0.03,
  anchor: 0.01,
  quoted: 200,
});

/** Config-shaped trees where anything may be wrong. */
const wildTreeArb: fc.Arbitrary<YNode> = configTree({
  wrongKind: 12,
  wildText: 4,
  optional: 0.5,
  required: 0.85,
  unknownKey: 0.4,
  anchor: 0.2,
  quoted: 5,
});

/** Texts with extreme structure: deep nesting and merge-key bombs. */
export const extremeTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(
    fc.constantFrom("flow-seq", "flow-map", "block-map", "block-seq", "metrics-seq"),
    fc.integer({ min: 1, max: 20_000 }),
  ).map(([kind, depth]) => {
    switch (kind) {
      case "flow-seq":
        return "metrics: " + "[".repeat(depth) + "]".repeat(depth) + "\n";
      case "flow-map":
        return "metrics: " + "{a: ".repeat(depth) + "1" + "}".repeat(depth) + "\n";
      case "block-map": {
        const d = Math.min(depth, 2000);
        return Array.from({ length: d }, (_, i) => " ".repeat(i) + "a:").join("\n") + " 1\n";
      }
      case "block-seq": {
        const d = Math.min(depth, 2000);
        return "metrics:\n" + Array.from({ length: d }, (_, i) =>
          " ".repeat(i + 1) + "-").join("\n") +
          " x\n";
      }
      default:
        return "metrics:\n  counters: " + "[".repeat(depth) + "]".repeat(depth) + "\n";
    }
  }),
  fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 4 }), fc.boolean()).map(
    ([depth, width, inStaticMap]) => {
      let text = "l0: &l0 {x: 1, y: 2, help: h, name: n}\n";
      for (let i = 1; i <= depth; i++) {
        text += `l${i}: &l${i} {<<: [${Array(width).fill(`*l${i - 1}`).join(", ")}]}\n`;
      }
      if (!inStaticMap) return text + `metrics: {counters: [{<<: *l${depth}}]}\n`;
      return text +
        `metrics: {counters: [{name: c, help: h, labels: [{name: x, size: 1, decoders: [{name: static_map, static_map: {<<: *l${depth}}}]}]}]}\n`;
    },
  ),
  fc.tuple(fc.constantFrom("aliases", "static_map"), fc.integer({ min: 1, max: 40_000 })).map(
    ([kind, n]) => {
      if (kind === "aliases") {
        // Thousands of aliases (each resolved by walking the whole document, once).
        const counters = Array.from(
          { length: Math.min(n, 3000) },
          (_, i) => `    - {name: c${i}, help: *h, labels: [{name: a, size: 4, decoders: *d}]}\n`,
        );
        return "h: &h Help\nd: &d [{name: uint}]\nmetrics:\n  counters:\n" + counters.join("");
      }
      // A huge static_map with repeated keys (each once compared with every key before it).
      const entries = Array.from({ length: n }, (_, i) => `    k${i % 30_000}: v${i}\n`);
      return "m: &m\n" + entries.join("") +
        "metrics: {counters: [{name: c, help: h, labels: [{name: x, size: 1, decoders: [{name: static_map, static_map: *m}]}]}]}\n";
    },
  ),
  fc.tuple(fc.constantFrom("help", "name", "static"), fc.integer({ min: 1, max: 1 << 20 })).map(
    ([where, n]) => {
      const big = "x".repeat(n);
      if (where === "help") return `metrics: {counters: [{name: c, help: ${big}}]}\n`;
      if (where === "name") return `metrics: {counters: [{name: ${big}, help: h}]}\n`;
      return `metrics: {counters: [{name: c, help: h, labels: [{name: x, size: 1, decoders: [{name: static_map, static_map: {${big}: ${big}}}]}]}]}\n`;
    },
  ),
);

/** A generated config document: a tree written out, then maybe roughed up. */
export const configTextArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: plausibleTreeArb.map(emitDocument), weight: 4 },
  { arbitrary: wildTreeArb.map(emitDocument), weight: 3 },
  {
    arbitrary: fc.tuple(
      fc.oneof(plausibleTreeArb, wildTreeArb),
      fc.array(noiseArb, { minLength: 1, maxLength: 4 }),
    ).map(([tree, noise]) => applyNoise(emitDocument(tree), noise)),
    weight: 3,
  },
  { arbitrary: anyNode.map(emitDocument), weight: 1 },
);
