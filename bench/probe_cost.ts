/**
 * Probe cost benchmark: the kernel-side cost of one probe event, per attach type and program body,
 * measured as upstream's benchmark does: a tight loop of a cheap system call (`syscall(SYS_getpid)`
 * from a small C program built here with gcc), timed with and without a probe attached.
 *
 * Attach types: `tp_btf/sys_enter`, `raw_tp/sys_enter` (every system call of every process),
 * `tracepoint/syscalls/sys_enter_getpid`, and a uprobe on `probe_cost_target()`, the function the
 * loop calls. Bodies: empty, `ebpf_exporter_increment_map`, `ebpf_exporter_exp2_histogram` (see
 * `bench/fixtures/probe_cost.bpf.c`). Each loop iteration triggers exactly one event, so
 * ns/event = median ns/call with the probe - median ns/call without (5 runs of 1M calls each;
 * uprobe probed runs make 100k calls, as each uprobe hit costs microseconds).
 *
 * The object is loaded once with libbpf from this process (FFI) and one program is attached at a
 * time. Run: `make bench` (both benchmarks) or, as root,
 * `tools/node_modules/.bin/deno run -A bench/probe_cost.ts [--no-write] [--calls=N] [--runs=N]`.
 * Appends a "Probe cost" section to `bench/RESULTS.md` unless `--no-write`.
 * @module
 */

import { parseArgs } from "node:util";
import { libbpf } from "../ffi/libbpf.ts";
import { openLibrary } from "../ffi/library_paths.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const OBJECT = `${ROOT}bench/fixtures/probe_cost.bpf.o`;
const ATTACH_TYPES = ["tp_btf", "raw_tp", "tracepoint", "uprobe"] as const;
const BODIES = ["empty", "counter", "histogram"] as const;
const TARGET = "probe_cost_target";

const LOOP_SOURCE = `
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

/* The uprobe target: one getpid system call per call. */
__attribute__((noinline)) long ${TARGET}(void)
{
	long r = syscall(SYS_getpid);
	__asm__ volatile("" ::: "memory");
	return r;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	struct timespec a, b;
	long sum = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		sum += ${TARGET}();
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.3f\\n", ns / n);
	return sum == 0;
}
`;

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    "no-write": { type: "boolean", default: false },
    calls: { type: "string", default: "1000000" },
    runs: { type: "string", default: "5" },
  },
});
const CALLS = Number(flags.calls);
/** Uprobes trap (int3) and cost microseconds in a VM: their probed runs make a tenth of the calls. */
const UPROBE_CALLS = Math.max(1, Math.floor(CALLS / 10));
const RUNS = Number(flags.runs);

/** libbpf: the exporter's binding (ffi/libbpf.ts), plus the lookups by name it does not bind. */
const bpf = {
  ...libbpf(),
  ...openLibrary("libbpf", {
    bpf_object__find_program_by_name: { parameters: ["pointer", "buffer"], result: "pointer" },
    bpf_object__find_map_by_name: { parameters: ["pointer", "buffer"], result: "pointer" },
    libbpf_get_error: { parameters: ["pointer"], result: "i64" },
  }).library.symbols,
};

const cstr = (s: string) => new TextEncoder().encode(s + "\0");

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function buildLoop(dir: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/loop.c`, LOOP_SOURCE);
  const bin = `${dir}/probe_cost_loop`;
  const out = await new Deno.Command("gcc", {
    args: ["-O2", "-o", bin, `${dir}/loop.c`],
  }).output();
  if (!out.success) throw new Error(`gcc: ${new TextDecoder().decode(out.stderr)}`);
  return bin;
}

/** Median ns/call of `RUNS` runs of the loop. */
async function timeLoop(bin: string, calls = CALLS): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = await new Deno.Command(bin, { args: [String(calls)] }).output();
    if (!out.success) throw new Error(`${bin} failed`);
    samples.push(Number(new TextDecoder().decode(out.stdout).trim()));
  }
  return median(samples);
}

function attach(obj: Deno.PointerObject, name: string, bin: string): Deno.PointerObject {
  const prog = bpf.bpf_object__find_program_by_name(obj, cstr(name));
  if (!prog) throw new Error(`program ${name} not found`);
  let link: Deno.PointerValue;
  const binPath = cstr(bin);
  if (name.startsWith("uprobe")) {
    const func = cstr(TARGET);
    // struct bpf_uprobe_opts { size_t sz; size_t ref_ctr_offset; u64 bpf_cookie; bool retprobe; const char *func_name; }
    const opts = new BigUint64Array(5);
    opts[0] = 40n;
    opts[4] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(func)));
    link = bpf.bpf_program__attach_uprobe_opts(prog, -1, binPath, 0n, opts);
    func.length; // keep `func` alive across the call
  } else {
    link = bpf.bpf_program__attach(prog);
  }
  if (!link || bpf.libbpf_get_error(link) !== 0n) throw new Error(`attach ${name} failed`);
  return link;
}

/** Sum of the counter values (u64, per attach-type key) the counter bodies wrote. */
function counterValue(obj: Deno.PointerObject, kind: number): bigint {
  const map = bpf.bpf_object__find_map_by_name(obj, cstr("probe_cost_events_total"));
  const fd = bpf.bpf_map__fd(map!);
  const value = new BigUint64Array(1);
  const rc = bpf.bpf_map_lookup_elem(fd, new Uint32Array([kind]), value);
  return rc === 0 ? value[0] : 0n;
}

async function main(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "probe_cost" });
  const rows: { type: string; base: number; cost: Record<string, number> }[] = [];
  const obj = bpf.bpf_object__open_file(cstr(OBJECT), null);
  if (!obj || bpf.libbpf_get_error(obj) !== 0n) {
    throw new Error(`open ${OBJECT} failed (make bench/fixtures/probe_cost.bpf.o)`);
  }
  try {
    const bin = await buildLoop(dir);
    const rc = bpf.bpf_object__load(obj);
    if (rc < 0) throw new Error(`bpf_object__load: errno ${-rc}`);
    for (const [kind, type] of ATTACH_TYPES.entries()) {
      const base = await timeLoop(bin);
      const cost: Record<string, number> = {};
      for (const body of BODIES) {
        const name = `${type}_${body}`;
        const before = counterValue(obj, kind);
        const link = attach(obj, name, bin);
        const calls = type === "uprobe" ? UPROBE_CALLS : CALLS;
        let probed: number;
        try {
          probed = await timeLoop(bin, calls);
        } finally {
          bpf.bpf_link__destroy(link);
        }
        if (body === "counter") {
          const events = counterValue(obj, kind) - before;
          if (events < BigInt(calls * RUNS)) {
            throw new Error(`${name}: ${events} events counted, expected >= ${calls * RUNS}`);
          }
        }
        cost[body] = probed - base;
        console.error(`${name}: ${probed.toFixed(1)} ns/call, base ${base.toFixed(1)}`);
      }
      rows.push({ type, base, cost });
    }
  } finally {
    bpf.bpf_object__close(obj);
    await Deno.remove(dir, { recursive: true });
  }

  const command = `deno run -A bench/probe_cost.ts${
    Deno.args.length ? " " + Deno.args.join(" ") : ""
  }`;
  const lines = [
    "## Probe cost",
    "",
    `Command: \`${command}\` (or \`make bench\`), ${new Date().toISOString().slice(0, 10)}, ` +
    `kernel ${Deno.osRelease()}, ${navigator.hardwareConcurrency} CPUs. ` +
    `ns/event = median ns/call with the probe - without (${RUNS} runs x ${CALLS} getpid calls; ` +
    `uprobe rows ${UPROBE_CALLS} calls per probed run).`,
    "",
    "| attach type | base ns/call | empty | counter | histogram |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.type} | ${r.base.toFixed(1)} | ${
        BODIES.map((b) => r.cost[b].toFixed(1)).join(" | ")
      } |`
    ),
    "",
  ];
  console.log(lines.join("\n"));
  if (!flags["no-write"]) {
    const path = `${ROOT}bench/RESULTS.md`;
    let text = await Deno.readTextFile(path).catch(() => "");
    const at = text.indexOf("\n## Probe cost\n");
    if (at >= 0) text = text.slice(0, at + 1); // replace an earlier section
    if (text && !text.endsWith("\n\n")) text += text.endsWith("\n") ? "\n" : "\n\n";
    await Deno.writeTextFile(path, text + lines.join("\n"));
    await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", path] }).output();
    console.error("probe_cost: appended to bench/RESULTS.md");
  }
}

await main();
