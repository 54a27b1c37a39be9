/**
 * Fuzz: generated YAML documents through the loader (`parseConfig`), the map check
 * (`checkConfigMaps`) against random map shapes, and the exporter's start-up over empty maps.
 *
 * Properties (seed and runs: fuzz_options.ts):
 * - `parseConfig` returns a config or throws a {@link ConfigError} whose message starts with the
 *   file name and which has a key path (and a line within the document, when it has one); nothing
 *   else escapes, for any text: config-shaped trees with wrong kinds, unknown keys, extreme numbers,
 *   odd Unicode, YAML noise, deep nesting, merge-key bombs and megabyte scalars;
 * - no document takes longer than {@link SLOW_MS} to load (the input is at most ~2 MiB);
 * - `checkConfigMaps` on a loaded config returns or throws a ConfigError naming the file;
 * - the exporter over those maps starts or refuses with an Error naming the config, and then
 *   collects without throwing.
 * @module
 */

import assert from "#assert";
import fc from "fast-check";
import { MemoryLoadedConfig } from "../../src/bpf/loaded_config.ts";
import { checkConfigMaps, labelsKeySize, type MapInfo } from "../../src/config/check_maps.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { parseConfig, type ParseResult } from "../../src/config/parse.ts";
import type { Config, LabelConfig } from "../../src/config/types.ts";
import { Exporter } from "../../src/exporter.ts";
import { MemoryMapSource } from "../../src/maps/memory_source.ts";
import { MapType } from "../../src/maps/source.ts";
import { TEST_ENV } from "../../src/metrics/test_env.ts";
import { checkProperty } from "./fuzz_options.ts";
import { configTextArb, extremeTextArb } from "./yaml_gen.ts";

const FILE = "fuzz/cfg.yaml";
const OBJECT = "fuzz/cfg.bpf.o";
/** Longest a single document may take to load; a hang or a quadratic path shows up here. */
const SLOW_MS = 3000;

/** Parses `text`, asserting that it ends in a result or a well-formed ConfigError in time. */
function load(text: string): ParseResult | ConfigError {
  const started = performance.now();
  let outcome: ParseResult | ConfigError;
  try {
    outcome = parseConfig("cfg", FILE, OBJECT, text);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw new Error(`parseConfig threw ${(error as Error)?.name}, not a ConfigError`, {
        cause: error,
      });
    }
    outcome = error;
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < SLOW_MS, `loading took ${elapsed.toFixed(0)} ms (${text.length} chars)`);
  if (outcome instanceof ConfigError) {
    checkConfigError(outcome);
    if (outcome.line !== undefined) {
      assert.ok(Number.isInteger(outcome.line) && outcome.line >= 1, outcome.message);
      // Lines are counted like the YAML library counts them: at most one more than the newlines.
      const lines = text.split(/\r\n|\r|\n|\u0085|\u2028|\u2029/).length;
      assert.ok(outcome.line <= lines + 1, `line ${outcome.line} of ${lines}: ${outcome.message}`);
    }
  } else {
    for (const warning of outcome.warnings) assert.equal(warning.file, FILE);
  }
  return outcome;
}

function checkConfigError(error: ConfigError): void {
  assert.equal(error.file, FILE);
  assert.equal(error.name, "ConfigError");
  assert.equal(typeof error.keyPath, "string");
  assert.ok(
    error.message.startsWith(`${FILE}:`) || error.message.startsWith(`${FILE}: `),
    `message does not start with the file: ${error.message.slice(0, 200)}`,
  );
  assert.ok(error.message.includes(error.expected), error.message.slice(0, 200));
}

/** The key size `checkConfigMaps` expects for a counter or histogram on a map of `type`. */
function expectedKeySize(labels: readonly LabelConfig[], type: number, histogram: boolean): number {
  const perCpu = type === MapType.PERCPU_HASH || type === MapType.PERCPU_ARRAY ||
    type === MapType.LRU_PERCPU_HASH;
  const cpuIndex = histogram ? labels.length - 2 : labels.length - 1;
  const keyLabels = perCpu && cpuIndex >= 0 && labels[cpuIndex].name === "cpu"
    ? labels.filter((_, i) => i !== cpuIndex)
    : labels;
  return keyLabels.length === 0 ? 4 : labelsKeySize(keyLabels);
}

const TYPES = [1, 2, 4, 5, 6, 9, 10, 27, 32, 3, 0, 999, -1];

/** Random map shapes for the maps `config` names: mostly fitting, sometimes not at all. */
function mapShapes(g: fc.GeneratorValue, config: Config): Map<string, MapInfo> {
  const maps = new Map<string, MapInfo>();
  const wanted: { name: string; labels?: readonly LabelConfig[]; histogram: boolean }[] = [
    ...config.counters.map((c) => ({ name: c.name, labels: c.labels, histogram: false })),
    ...config.histograms.map((h) => ({ name: h.name, labels: h.labels, histogram: true })),
    ...config.spans.map((s) => ({ name: s.ringbuf, histogram: false })),
    ...(config.cgroupIdMap ? [{ name: config.cgroupIdMap.name, histogram: false }] : []),
  ];
  for (const { name, labels, histogram } of wanted) {
    if (g(fc.integer, { min: 0, max: 19 }) === 0) continue; // missing map
    const type = g(fc.constantFrom, ...TYPES);
    const fits = g(fc.integer, { min: 0, max: 5 }) > 0;
    const keySize = fits && labels
      ? expectedKeySize(labels, type, histogram)
      : g(() => fc.oneof(fc.constantFrom(0, 4, 8, 16, 2 ** 31), fc.nat()));
    const valueSize = g(fc.integer, { min: 0, max: 7 }) > 0
      ? 8
      : g(fc.constantFrom, 0, 4, 16, 8 * 64);
    maps.set(name, { type, keySize, valueSize });
  }
  const extra = g(fc.array, fc.string({ maxLength: 8 }), { maxLength: 2 });
  for (const name of extra) maps.set(name, { type: MapType.HASH, keySize: 8, valueSize: 8 });
  return maps;
}

/** The exporter over empty in-memory maps of those shapes starts and collects, or refuses clearly. */
function startExporter(config: Config, maps: ReadonlyMap<string, MapInfo>): void {
  const sources = new Map<string, MemoryMapSource>();
  for (const [name, info] of maps) {
    if (info.keySize < 0 || info.keySize > 1 << 16) continue;
    sources.set(name, new MemoryMapSource({ name, type: info.type, keySize: info.keySize }));
  }
  let exporter: Exporter;
  try {
    exporter = new Exporter([new MemoryLoadedConfig(config, sources)], TEST_ENV);
  } catch (error) {
    // Unknown decoders, invalid regexps, missing maps: a start-up error naming the config.
    if (!(error instanceof Error)) throw new Error(`the exporter threw ${String(error)}`);
    assert.ok(error.message.startsWith("config cfg: "), error.message.slice(0, 200));
    return;
  }
  exporter.collect();
}

function checkDocument(text: string, g: fc.GeneratorValue): void {
  const outcome = load(text);
  if (outcome instanceof ConfigError) return;
  const maps = mapShapes(g, outcome.config);
  let mapError: unknown;
  try {
    checkConfigMaps(outcome.config, maps);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw new Error(`checkConfigMaps threw ${(error as Error)?.name}`, { cause: error });
    }
    checkConfigError(error);
    mapError = error;
  }
  if (mapError === undefined) startExporter(outcome.config, maps);
}

Deno.test("fuzz: generated config documents load or fail with a ConfigError", () => {
  checkProperty(
    "config documents",
    1000,
    fc.property(configTextArb, fc.gen(), (text, g) => checkDocument(text, g)),
  );
});

Deno.test("fuzz: deep nesting, merge-key bombs and megabyte scalars stay ConfigErrors", () => {
  checkProperty(
    "extreme documents",
    40,
    fc.property(extremeTextArb, fc.gen(), (text, g) => checkDocument(text, g)),
  );
});

Deno.test("fuzz: the generators reach valid configs and the maps check", () => {
  // Guards the generators: a property that only ever sees syntax errors proves nothing.
  let loaded = 0;
  let failed = 0;
  fc.assert(
    fc.property(configTextArb, (text) => {
      if (load(text) instanceof ConfigError) failed++;
      else loaded++;
    }),
    { seed: 1, numRuns: 300 },
  );
  assert.ok(loaded >= 15, `only ${loaded} of 300 generated documents loaded`);
  assert.ok(failed >= 100, `only ${failed} of 300 generated documents failed`);
});
