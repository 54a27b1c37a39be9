import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { run, uniqueBinary, value } from "./process_helpers.ts";

const KEPT_RUNS = 5;
const DROPPED_RUNS = 3;

kernelTest("execs: execs counted by command, commands the regexp drops have no series", [
  "examples/execs.bpf.o",
], async () => {
  // The regexp of execs.yaml keeps ^ebpfexec.* and drops ebpfskip*.
  const kept = uniqueBinary("/usr/bin/true", "ebpfexec");
  const dropped = uniqueBinary("/usr/bin/true", "ebpfskip");
  const exporter = await ExporterProcess.start("execs", { extraArgs: ["--config.strict"] });
  try {
    const before = parseSamples(await exporter.scrape());
    for (let i = 0; i < KEPT_RUNS; i++) await run(kept.path, []);
    for (let i = 0; i < DROPPED_RUNS; i++) await run(dropped.path, []);
    const text = await exporter.scrape();
    const after = parseSamples(text);

    equal(value(after, `ebpf_exporter_execs_by_comm_total{comm="${kept.comm}"}`), KEPT_RUNS);
    ok(!text.includes(dropped.comm), `${dropped.comm} has a series`);
    for (const series of after.keys()) {
      if (!series.startsWith("ebpf_exporter_execs_by_comm_total{")) continue;
      ok(/\{comm="(ebpfexec.*|bash|sh|dash|python3?|deno|cron|sshd)"\}$/.test(series), series);
    }
    // The unlabeled counter counts every exec, kept or dropped.
    const all = value(after, "ebpf_exporter_execs_total") -
      value(before, "ebpf_exporter_execs_total");
    ok(all >= KEPT_RUNS + DROPPED_RUNS, `execs_total grew by ${all}`);
    // A dropped series is not a decoding error.
    equal(after.get('ebpf_exporter_decoder_errors_total{config="execs"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    kept.remove();
    dropped.remove();
  }
});
