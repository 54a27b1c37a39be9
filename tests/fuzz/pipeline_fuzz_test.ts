/**
 * Fuzz: random key bytes and values through the whole scrape pipeline.
 *
 * For random valid configs (counters and histograms whose labels have random sizes, paddings and
 * decoder chains over every decoder, `cpu` labels on per-CPU maps, static_map and regexp steps),
 * random in-memory maps (keys of random bytes, text, invalid UTF-8, known addresses and ids; keys
 * that are too short for the labels; u64 values up to 2^64-1; 1 to 4 CPUs) are scraped twice by an
 * {@link Exporter} over a {@link MemoryLoadedConfig} with {@link TEST_ENV}, the map changing in
 * between. Properties (seed and runs: fuzz_options.ts):
 * - no exception escapes a collector (the exporter would only log it) nor the encoders, nor
 *   the `/maps` dump;
 * - the output is valid text exposition (exposition_check.ts), valid UTF-8;
 * - every key that fails to decode is counted in `ebpf_exporter_decoder_errors_total`: the count
 *   equals an independent walk of the maps (compat.md §6 for the CPU expansion) that decodes each
 *   key, and every such failure is a DecodeError, never a TypeError or RangeError;
 * - the byte encoder writes exactly the bytes of the string encoder, for any chunk size.
 * @module
 */

import assert from "#assert";
import fc from "fast-check";
import { MemoryLoadedConfig } from "../../src/bpf/loaded_config.ts";
import { checkConfigMaps, labelsKeySize } from "../../src/config/check_maps.ts";
import { parseConfig } from "../../src/config/parse.ts";
import type {
  Config,
  CounterConfig,
  DecoderConfig,
  HistogramConfig,
  LabelConfig,
} from "../../src/config/types.ts";
import { DecodeError } from "../../src/decoders/decoder.ts";
import { KeyDecoder } from "../../src/decoders/key_decoder.ts";
import { Exporter } from "../../src/exporter.ts";
import { encodeText, textChunks } from "../../src/exposition/text.ts";
import { textByteChunks } from "../../src/exposition/text_bytes.ts";
import { MemoryMapSource } from "../../src/maps/memory_source.ts";
import { isPerCpuMapType, MapType } from "../../src/maps/source.ts";
import type { MetricFamily } from "../../src/metrics/family.ts";
import { TEST_ENV } from "../../src/metrics/test_env.ts";
import { checkExposition, sampleValue } from "./exposition_check.ts";
import { checkProperty } from "./fuzz_options.ts";
import { DECODER_NAMES } from "./yaml_gen.ts";

const CONFIG = "fz";

// ---------------------------------------------------------------------------------------------
// Configs

/** Label values that are hard on the encoders: quotes, backslashes, newlines, odd Unicode. */
const nastyValue = fc.oneof(
  fc.constantFrom(
    "",
    '"',
    "\\",
    "\n",
    'a"b\\c\nd',
    "\u0000",
    "\u00e9",
    "\uD800",
    "\uFFFD",
    "{}",
    "x=y,z",
  ),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 6 }),
);

const staticMapStep: fc.Arbitrary<DecoderConfig> = fc.record({
  keys: fc.uniqueArray(
    fc.oneof(
      fc.constantFrom(
        "0",
        "1",
        "2",
        "3",
        "7",
        "255",
        "65535",
        "",
        "lo",
        "do_sys_open",
        "0a",
        "vda",
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 6 },
  ),
  values: fc.array(nastyValue, { minLength: 6, maxLength: 6 }),
  allowUnknown: fc.boolean(),
}).map(({ keys, values, allowUnknown }) => ({
  name: "static_map",
  staticMap: new Map(keys.map((k, i) => [k, values[i]])),
  allowUnknown,
}));

/** Patterns that run in linear time whatever the engine; slow ones are extremes_fuzz_test.ts's. */
const PATTERNS = [
  "^(.*)$",
  "^([a-z]+)",
  "[0-9]+",
  "^$",
  "(?i)^SSH",
  "\\Ado",
  "(x)|(y)",
  "^.{0,3}",
  "(?P<unit>\\w+)\\.service",
  "\u00e9+",
  "[]a]+",
  ".",
  "\\n",
  "(a)?b",
  "\\x00",
];

const regexpStep: fc.Arbitrary<DecoderConfig> = fc.array(fc.constantFrom(...PATTERNS), {
  minLength: 1,
  maxLength: 3,
}).map((regexps) => ({ name: "regexp", regexps }));

const step = (name: string): fc.Arbitrary<DecoderConfig> =>
  name === "static_map" ? staticMapStep : name === "regexp" ? regexpStep : fc.constant({ name });

/** Chains that make sense, with the sizes they are meant for (often decode fine). */
const CHAINS: readonly (readonly [readonly string[], readonly number[]])[] = [
  [["uint"], [1, 2, 4, 8]],
  [["uint", "syscall"], [2, 4, 8]],
  [["uint", "errno"], [1, 4, 8]],
  [["uint", "cgroup"], [8]],
  [["uint", "static_map"], [1, 2, 4]],
  [["uint", "pci_vendor"], [2, 4]],
  [["uint", "pci_device"], [4]],
  [["uint", "pci_class"], [1]],
  [["uint", "pci_subclass"], [2]],
  [["uint", "regexp"], [4, 8]],
  [["string"], [1, 4, 16, 33]],
  [["string", "regexp"], [8, 16]],
  [["string", "static_map"], [4, 8]],
  [["string", "dname"], [16]],
  [["hex"], [1, 3, 6]],
  [["hex", "static_map"], [1]],
  [["inet_ip"], [4, 16]],
  [["dname"], [8, 20]],
  [["ksym"], [8]],
  [["kstack"], [8, 16, 32]],
  [["majorminor"], [4]],
  [["ifname"], [4]],
];

/** A decoder chain and the label size it gets: a sensible chain or random steps and sizes. */
const chainArb: fc.Arbitrary<{ decoders: DecoderConfig[]; size: number }> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(...CHAINS).chain(([names, sizes]) =>
      fc.record({
        decoders: fc.tuple(...names.map(step)),
        size: fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom(...sizes) },
          { weight: 1, arbitrary: fc.integer({ min: 1, max: 24 }) },
        ),
      })
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      decoders: fc.array(fc.constantFrom(...DECODER_NAMES).chain(step), {
        minLength: 1,
        maxLength: 3,
      }),
      size: fc.integer({ min: 1, max: 24 }),
    }),
  },
);

const labelName = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/).filter((n) =>
  n !== "cpu" && n !== "le" && n !== "bucket"
);

/** Labels with unique names; a `cpu` label (u16, uint) where per-CPU splitting looks for it. */
function labelsArb(count: { min: number; max: number }, cpuAt: "last" | "before-last" | "none") {
  return fc.record({
    names: fc.uniqueArray(labelName, { minLength: count.min, maxLength: count.max }),
    chains: fc.array(chainArb, { minLength: count.max, maxLength: count.max }),
    paddings: fc.array(fc.constantFrom(0, 0, 0, 1, 3, 4), {
      minLength: count.max,
      maxLength: count.max,
    }),
  }).map(({ names, chains, paddings }): LabelConfig[] => {
    const labels: LabelConfig[] = names.map((name, i) => ({
      name,
      size: chains[i].size,
      padding: paddings[i],
      decoders: chains[i].decoders,
    }));
    const cpu: LabelConfig = { name: "cpu", size: 2, padding: 0, decoders: [{ name: "uint" }] };
    if (cpuAt === "last") labels.push(cpu);
    if (cpuAt === "before-last" && labels.length > 0) labels.splice(labels.length - 1, 0, cpu);
    return labels;
  });
}

const counterArb: fc.Arbitrary<Omit<CounterConfig, "name">> = fc.constantFrom(
  "last",
  "none",
  "none",
)
  .chain((cpuAt) => labelsArb({ min: 0, max: 3 }, cpuAt as "last" | "none"))
  .map((labels) => ({
    help: "fuzzed counter",
    perfEventArray: false,
    flushIntervalMs: 3_600_000,
    labels,
  }));

const bucketLabel: fc.Arbitrary<LabelConfig> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(1, 2, 4, 8).map((size) => ({ size, decoders: [{ name: "uint" }] })),
  },
  { weight: 1, arbitrary: chainArb },
).map(({ size, decoders }) => ({ name: "bucket", size, padding: 0, decoders }));

const histogramArb: fc.Arbitrary<Omit<HistogramConfig, "name">> = fc.record({
  layout: fc.oneof(
    fc.record({
      bucketType: fc.constantFrom("exp2" as const, "exp2zero" as const, "linear" as const),
      bucketMin: fc.integer({ min: -3, max: 5 }),
      span: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constantFrom(100, 1100)),
    }).map(({ bucketType, bucketMin, span }) => ({
      bucketType,
      bucketMin,
      bucketMax: bucketMin + span,
      bucketKeys: [] as number[],
    })),
    fc.uniqueArray(fc.integer({ min: -5, max: 300 }), { minLength: 1, maxLength: 8 }).map(
      (keys) => {
        const sorted = keys.sort((a, b) => a - b);
        return {
          bucketType: "fixed" as const,
          bucketMin: sorted[0],
          bucketMax: sorted[sorted.length - 1],
          bucketKeys: sorted,
        };
      },
    ),
  ),
  bucketMultiplier: fc.constantFrom(1, 1, 0.001, 1e-6, 2.5, 1e300, 5e-324),
  cpuAt: fc.constantFrom("before-last" as const, "none" as const, "none" as const),
}).chain(({ layout, bucketMultiplier, cpuAt }) =>
  fc.tuple(labelsArb({ min: 0, max: 2 }, "none"), bucketLabel).map(([labels, bucket]) => {
    const all = [...labels];
    if (cpuAt === "before-last") {
      all.push({ name: "cpu", size: 2, padding: 0, decoders: [{ name: "uint" }] });
    }
    all.push(bucket);
    return { help: "fuzzed histogram", ...layout, bucketMultiplier, labels: all };
  })
);

const configArb: fc.Arbitrary<Config> = fc.record({
  counters: fc.array(counterArb, { maxLength: 3 }),
  histograms: fc.array(histogramArb, { maxLength: 2 }),
}).filter(({ counters, histograms }) => counters.length + histograms.length > 0).map((
  { counters, histograms },
) => ({
  name: CONFIG,
  yamlPath: `${CONFIG}.yaml`,
  objectPath: `${CONFIG}.bpf.o`,
  counters: counters.map((c, i) => ({ ...c, name: `c${i}_total` })),
  histograms: histograms.map((h, i) => ({ ...h, name: `h${i}_seconds` })),
  spans: [],
  kaddrs: [],
}));

/** `config` as the YAML a user would write (strings double-quoted: JSON is YAML). */
function toYaml(config: Config): string {
  const q = (text: string) => JSON.stringify(text);
  const out: string[] = ["metrics:"];
  const labels = (list: readonly LabelConfig[]) => {
    out.push("      labels:");
    for (const label of list) {
      out.push(`        - name: ${label.name}`, `          size: ${label.size}`);
      out.push(`          padding: ${label.padding}`, "          decoders:");
      for (const d of label.decoders) {
        out.push(`            - name: ${d.name}`);
        if (d.staticMap) {
          out.push(`              allow_unknown: ${d.allowUnknown}`, "              static_map:");
          if (d.staticMap.size === 0) out[out.length - 1] += " {}";
          for (const [k, v] of d.staticMap) out.push(`                ${q(k)}: ${q(v)}`);
        }
        if (d.regexps) out.push(`              regexps: [${d.regexps.map(q).join(", ")}]`);
      }
    }
  };
  if (config.counters.length > 0) out.push("  counters:");
  for (const c of config.counters) {
    out.push(`    - name: ${c.name}`, `      help: ${q(c.help)}`);
    if (c.labels.length > 0) labels(c.labels);
  }
  if (config.histograms.length > 0) out.push("  histograms:");
  for (const h of config.histograms) {
    out.push(
      `    - name: ${h.name}`,
      `      help: ${q(h.help)}`,
      `      bucket_type: ${h.bucketType}`,
    );
    out.push(`      bucket_multiplier: ${h.bucketMultiplier}`);
    if (h.bucketType === "fixed") out.push(`      bucket_keys: [${h.bucketKeys.join(", ")}]`);
    else out.push(`      bucket_min: ${h.bucketMin}`, `      bucket_max: ${h.bucketMax}`);
    labels(h.labels);
  }
  return out.join("\n") + "\n";
}

/**
 * The generated config through the loader: it must load as generated (so it is valid), unless
 * its bucket bounds overflow or collide, which the loader refuses (then the case is skipped).
 */
function loadGenerated(config: Config): Config | undefined {
  let loaded: Config;
  try {
    loaded = parseConfig(CONFIG, config.yamlPath, config.objectPath, toYaml(config)).config;
  } catch (error) {
    if ((error as Error).message.includes("expected finite, increasing bucket bounds")) {
      return undefined;
    }
    throw error;
  }
  const strip = (c: Config) => ({
    ...c,
    counters: c.counters.map(({ line: _, ...rest }) => rest),
    histograms: c.histograms.map(({ line: _, ...rest }) => rest),
  });
  assert.deepEqual(strip(loaded), strip(config), "the loader read the config differently");
  return loaded;
}

// ---------------------------------------------------------------------------------------------
// Maps

const KSYM = 0xffffffff81000000n;

/** Bytes for one label's slice of a key (cut or zero-padded to `size`). */
function fieldArb(size: number): fc.Arbitrary<Uint8Array> {
  const le = (value: bigint) => {
    const out = new Uint8Array(size);
    for (let i = 0; i < Math.min(size, 8); i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    return out;
  };
  const fit = (bytes: Uint8Array) => {
    const out = new Uint8Array(size);
    out.set(bytes.subarray(0, size));
    return out;
  };
  const encoder = new TextEncoder();
  return fc.oneof(
    fc.uint8Array({ minLength: size, maxLength: size }),
    fc.constant(new Uint8Array(size)),
    fc.oneof(
      fc.bigInt({ min: 0n, max: 300n }),
      fc.constantFrom(1n, 2n, 4242n, 254n << 8n, 0x8086n, 0x80861000n, 0x0200n, KSYM, KSYM + 5n),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    ).map(le),
    fc.string({ maxLength: size }).map((s) => fit(encoder.encode(s))),
    fc.array(
      fc.constantFrom(
        [0xff],
        [0xc3],
        [0xc3, 0xa9],
        [0xed, 0xa0, 0x80],
        [0xc0, 0xaf],
        [0xf4, 0x90, 0x80, 0x80],
        [0x61],
        [0],
        [3, 0x63, 0x6f, 0x6d],
      ),
      { maxLength: size },
    ).map((parts) => fit(Uint8Array.from(parts.flat()))),
  );
}

const VALUES = [0n, 1n, 2n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
const valueArb = fc.oneof(fc.constantFrom(...VALUES), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));

interface MapPlan {
  readonly source: MemoryMapSource;
  readonly labels: readonly LabelConfig[];
  readonly kind: "counter" | "histogram";
}

/** The key size `checkConfigMaps` wants: the labels' bytes, less a `cpu` label on per-CPU maps. */
function fittingKeySize(
  labels: readonly LabelConfig[],
  type: number,
  kind: "counter" | "histogram",
) {
  const cpuIndex = kind === "counter" ? labels.length - 1 : labels.length - 2;
  const keyLabels = isPerCpuMapType(type) && cpuIndex >= 0 && labels[cpuIndex].name === "cpu"
    ? labels.filter((_, i) => i !== cpuIndex)
    : labels;
  return keyLabels.length === 0 ? 4 : labelsKeySize(keyLabels);
}

/** A map for one metric, filled with `entries` random keys (built label by label). */
function makeMap(
  g: fc.GeneratorValue,
  name: string,
  labels: readonly LabelConfig[],
  kind: "counter" | "histogram",
): { plan: MapPlan; fits: boolean } {
  const hasCpu = labels.some((l) => l.name === "cpu");
  const type = hasCpu && g(fc.integer, { min: 0, max: 4 }) > 0
    ? g(fc.constantFrom, MapType.PERCPU_HASH, MapType.PERCPU_ARRAY, MapType.LRU_PERCPU_HASH)
    : g(
      fc.constantFrom,
      MapType.HASH,
      MapType.ARRAY,
      MapType.LRU_HASH,
      MapType.PERCPU_HASH,
      MapType.PERCPU_ARRAY,
      MapType.LRU_PERCPU_HASH,
    );
  const fitting = fittingKeySize(labels, type, kind);
  const fits = g(fc.integer, { min: 0, max: 9 }) > 0;
  const keySize = fits ? fitting : g(fc.integer, { min: 0, max: fitting + 9 });
  const cpus = g(fc.integer, { min: 1, max: 4 });
  const source = new MemoryMapSource({ name, type, keySize, cpus });
  addEntries(g, source, labels, g(fc.integer, { min: 0, max: 24 }));
  return { plan: { source, labels, kind }, fits: keySize === fitting };
}

/** Adds `count` keys to `source`: per label random field bytes, then cut or padded to size. */
function addEntries(
  g: fc.GeneratorValue,
  source: MemoryMapSource,
  labels: readonly LabelConfig[],
  count: number,
): void {
  for (let n = 0; n < count; n++) {
    const parts: number[] = [];
    for (const label of labels) {
      parts.push(...g(fieldArb, label.size), ...new Uint8Array(label.padding));
    }
    const key = new Uint8Array(source.keySize);
    if (labels.length === 0 || g(fc.integer, { min: 0, max: 5 }) === 0) {
      // No labels read key 0; other keys are skipped. Now and then any bytes at all.
      if (g(fc.boolean)) {
        key.set(g(fc.uint8Array, { minLength: key.length, maxLength: key.length }));
      }
    } else {
      key.set(parts.slice(0, key.length));
    }
    const values = g(fc.array, valueArb, { minLength: source.cpus, maxLength: source.cpus });
    source.set(key, ...values);
  }
}

// ---------------------------------------------------------------------------------------------
// The oracle: which keys fail to decode, walked independently of the collectors

/**
 * Decode failures one scrape of `plan` counts: every key (every CPU's key when a `cpu` label
 * takes the CPU index, compat.md §6) whose labels throw. Only DecodeErrors may be thrown.
 */
function expectedFailures(plan: MapPlan): number {
  const { source, labels, kind } = plan;
  const decoder = new KeyDecoder(labels, TEST_ENV);
  const cpuIndex = kind === "counter" ? labels.length - 1 : labels.length - 2;
  const cpuLabel = isPerCpuMapType(source.type) && cpuIndex >= 0 && labels[cpuIndex].name === "cpu";
  const loneCpu = cpuLabel && labels.length === 1 && source.keySize === 4;
  const cpuOffset = labels.slice(0, Math.max(cpuIndex, 0)).reduce(
    (n, l) => n + l.size + l.padding,
    0,
  );
  const cpuBytes = cpuLabel ? labels[cpuIndex].size + labels[cpuIndex].padding : 0;
  const split = loneCpu || (cpuLabel && labelsKeySize(labels) === source.keySize + cpuBytes);
  const keyZeroOnly = labels.length === 0 || loneCpu;
  const entries = source.read();
  let failures = 0;
  const attempt = (key: Uint8Array) => {
    try {
      decoder.decode(key);
    } catch (error) {
      if (!(error instanceof DecodeError)) {
        throw new Error(`decoding ${Array.from(key)} threw ${(error as Error).name}`, {
          cause: error,
        });
      }
      failures++;
    }
  };
  for (let i = 0; i < entries.count; i++) {
    const key = entries.keys.slice(i * source.keySize, (i + 1) * source.keySize);
    if (keyZeroOnly && key.some((b) => b !== 0)) continue;
    if (labels.length === 0) continue;
    if (!split) {
      attempt(key);
      continue;
    }
    for (let cpu = 0; cpu < source.cpus; cpu++) {
      const cpuField = new Uint8Array(cpuBytes);
      cpuField[0] = cpu & 0xff;
      cpuField[1] = cpu >> 8;
      if (loneCpu) {
        attempt(cpuField);
        continue;
      }
      const extended = new Uint8Array(source.keySize + cpuBytes);
      extended.set(key.subarray(0, cpuOffset), 0);
      extended.set(cpuField, cpuOffset);
      extended.set(key.subarray(cpuOffset), cpuOffset + cpuBytes);
      attempt(extended);
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------
// One case

const utf8 = new TextEncoder();

function concat(chunks: Iterable<Uint8Array>): Uint8Array {
  const parts = [...chunks];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    assert.ok(p.length > 0, "an empty chunk");
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Runs `fn` with stderr captured; returns what it wrote (the exporter logs swallowed errors). */
function captureStderr<T>(fn: () => T): [T, string] {
  const stderr = Deno.stderr as { writeSync(p: Uint8Array): number };
  const original = stderr.writeSync;
  let written = "";
  stderr.writeSync = (p: Uint8Array) => {
    written += new TextDecoder().decode(p);
    return p.length;
  };
  try {
    return [fn(), written];
  } finally {
    stderr.writeSync = original;
  }
}

/** Encodes `families` both ways and checks the bytes are equal and valid exposition. */
function encodeAndCheck(families: MetricFamily[], chunkSize: number) {
  const text = encodeText(families);
  const viaText = utf8.encode(text);
  const viaBytes = concat(textByteChunks(families, chunkSize));
  assert.deepEqual(viaBytes, viaText, "byte encoder and string encoder differ");
  assert.equal([...textChunks(families, chunkSize)].join(""), text);
  return checkExposition(viaBytes);
}

function scrape(exporter: Exporter, chunkSize: number) {
  const [families, log] = captureStderr(() => exporter.collect());
  assert.equal(log, "", `the exporter logged during a scrape: ${log.slice(0, 500)}`);
  return encodeAndCheck(families, chunkSize);
}

function checkPipeline(generated: Config, g: fc.GeneratorValue): void {
  const config = loadGenerated(generated);
  fc.pre(config !== undefined);
  const plans: MapPlan[] = [];
  const shapes = new Map<string, { type: number; keySize: number; valueSize: number }>();
  let allFit = true;
  for (const c of config.counters) {
    const { plan, fits } = makeMap(g, c.name, c.labels, "counter");
    plans.push(plan);
    allFit &&= fits;
  }
  for (const h of config.histograms) {
    const { plan, fits } = makeMap(g, h.name, h.labels, "histogram");
    plans.push(plan);
    allFit &&= fits;
  }
  for (const { source } of plans) {
    shapes.set(source.name, { type: source.type, keySize: source.keySize, valueSize: 8 });
  }
  // The configs are valid: on fitting maps the start-up check passes.
  if (allFit) checkConfigMaps(config, shapes);

  const maps = new Map(plans.map((p) => [p.source.name, p.source]));
  const cacheSize = g(fc.constantFrom, 0, 0, 1, 3);
  const exporter = new Exporter([new MemoryLoadedConfig(config, maps)], TEST_ENV, {
    cacheSize,
    skipCacheSize: cacheSize,
  });
  const chunkSize = g(fc.constantFrom, 1, 7, 64, 4096, 65536);

  let expected = plans.reduce((n, p) => n + expectedFailures(p), 0);
  let families = scrape(exporter, chunkSize);
  assert.equal(
    sampleValue(families, "ebpf_exporter_decoder_errors_total", { config: CONFIG }),
    expected,
    "decoder errors after the first scrape",
  );

  // Change the maps (drop some keys, add others), scrape again: errors add up.
  for (const plan of plans) {
    const entries = plan.source.read();
    const keys = Array.from(
      { length: entries.count },
      (_, i) => entries.keys.slice(i * plan.source.keySize, (i + 1) * plan.source.keySize),
    );
    for (const key of keys) if (g(fc.integer, { min: 0, max: 2 }) === 0) plan.source.delete(key);
    addEntries(g, plan.source, plan.labels, g(fc.integer, { min: 0, max: 6 }));
  }
  expected += plans.reduce((n, p) => n + expectedFailures(p), 0);
  families = scrape(exporter, chunkSize);
  assert.equal(
    sampleValue(families, "ebpf_exporter_decoder_errors_total", { config: CONFIG }),
    expected,
    "decoder errors after the second scrape",
  );

  // The /maps dump decodes the same keys; it must not throw either.
  JSON.stringify(exporter.dumpMaps());
}

Deno.test("fuzz: random keys and values through decoders, collectors and both encoders", () => {
  checkProperty(
    "pipeline",
    500,
    fc.property(configArb, fc.gen(), (config, g) => checkPipeline(config, g)),
  );
});
