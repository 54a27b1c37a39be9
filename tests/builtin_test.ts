import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples, runExporter } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";

const STATS = "/proc/sys/kernel/bpf_stats_enabled";

kernelTest("program run time and count are exported while kernel.bpf_stats_enabled is 1", [
  "examples/timers.bpf.o",
], async () => {
  const before = Deno.readTextFileSync(STATS).trim();
  Deno.writeTextFileSync(STATS, "1");
  const exporter = await ExporterProcess.start("timers");
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const samples = parseSamples(await exporter.scrape());
    const id = [...samples.keys()].find((k) => k.startsWith("ebpf_exporter_ebpf_program_info"))
      ?.match(/id="(\d+)"/)?.[1];
    ok(id, "no program info");
    ok((samples.get(`ebpf_exporter_ebpf_program_run_count_total{id="${id}"}`) ?? 0) > 0);
    ok((samples.get(`ebpf_exporter_ebpf_program_run_time_seconds{id="${id}"}`) ?? 0) > 0);
  } finally {
    await exporter.stop();
    Deno.writeTextFileSync(STATS, before);
  }
});

kernelTest("program run statistics are absent while kernel.bpf_stats_enabled is 0", [
  "examples/timers.bpf.o",
], async () => {
  const before = Deno.readTextFileSync(STATS).trim();
  Deno.writeTextFileSync(STATS, "0");
  const exporter = await ExporterProcess.start("timers");
  try {
    const text = await exporter.scrape();
    ok(!text.includes("ebpf_program_run_count_total"), text);
  } finally {
    await exporter.stop();
    Deno.writeTextFileSync(STATS, before);
  }
});

kernelTest("--btf.path loads against the given BTF, and a missing file is named", [
  "examples/timers.bpf.o",
], async () => {
  const good = await runExporter([
    "--config.names=timers",
    "--config.check",
    "--btf.path=/sys/kernel/btf/vmlinux",
  ]);
  equal(good.code, 0, good.stderr);
  const bad = await runExporter([
    "--config.names=timers",
    "--config.check",
    "--btf.path=/nonexistent/vmlinux",
  ]);
  equal(bad.code, 1);
  match(bad.stderr, /--btf.path=\/nonexistent\/vmlinux: no such file/);
});
