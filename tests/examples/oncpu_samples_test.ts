import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { namedBinary } from "../helpers/named_binary.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { delay, label, spawn } from "./sched_helpers.ts";

/** Every symbol name in /proc/kallsyms (module symbols included). */
function kallsymsNames(): Set<string> {
  const names = new Set<string>();
  for (const line of Deno.readTextFileSync("/proc/kallsyms").split("\n")) {
    const name = line.split(/\s+/)[2];
    if (name) names.add(name);
  }
  return names;
}

/** CPU time (user + system) of a process so far, in seconds, from /proc/PID/stat. */
function cpuTime(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15, in USER_HZ (100) ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

kernelTest("oncpu_samples: a CPU-bound command is sampled at 49 Hz, with kernel stacks by name", [
  "examples/oncpu_samples.bpf.o",
], async () => {
  // A copy of dd with a unique name: its comm tells its samples apart. Reading /dev/zero keeps
  // it busy mostly inside the kernel (read -> read_iter_zero), so its stacks are kernel stacks.
  const dd = namedBinary("/usr/bin/dd", `oncpu${Deno.pid % 100000}`, { dir: "/var/tmp" });
  const comm = dd.comm;
  const exporter = await ExporterProcess.start("oncpu_samples", {
    extraArgs: ["--config.strict"],
  });
  try {
    // nice -20: other work on the machine (parallel tests) must not starve it of CPU.
    const busy = spawn("nice", [
      "-n",
      "-20",
      dd.path,
      "if=/dev/zero",
      "of=/dev/null",
      "bs=64k",
    ]);
    await delay(1500);
    const cpuSeconds = cpuTime(busy.pid);
    await busy.stop();

    const text = await exporter.scrape();
    const after = parseSamples(text);
    const samples = after.get(`ebpf_exporter_oncpu_samples_total{comm="${comm}"}`) ?? 0;
    // 1.5 s at 49 Hz is ~73 samples with a CPU to itself.
    ok(samples >= 30, `${comm}: ${samples} samples in 1.5 s, expected >= 30`);
    // And about 49 per CPU second it really ran (not a default rate of thousands).
    const expected = cpuSeconds * 49;
    ok(
      samples >= 0.6 * expected - 5 && samples <= 1.4 * expected + 5,
      `${comm}: ${samples} samples for ${cpuSeconds} CPU seconds at 49 Hz`,
    );

    // Kernel stacks are symbol names, one frame per line, innermost first.
    const symbols = kallsymsNames();
    let stacks = 0;
    let readSamples = 0;
    for (const [series, value] of after) {
      if (!series.startsWith("ebpf_exporter_oncpu_kernel_stack_samples_total{")) continue;
      stacks++;
      const frames = label(series, "kernel_stack")!.split("\\n").map((f) => f.split("\t")[0]);
      ok(frames.length > 0 && frames.length <= 32, series);
      for (const frame of frames) {
        ok(frame === "??" || symbols.has(frame), `frame "${frame}" is not a kernel symbol`);
      }
      if (frames.includes("ksys_read") && frames.includes("vfs_read")) readSamples += value;
    }
    ok(stacks > 0, "no kernel stacks sampled");
    ok(readSamples >= 10, `only ${readSamples} samples in a read() stack while dd read /dev/zero`);

    equal(after.get('ebpf_exporter_decoder_errors_total{config="oncpu_samples"}'), 0);
    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    dd.remove();
  }
});
