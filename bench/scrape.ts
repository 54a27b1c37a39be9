/**
 * Scrape benchmark: fills the maps of `bench/fixtures/scrape_bench` from user space and times how
 * the exporter (started as a user would, with the scoped permission set the tests use) serves them.
 *
 * Run: `make bench` (or `make bench BENCH_FLAGS=--full` for the 1M-series points). Needs root
 * (CAP_BPF + CAP_SYS_ADMIN for `bpf_map_get_fd_by_id`). Writes `bench/RESULTS.md`.
 *
 * Flags:
 * - `--full`: also 1M counters and 40k x 27 histogram buckets.
 * - `--cpu-prof`: run every exporter under `deno run --cpu-prof`, one profile per row in
 *   `bench/profiles/` (summarise with `bench/profile_summary.ts`); the figures are then perturbed
 *   and not saved.
 * - `--no-write`: print the table only, leave `bench/RESULTS.md` alone.
 * @module
 */

import { parseArgs } from "node:util";
import { check, libbpf } from "../ffi/libbpf.ts";
import { ENOENT, libc } from "../ffi/libc.ts";
import { openLibrary } from "../ffi/library_paths.ts";
import { ExporterProcess } from "../tests/helpers/exporter_process.ts";
import { possibleCpus } from "../tests/helpers/host.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CONFIG_DIR = "bench/fixtures";
const CONFIG_NAME = "scrape_bench";
const PERCPU_CONFIG_NAME = "scrape_bench_percpu";
/** Values per key of a per-CPU map: one per possible CPU. */
const POSSIBLE_CPUS = possibleCpus().length;
const WARM_SCRAPES = 10;
const FLOOR_RUNS = 5;
const FLOOR_BATCH = 10_000;
const FILL_CHUNK = 65_536;
const DENO_LINK = "tools/node_modules/.bin/deno";
const HIST_BUCKETS = 27; // exp2, bucket_min 0 .. bucket_max 26

/** The two maps of the fixture, with the names the kernel keeps (15 characters). */
const COUNTER_MAP = {
  name: "bench_events_total",
  kernelName: "bench_events_to",
  keySize: 16,
  maxEntries: 1 << 20,
  cpus: 1,
};
const HISTOGRAM_MAP = {
  name: "bench_latency_seconds",
  kernelName: "bench_latency_s",
  keySize: 8,
  maxEntries: 1 << 21,
  cpus: 1,
};
/** The per-CPU counter map of `scrape_bench_percpu` (same key as {@link COUNTER_MAP}). */
const PERCPU_COUNTER_MAP = {
  name: "bench_cpu_events_total",
  kernelName: "bench_cpu_event",
  keySize: 16,
  maxEntries: 1 << 20,
  cpus: POSSIBLE_CPUS,
};
type MapSpec = typeof COUNTER_MAP;

// ---------------------------------------------------------------------------------------------
// The bench process's own FFI (it runs with -A; the exporter under test does not).

/** The libbpf calls ffi/libbpf.ts does not bind (the exporter never writes nor deletes). */
const { library: bpfExtra, path: LIBBPF_PATH } = openLibrary("libbpf", {
  /** int bpf_map_get_fd_by_id(__u32 id) */
  bpf_map_get_fd_by_id: { parameters: ["u32"], result: "i32" },
  /** int bpf_map_update_batch(int fd, const void *keys, const void *values, __u32 *count, const struct bpf_map_batch_opts *opts) */
  bpf_map_update_batch: {
    parameters: ["i32", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  /** int bpf_map_delete_batch(int fd, const void *keys, __u32 *count, const struct bpf_map_batch_opts *opts) */
  bpf_map_delete_batch: { parameters: ["i32", "buffer", "buffer", "buffer"], result: "i32" },
});
const bpf = bpfExtra.symbols;

/** struct bpf_map_batch_opts { __u64 sz; __u64 elem_flags; __u64 flags; } */
const batchOpts = new BigUint64Array([24n, 0n, 0n]);

/** A map of the running exporter, opened by id from this process. */
class BenchMap {
  private constructor(readonly spec: MapSpec, readonly id: number, readonly fd: number) {}

  /**
   * Finds the map named `spec.kernelName` among `bpftool map show -j`, keeping only ids that the
   * exporter process `pid` holds a descriptor of (its `/proc/<pid>/fdinfo/*` `map_id:` lines), so
   * maps of other processes (or of an exporter still being torn down) never match.
   */
  static async open(spec: MapSpec, pid: number): Promise<BenchMap> {
    const out = await new Deno.Command("bpftool", { args: ["map", "show", "-j"] }).output();
    if (!out.success) throw new Error(`bpftool map show: ${new TextDecoder().decode(out.stderr)}`);
    const maps = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      id: number;
      name?: string;
      bytes_key: number;
      max_entries: number;
    }[];
    const held = exporterMapIds(pid);
    const found = maps.filter((m) => m.name === spec.kernelName && held.has(m.id));
    if (found.length !== 1) {
      throw new Error(`${found.length} maps named ${spec.kernelName} held by pid ${pid}`);
    }
    const [map] = found;
    if (map.bytes_key !== spec.keySize || map.max_entries !== spec.maxEntries) {
      throw new Error(
        `${spec.name}: key ${map.bytes_key} B / ${map.max_entries} entries, expected ${spec.keySize} B / ${spec.maxEntries}`,
      );
    }
    const fd = check(`bpf_map_get_fd_by_id(${map.id})`, bpf.bpf_map_get_fd_by_id(map.id));
    return new BenchMap(spec, map.id, fd);
  }

  /** Writes `count` entries (`keys` packed, one u64 value each); returns the time taken in ms. */
  update(keys: Uint8Array, values: BigUint64Array, count: number): number {
    const n = new Uint32Array(1);
    const t0 = performance.now();
    for (let done = 0; done < count;) {
      n[0] = Math.min(FILL_CHUNK, count - done);
      const rc = bpf.bpf_map_update_batch(
        this.fd,
        keys.subarray(done * this.spec.keySize),
        values.subarray(done * this.spec.cpus),
        n,
        batchOpts,
      );
      check(`bpf_map_update_batch ${this.spec.name}`, rc);
      done += n[0];
    }
    return performance.now() - t0;
  }

  /** Deletes `count` known keys. */
  delete(keys: Uint8Array, count: number): void {
    const n = new Uint32Array(1);
    for (let done = 0; done < count;) {
      n[0] = Math.min(FILL_CHUNK, count - done);
      const rc = bpf.bpf_map_delete_batch(
        this.fd,
        keys.subarray(done * this.spec.keySize),
        n,
        batchOpts,
      );
      check(`bpf_map_delete_batch ${this.spec.name}`, rc);
      done += n[0];
    }
  }

  /**
   * The kernel floor: one `bpf_map_lookup_batch` pass over the whole map, `batch` entries per call.
   * Returns the entries read and the wall time in ms.
   */
  lookupAll(batch = FLOOR_BATCH): { count: number; ms: number } {
    const keys = new Uint8Array(batch * this.spec.keySize);
    const values = new Uint8Array(batch * 8 * this.spec.cpus);
    let tokenIn = new Uint8Array(8);
    let tokenOut = new Uint8Array(8);
    const n = new Uint32Array(1);
    let total = 0;
    let first = true;
    const t0 = performance.now();
    for (;;) {
      n[0] = batch;
      const rc = libbpf().bpf_map_lookup_batch(
        this.fd,
        first ? null : tokenIn,
        tokenOut,
        keys,
        values,
        n,
        batchOpts,
      );
      if (rc !== -ENOENT) check(`bpf_map_lookup_batch ${this.spec.name}`, rc);
      total += n[0]; // the last call returns -ENOENT together with a valid partial count
      if (rc === -ENOENT) break;
      first = false;
      [tokenIn, tokenOut] = [tokenOut, tokenIn];
    }
    return { count: total, ms: performance.now() - t0 };
  }

  close(): void {
    libc().close(this.fd);
  }
}

/** Map ids the process `pid` holds descriptors of. */
function exporterMapIds(pid: number): Set<number> {
  const ids = new Set<number>();
  for (const entry of Deno.readDirSync(`/proc/${pid}/fdinfo`)) {
    let text: string;
    try {
      text = Deno.readTextFileSync(`/proc/${pid}/fdinfo/${entry.name}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = /^map_id:\s*(\d+)$/m.exec(text);
    if (m) ids.add(Number(m[1]));
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Workloads: raw keys and values.

interface Workload {
  /** Row label. */
  readonly label: string;
  /** Config (and object) the exporter runs. */
  readonly config: string;
  readonly map: MapSpec;
  /** Entries written into the map. */
  readonly entries: number;
  /** Sample lines the exporter must print for the benchmarked family. */
  readonly expectedSamples: number;
  /** Prefix of the family's sample lines. */
  readonly samplePrefix: string;
  /** Packed keys and values of every entry. */
  build(): { keys: Uint8Array; values: BigUint64Array };
}

/** `count` counters: pid = i % 50000, kind = i % 4, cookie = i; value i + 1. */
function counterWorkload(count: number): Workload {
  return {
    label: `counters ${formatCount(count)}`,
    config: CONFIG_NAME,
    map: COUNTER_MAP,
    entries: count,
    expectedSamples: count,
    samplePrefix: `ebpf_exporter_${COUNTER_MAP.name}{`,
    build() {
      const keys = new Uint8Array(count * 16);
      const view = new DataView(keys.buffer);
      const values = new BigUint64Array(count);
      for (let i = 0; i < count; i++) {
        const at = i * 16;
        view.setUint32(at, i % 50_000, true);
        view.setUint8(at + 4, i % 4);
        view.setBigUint64(at + 8, BigInt(i), true);
        values[i] = BigInt(i + 1);
      }
      return { keys, values };
    },
  };
}

/** The counter keys in the per-CPU map; CPU c holds i + 1 + c (the exporter sums them). */
function perCpuCounterWorkload(count: number): Workload {
  const plain = counterWorkload(count);
  return {
    ...plain,
    label: `per-CPU counters ${formatCount(count)}`,
    config: PERCPU_CONFIG_NAME,
    map: PERCPU_COUNTER_MAP,
    samplePrefix: `ebpf_exporter_${PERCPU_COUNTER_MAP.name}{`,
    build() {
      const { keys } = plain.build();
      const values = new BigUint64Array(count * POSSIBLE_CPUS);
      for (let i = 0; i < count; i++) {
        for (let c = 0; c < POSSIBLE_CPUS; c++) values[i * POSSIBLE_CPUS + c] = BigInt(i + 1 + c);
      }
      return { keys, values };
    },
  };
}

/** `groups` x 27 histogram buckets: group g, bucket b; value (g + b) % 7 + 1. */
function histogramWorkload(groups: number): Workload {
  const count = groups * HIST_BUCKETS;
  return {
    label: `histograms ${formatCount(groups)} x ${HIST_BUCKETS}`,
    config: CONFIG_NAME,
    map: HISTOGRAM_MAP,
    entries: count,
    // per group: 27 finite buckets + le="+Inf", _sum and _count
    expectedSamples: groups * (HIST_BUCKETS + 3),
    samplePrefix: `ebpf_exporter_${HISTOGRAM_MAP.name}_`,
    build() {
      const keys = new Uint8Array(count * 8);
      const view = new DataView(keys.buffer);
      const values = new BigUint64Array(count);
      for (let g = 0, i = 0; g < groups; g++) {
        for (let b = 0; b < HIST_BUCKETS; b++, i++) {
          view.setUint32(i * 8, g, true);
          view.setUint8(i * 8 + 4, b);
          values[i] = BigInt((g + b) % 7 + 1);
        }
      }
      return { keys, values };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The exporter under test.

const CLK_TCK = clockTicks();

function clockTicks(): number {
  const out = new Deno.Command("getconf", { args: ["CLK_TCK"] }).outputSync();
  const n = Number(new TextDecoder().decode(out.stdout).trim());
  return out.success && n > 0 ? n : 100;
}

/** utime + stime of the whole process `pid` (every thread), in ms. */
function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // fields after "(comm)": state is field 3, utime field 14, stime field 15
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLK_TCK;
}

/** VmRSS and VmHWM (peak) of process `pid` in MiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
}

/** One GET of /metrics: wall time until the last byte, CPU time spent by the exporter, body. */
async function timedScrape(
  exporter: ExporterProcess,
): Promise<{ ms: number; cpuMs: number; body: Uint8Array }> {
  const pid = exporter.child.pid;
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const res = await fetch(`${exporter.url}/metrics`, {
    headers: { "accept-encoding": "identity" },
  });
  const body = new Uint8Array(await res.arrayBuffer());
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`GET /metrics: ${res.status} ${new TextDecoder().decode(body)}`);
  return { ms, cpuMs: cpuMs(pid) - cpu0, body };
}

// ---------------------------------------------------------------------------------------------
// Measuring.

interface Row {
  workload: string;
  entries: number;
  samples: number;
  bytes: number;
  fillMs: number;
  coldMs: number;
  warmP50: number;
  warmP90: number;
  coldCpuMs: number;
  warmCpuMs: number;
  rssMiB: number;
  peakMiB: number;
  floorMs: number;
  startMs: number;
  idleMiB: number;
}

/** Nearest-rank percentile. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

/** Sample lines of the body: all of them, and those of the benchmarked family. */
function countSamples(body: Uint8Array, prefix: string): { all: number; family: number } {
  const text = new TextDecoder().decode(body);
  let all = 0;
  let family = 0;
  for (let at = 0; at < text.length;) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    if (end > at && text.charCodeAt(at) !== 35 /* # */) {
      all++;
      if (text.startsWith(prefix, at)) family++;
    }
    at = end + 1;
  }
  return { all, family };
}

async function measure(workload: Workload, cpuProf: boolean): Promise<Row> {
  const { keys, values } = workload.build();
  const profDir = `${ROOT}bench/profiles`;
  if (cpuProf) Deno.mkdirSync(profDir, { recursive: true });
  const profName = `${workload.label.replaceAll(" ", "_")}.cpuprofile`;
  // Started as the tests start it (scoped permissions), polled every 5 ms for the start-up time.
  const exporter = await ExporterProcess.start(workload.config, {
    configDir: CONFIG_DIR,
    denoFlags: cpuProf
      ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${profName}`]
      : [],
    pollMs: 5,
  });
  const pid = exporter.child.pid;
  const idle = memory(pid).rss;
  let map: BenchMap | undefined;
  try {
    map = await BenchMap.open(workload.map, pid);
    const fillMs = map.update(keys, values, workload.entries);

    const floors: number[] = [];
    for (let i = 0; i < FLOOR_RUNS; i++) {
      const { count, ms } = map.lookupAll();
      if (count !== workload.entries) {
        throw new Error(`${workload.label}: lookup_batch read ${count} of ${workload.entries}`);
      }
      floors.push(ms);
    }

    const cold = await timedScrape(exporter);
    const { all, family } = countSamples(cold.body, workload.samplePrefix);
    if (family !== workload.expectedSamples) {
      throw new Error(
        `${workload.label}: ${family} samples of ${workload.samplePrefix}, expected ${workload.expectedSamples}`,
      );
    }
    const warm: number[] = [];
    const cpu0 = cpuMs(pid);
    for (let i = 0; i < WARM_SCRAPES; i++) {
      const s = await timedScrape(exporter);
      // Self-observability gauges (durations) change length between scrapes; nothing else may.
      if (Math.abs(s.body.length - cold.body.length) > 64) {
        throw new Error(
          `${workload.label}: warm body ${s.body.length} B, cold ${cold.body.length} B`,
        );
      }
      warm.push(s.ms);
    }
    const warmCpuMs = (cpuMs(pid) - cpu0) / WARM_SCRAPES;
    console.error(
      `bench: ${workload.label}: in the exporter, cold: ${inside(cold.body)}; warm: ${
        inside((await timedScrape(exporter)).body)
      }`,
    );
    const { rss, peak } = memory(pid);
    warm.sort((a, b) => a - b);

    map.delete(keys, workload.entries);
    const left = map.lookupAll().count;
    if (left !== 0) throw new Error(`${workload.label}: ${left} entries left after clearing`);

    return {
      workload: workload.label,
      entries: workload.entries,
      samples: all,
      bytes: cold.body.length,
      fillMs,
      coldMs: cold.ms,
      warmP50: percentile(warm, 0.5),
      warmP90: percentile(warm, 0.9),
      coldCpuMs: cold.cpuMs,
      warmCpuMs,
      rssMiB: rss,
      peakMiB: peak,
      floorMs: median(floors),
      startMs: exporter.startMs,
      idleMiB: idle,
    };
  } catch (e) {
    throw new Error(`${(e as Error).message}\nexporter stderr:\n${exporter.stderr}`);
  } finally {
    map?.close();
    await exporter.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting.

function formatCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}

const ms1 = (x: number) => x.toFixed(1);

function table(rows: Row[]): string {
  const head = [
    "workload",
    "map entries",
    "samples",
    "body MiB",
    "cold ms",
    "warm p50 ms",
    "warm p90 ms",
    "CPU ms cold",
    "CPU ms warm",
    "RSS MiB",
    "peak RSS MiB",
    "kernel floor ms",
    "fill ms",
    "start-up ms",
    "idle RSS MiB",
  ];
  const lines = [
    `| ${head.join(" | ")} |`,
    `|${head.map((_, i) => i === 0 ? "---" : "---:").join("|")}|`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${
        [
          r.workload,
          r.entries.toLocaleString("en-US"),
          r.samples.toLocaleString("en-US"),
          (r.bytes / 1048576).toFixed(2),
          ms1(r.coldMs),
          ms1(r.warmP50),
          ms1(r.warmP90),
          r.coldCpuMs.toFixed(0),
          ms1(r.warmCpuMs),
          r.rssMiB.toFixed(0),
          r.peakMiB.toFixed(0),
          ms1(r.floorMs),
          ms1(r.fillMs),
          r.startMs.toFixed(0),
          r.idleMiB.toFixed(0),
        ].join(" | ")
      } |`,
    );
  }
  return lines.join("\n");
}

function machine(): string[] {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  const memKiB = Number(/^MemTotal:\s*(\d+)/m.exec(Deno.readTextFileSync("/proc/meminfo"))?.[1]);
  const nproc = new TextDecoder().decode(new Deno.Command("nproc").outputSync().stdout).trim();
  return [
    `- CPU: ${model}, nproc ${nproc}`,
    `- memory: ${(memKiB / 1048576).toFixed(1)} GiB`,
    `- kernel: ${Deno.build.os} ${Deno.osRelease()} (${Deno.build.arch})`,
    `- deno: ${Deno.version.deno} (V8 ${Deno.version.v8}), for the exporter and the driver`,
    `- libbpf: ${Deno.realPathSync(LIBBPF_PATH)}`,
  ];
}

const LEGEND = [
  `- samples: sample lines of the whole response (the family checked exactly: N counters, or 30 per histogram group = 27 buckets + +Inf + _sum + _count); body MiB: uncompressed text exposition.`,
  `- cold: the first scrape after filling (empty decode cache); warm: ${WARM_SCRAPES} scrapes after it, nearest-rank p50/p90. Times are wall clock in the driver, request to last body byte, over loopback.`,
  `- CPU ms: exporter process utime+stime (/proc/<pid>/stat, every thread, ${
    1000 / CLK_TCK
  } ms ticks) for the cold scrape, and per scrape averaged over the warm ones.`,
  `- RSS: VmRSS of the exporter after the warm scrapes; peak: VmHWM. One fresh exporter per row.`,
  `- kernel floor: one bpf_map_lookup_batch pass over the whole map from the driver (batch ${
    FLOOR_BATCH.toLocaleString("en-US")
  }), median of ${FLOOR_RUNS}: what any reader pays before decoding.`,
  `- fill: bpf_map_update_batch of every entry from the driver (not part of a scrape).`,
  `- start-up: from spawning \`deno run … main.ts\` to the first answer on \`/\` (polled every 5 ms): Deno start, config, BPF load and attach, the scrape-path warm-up (\`src/cli/warm_up.ts\`); idle RSS: VmRSS then, before any map is filled or scraped.`,
];

/** The exporter's own account of a scrape: collect and map-read time from its self metrics. */
function inside(bytes: Uint8Array): string {
  const body = new TextDecoder().decode(bytes);
  const seconds = (name: string) =>
    [...body.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, "gm"))]
      .reduce((sum, m) => sum + Number(m[1]), 0);
  const collect = seconds("ebpf_exporter_scrape_collector_duration_seconds") * 1000;
  const read = seconds("ebpf_exporter_map_read_duration_seconds") * 1000;
  return `collect ${ms1(collect)} ms (map reads ${ms1(read)} ms)`;
}

async function main(): Promise<void> {
  const args = parseArgs({
    args: Deno.args,
    options: {
      full: { type: "boolean", default: false },
      "cpu-prof": { type: "boolean", default: false },
      "no-write": { type: "boolean", default: false },
      only: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  }).values;

  const workloads = [
    counterWorkload(1_000),
    counterWorkload(10_000),
    counterWorkload(100_000),
    ...(args.full ? [counterWorkload(1_000_000)] : []),
    histogramWorkload(4_000),
    ...(args.full ? [histogramWorkload(40_000)] : []),
    perCpuCounterWorkload(100_000),
    ...(args.full ? [perCpuCounterWorkload(1_000_000)] : []),
  ];

  const rows: Row[] = [];
  // --only=TEXT: just the workloads whose label contains TEXT (quick runs; nothing is written).
  const only = args.only;
  for (const w of workloads.filter((w) => only === undefined || w.label.includes(only))) {
    console.error(`bench: ${w.label} ...`);
    const row = await measure(w, args["cpu-prof"]);
    console.error(
      `bench: ${w.label}: cold ${ms1(row.coldMs)} ms, warm p50 ${ms1(row.warmP50)} ms, floor ${
        ms1(row.floorMs)
      } ms`,
    );
    rows.push(row);
  }

  // the npm package's binary is what tools/node_modules/.bin/deno links to
  const deno = Deno.execPath().replace(`${ROOT}tools/node_modules/deno/deno`, DENO_LINK)
    .replace(ROOT, "");
  const command = `${deno} run --frozen -A bench/scrape.ts${
    Deno.args.length ? " " + Deno.args.join(" ") : ""
  }`;
  const report = [
    "# Scrape benchmark results",
    "",
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with`,
    "",
    "```sh",
    `${command}   # make bench${args.full ? " BENCH_FLAGS=--full" : ""}`,
    "```",
    "",
    "Machine:",
    "",
    ...machine(),
    "",
    table(rows),
    "",
    ...LEGEND,
    "",
  ].join("\n");
  console.log(table(rows));
  if (args["cpu-prof"]) {
    console.error("bench: profiles in bench/profiles/ (figures perturbed by profiling: not saved)");
  } else if (!args["no-write"] && only === undefined) {
    Deno.writeTextFileSync(`${ROOT}bench/RESULTS.md`, report);
    // aligned as `deno fmt` wants it, so that `make check` stays clean
    await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", "bench/RESULTS.md"],
      cwd: ROOT,
      stdout: "null",
    }).output();
    console.error("bench: wrote bench/RESULTS.md");
  }
}

if (import.meta.main) await main();
