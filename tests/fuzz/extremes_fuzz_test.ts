/**
 * Fuzz: the extremes of label decoding.
 *
 * - Invalid UTF-8: `bytesToLabelText` against an independent oracle (strict decoding one
 *   sequence at a time): valid sequences kept, every other byte `\xNN`; the same through `string`,
 *   `dname` and text-taking decoders.
 * - Regexps: config patterns run on a linear-time engine (src/decoders/regexp.ts). Its results
 *   equal JavaScript's RegExp on patterns both read alike (differential), and patterns built to
 *   backtrack catastrophically (nested and overlapping repeats) finish in bounded time on inputs
 *   longer than any map key (the largest hash key is 512 bytes; `hex` doubles it).
 * - Huge label values: 1 MiB keys through `string`, `hex`, `dname`, `regexp` and `static_map`,
 *   scraped and encoded: valid exposition, both encoders equal, in bounded time.
 *
 * Seed and runs: fuzz_options.ts.
 * @module
 */

import assert from "#assert";
import fc from "fast-check";
import { MemoryLoadedConfig } from "../../src/bpf/loaded_config.ts";
import type { Config, DecoderConfig } from "../../src/config/types.ts";
import { createDecoderStep } from "../../src/decoders/registry.ts";
import { compilePattern } from "../../src/decoders/regexp.ts";
import { bytesToLabelText } from "../../src/decoders/utf8.ts";
import { Exporter } from "../../src/exporter.ts";
import { encodeText } from "../../src/exposition/text.ts";
import { textByteChunks } from "../../src/exposition/text_bytes.ts";
import { MemoryMapSource } from "../../src/maps/memory_source.ts";
import { TEST_ENV } from "../../src/metrics/test_env.ts";
import { checkExposition } from "./exposition_check.ts";
import { checkProperty } from "./fuzz_options.ts";

// ---------------------------------------------------------------------------------------------
// Invalid UTF-8

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The oracle: at each byte, the one sequence length (1-4) that strictly decodes, else `\xNN`. */
function oracleLabelText(bytes: Uint8Array): string {
  let out = "";
  for (let at = 0; at < bytes.length;) {
    let taken = 0;
    for (let len = 1; len <= 4 && at + len <= bytes.length && taken === 0; len++) {
      try {
        const text = strict.decode(bytes.subarray(at, at + len));
        if ([...text].length === 1) {
          out += text;
          taken = len;
        }
      } catch {
        // not a whole sequence of this length
      }
    }
    if (taken === 0) {
      out += `\\x${bytes[at].toString(16).padStart(2, "0")}`;
      taken = 1;
    }
    at += taken;
  }
  return out;
}

/** Bytes that are mostly UTF-8 with broken, overlong, surrogate, BOM and truncated sequences. */
const mixedBytes = fc.array(
  fc.oneof(
    fc.string({ unit: "binary", maxLength: 3 }).map((s) => [...new TextEncoder().encode(s)]),
    fc.constantFrom(
      [0xff],
      [0xfe],
      [0x80],
      [0xc3],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf0, 0x9f, 0x98],
      [0xef, 0xbb, 0xbf],
      [0x5c, 0x78, 0x66, 0x66], // the text \xff itself
      [0],
    ),
    fc.integer({ min: 0, max: 255 }).map((b) => [b]),
  ),
  { maxLength: 12 },
).map((parts) => Uint8Array.from(parts.flat()));

const NO_CONFIG: DecoderConfig = { name: "" };
const step = (config: DecoderConfig) => createDecoderStep(config, TEST_ENV);

Deno.test("fuzz: invalid UTF-8 comes out as \\xNN, valid text unchanged", () => {
  const string = step({ ...NO_CONFIG, name: "string" });
  const dname = step({ ...NO_CONFIG, name: "dname" });
  const passThrough = step({ name: "static_map", staticMap: new Map(), allowUnknown: true });
  const wholeMatch = step({ name: "regexp", regexps: ["^(?s:.*)$"] });
  checkProperty(
    "invalid UTF-8",
    1000,
    fc.property(mixedBytes, (bytes) => {
      const want = oracleLabelText(bytes);
      assert.equal(bytesToLabelText(bytes), want);
      assert.ok(want.isWellFormed());
      const nul = bytes.indexOf(0);
      assert.equal(string(bytes), oracleLabelText(nul < 0 ? bytes : bytes.subarray(0, nul)));
      assert.equal(passThrough(bytes), want);
      assert.equal(wholeMatch(bytes), want);
      // dname: a length byte then that many bytes is "the bytes" (or "." + ... for more labels).
      const wire = Uint8Array.from([bytes.length, ...bytes]);
      if (bytes.length < 64) assert.equal(dname(wire), want);
      assert.ok((dname(bytes) as string).isWellFormed());
    }),
  );
});

// ---------------------------------------------------------------------------------------------
// Regexps: the same answers as JavaScript where both read a pattern alike

interface Piece {
  readonly src: string;
  /** Whether it can match the empty string. */
  readonly nullable: boolean;
}

const QUANTIFIERS: readonly (readonly [string, boolean])[] = [
  ["", false],
  ["", false],
  ["*", true],
  ["+", false],
  ["?", true],
  ["*?", true],
  ["+?", false],
  ["??", true],
  ["{2}", false],
  ["{1,3}", false],
  ["{0,2}?", true],
  ["{2,}", false],
];

/**
 * Patterns in the common ground of Go's and JavaScript's syntax and semantics. Repeats apply only
 * to what cannot match the empty string: there JavaScript has its own rule (an optional iteration
 * that matches nothing fails), where Go, like Perl, lets it match.
 */
const commonPattern: fc.Arbitrary<string> = fc.letrec<{ alt: Piece; cat: Piece; atom: Piece }>((
  tie,
) => ({
  alt: fc.array(tie("cat"), { minLength: 1, maxLength: 3, depthIdentifier: "regexp" }).map((
    items,
  ) => ({
    src: items.map((i) => i.src).join("|"),
    nullable: items.some((i) => i.nullable),
  })),
  cat: fc.array(
    fc.tuple(tie("atom"), fc.constantFrom(...QUANTIFIERS)).map(([atom, [q, optional]]) =>
      atom.nullable ? atom : { src: atom.src + q, nullable: optional }
    ),
    { minLength: 1, maxLength: 4, depthIdentifier: "regexp" },
  ).map((items) => ({
    src: items.map((i) => i.src).join(""),
    nullable: items.every((i) => i.nullable),
  })),
  atom: fc.oneof(
    { maxDepth: 3, depthIdentifier: "regexp", withCrossShrink: true },
    fc.constantFrom("a", "b", "c", ".", "[ab]", "[^a]", "[a-c]", "\\d", "\\w", "-", "\\.", "1")
      .map((src) => ({ src, nullable: false })),
    tie("alt").map((alt) => ({ src: `(?:${alt.src})`, nullable: alt.nullable })),
  ),
})).alt.chain((body) =>
  fc.tuple(fc.constantFrom("", "^"), fc.constantFrom("", "$", "\\b")).map(([pre, post]) =>
    pre + body.src + post
  )
);

const commonInput = fc.string({
  unit: fc.constantFrom("a", "b", "c", "1", "_", " ", "-", ".", "\n", "\u00e9"),
  maxLength: 12,
});

Deno.test("fuzz: regexp results equal JavaScript's RegExp where the syntaxes agree", () => {
  checkProperty(
    "regexp vs RegExp",
    1500,
    fc.property(
      commonPattern,
      fc.boolean(),
      fc.array(commonInput, { minLength: 1, maxLength: 6 }),
      (pattern, fold, inputs) => {
        // One capture group around everything: the output is the whole match in both engines.
        const ours = compilePattern((fold ? "(?i)" : "") + `(${pattern})`);
        const theirs = new RegExp(`(${pattern})`, fold ? "iu" : "u");
        for (const input of inputs) {
          const m = theirs.exec(input);
          assert.equal(
            ours.match(input),
            m === null ? null : m[1],
            `${pattern} on ${JSON.stringify(input)}`,
          );
        }
      },
    ),
  );
});

// ---------------------------------------------------------------------------------------------
// Regexps: no pattern is slow

/** Pieces that make backtracking engines explode: nested and overlapping repeats. */
const dangerousPattern: fc.Arbitrary<string> = fc.array(
  fc.constantFrom(
    "(a+)+",
    "(a|a)*",
    "(a|aa)+",
    "(.*a){8}",
    "(\\w+\\s?)*",
    "(?:a*)*",
    "(a?){30}",
    "a*a*a*a*a*",
    ".*.*.*=",
    "(x+x+)+y",
    "([a-z]+)*",
    "(?:(?:a|b)*c)*",
    "(\\d+|\\w+)*",
    "(?i)(A|a)+",
  ),
  { minLength: 1, maxLength: 3 },
).chain((parts) =>
  fc.tuple(fc.constantFrom("", "^"), fc.constantFrom("", "$", "!", "b$")).map(([pre, post]) =>
    pre + parts.join("") + post
  )
);

/** Inputs that make them explode: long runs that almost match. */
const dangerousInput = fc.tuple(
  fc.constantFrom("a", "ab", "x", "1a", "a ", "aaaa=", "\u00e9"),
  fc.oneof(fc.integer({ min: 1, max: 1024 }), fc.constantFrom(511, 1024, 4096)),
  fc.constantFrom("", "!", "b", "\n", "=", "y"),
).map(([unit, n, tail]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n) + tail);

/** Longest one match may take; JavaScript's RegExp takes hours on these. */
const MATCH_BUDGET_MS = 1000;

Deno.test("fuzz: catastrophic-backtracking patterns finish in linear time", () => {
  let slowest = 0;
  checkProperty(
    "regexp time",
    300,
    fc.property(dangerousPattern, dangerousInput, (pattern, input) => {
      const decode = step({ name: "regexp", regexps: [pattern] });
      const started = performance.now();
      decode(input);
      const elapsed = performance.now() - started;
      slowest = Math.max(slowest, elapsed);
      assert.ok(elapsed < MATCH_BUDGET_MS, `${pattern} on ${input.length} chars: ${elapsed} ms`);
    }),
  );
  console.log(
    `slowest dangerous regexp match: ${slowest.toFixed(1)} ms (budget ${MATCH_BUDGET_MS})`,
  );
});

// ---------------------------------------------------------------------------------------------
// Huge label values

const MIB = 1 << 20;

const hugeChain: fc.Arbitrary<DecoderConfig[]> = fc.constantFrom<DecoderConfig[]>(
  [{ name: "string" }],
  [{ name: "hex" }],
  [{ name: "dname" }],
  [{ name: "string" }, { name: "regexp", regexps: ["^(.*)$"] }],
  [{ name: "string" }, { name: "regexp", regexps: ["(a|a)*$", "([a-z]+)\\.service$", "."] }],
  [{ name: "string" }, {
    name: "static_map",
    staticMap: new Map([["a", "b"]]),
    allowUnknown: true,
  }],
  [{ name: "string" }, { name: "dname" }],
);

/** 1 MiB of text, of invalid UTF-8, of quotes and backslashes, or of zeros. */
const hugeKey = fc.tuple(
  fc.constantFrom("text", "bytes", "escapes", "zeros", "a-run"),
  fc.integer({ min: 0, max: 0xffffffff }),
).map(([kind, seed]) => {
  const key = new Uint8Array(MIB);
  let state = seed | 1;
  const random = () => (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = 0; i < MIB; i++) {
    switch (kind) {
      case "text":
        key[i] = 0x61 + (random() % 26);
        break;
      case "bytes":
        key[i] = random() | 1; // no NUL: the whole MiB is the label
        break;
      case "escapes":
        key[i] = [0x22, 0x5c, 0x0a, 0x61, 0xc3, 0xa9][random() % 6];
        break;
      case "a-run":
        key[i] = 0x61;
        break;
    }
  }
  return key;
});

/** Longest a 1 MiB scrape (decode, collect, both encodings) may take. */
const HUGE_BUDGET_MS = 8000;

Deno.test("fuzz: 1 MiB label values decode, scrape and encode", () => {
  let slowest = 0;
  checkProperty(
    "huge labels",
    6,
    fc.property(hugeChain, hugeKey, (decoders, key) => {
      const config: Config = {
        name: "huge",
        yamlPath: "huge.yaml",
        objectPath: "huge.bpf.o",
        counters: [{
          name: "big_total",
          help: "1 MiB labels",
          perfEventArray: false,
          flushIntervalMs: 3_600_000,
          labels: [{ name: "value", size: MIB, padding: 0, decoders }],
        }],
        histograms: [],
        spans: [],
        kaddrs: [],
      };
      const source = new MemoryMapSource({ name: "big_total", keySize: MIB }).set(
        key,
        2n ** 64n - 1n,
      );
      const started = performance.now();
      const exporter = new Exporter(
        [new MemoryLoadedConfig(config, new Map([["big_total", source]]))],
        TEST_ENV,
      );
      const families = exporter.collect();
      const text = encodeText(families);
      const chunks = [...textByteChunks(families)];
      const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) bytes.set(c, (at += c.length) - c.length);
      const elapsed = performance.now() - started;
      slowest = Math.max(slowest, elapsed);
      assert.deepEqual(bytes, new TextEncoder().encode(text));
      const parsed = checkExposition(bytes);
      const series = parsed.get("ebpf_exporter_big_total")?.samples ?? [];
      assert.ok(series.length <= 1);
      if (decoders.length === 1 && decoders[0].name === "string") {
        assert.equal(
          series[0].labels[0][1],
          oracleLabelText(key.subarray(0, key.indexOf(0) < 0 ? MIB : key.indexOf(0))),
        );
      }
      assert.ok(elapsed < HUGE_BUDGET_MS, `${JSON.stringify(decoders)}: ${elapsed.toFixed(0)} ms`);
    }),
  );
  console.log(`slowest 1 MiB scrape: ${slowest.toFixed(0)} ms (budget ${HUGE_BUDGET_MS})`);
});
