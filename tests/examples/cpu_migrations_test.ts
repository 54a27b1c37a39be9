import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { cgroup2Root, delay, label, onlineCpus, run, spawn } from "./sched_helpers.ts";

const MOVES = 10;

kernelTest("cpu_migrations: affinity changes count under the task's own cgroup path", [
  "examples/cpu_migrations.bpf.o",
], async (t) => {
  const cpus = onlineCpus();
  if (cpus.length < 2) {
    await t.step({ name: "needs two online CPUs", ignore: true, fn() {} });
    return;
  }
  const exporter = await ExporterProcess.start("cpu_migrations", {
    extraArgs: ["--config.strict"],
  });
  const cgroup = `${cgroup2Root()}/ebpf-exporter-migrations-${Deno.pid}`;
  Deno.mkdirSync(cgroup);
  // A busy loop that first moves itself into the test's cgroup, starting on the first CPU.
  const loop = spawn("taskset", [
    "-c",
    `${cpus[0]}`,
    "bash",
    "-c",
    `echo $$ > ${cgroup}/cgroup.procs && while :; do :; done`,
  ]);
  try {
    for (let i = 0; i < 100; i++) {
      if (Deno.readTextFileSync(`${cgroup}/cgroup.procs`).trim() === `${loop.pid}`) break;
      await delay(10);
    }
    equal(Deno.readTextFileSync(`${cgroup}/cgroup.procs`).trim(), `${loop.pid}`);
    const series = `ebpf_exporter_cpu_migrations_total{cgroup="${cgroup}"}`;
    const before = parseSamples(await exporter.scrape()).get(series) ?? 0;

    // A running task whose CPU leaves its affinity mask is migrated right away.
    for (let i = 1; i <= MOVES; i++) {
      await run("taskset", ["-p", "-c", `${cpus[i % 2]}`, `${loop.pid}`]);
      await delay(20);
    }

    const text = await exporter.scrape();
    const after = parseSamples(text);
    const moved = (after.get(series) ?? 0) - before;
    // Pinned to one CPU at a time, the loop can only move when its affinity changes: exact.
    equal(moved, MOVES, `${series} grew by ${moved}, expected ${MOVES}`);
    // Every label is a cgroup path, never an unresolved id.
    for (const key of after.keys()) {
      if (!key.startsWith("ebpf_exporter_cpu_migrations_total{")) continue;
      const path = label(key, "cgroup")!;
      ok(path.startsWith("/sys/fs/cgroup"), `cgroup label ${path} is not a path`);
    }
    equal(after.get('ebpf_exporter_decoder_errors_total{config="cpu_migrations"}'), 0);
    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await loop.stop();
    await exporter.stop();
    for (let i = 0; i < 50; i++) {
      try {
        Deno.removeSync(cgroup);
        break;
      } catch {
        await delay(20); // the killed task leaves the cgroup asynchronously
      }
    }
  }
});
