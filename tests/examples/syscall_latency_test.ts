import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { labelsOf, run, seriesWith, value } from "./process_helpers.ts";

const SLEEPS = 3;
const METRIC = "ebpf_exporter_syscall_latency_seconds";

kernelTest("syscall_latency: 0.2 s sleeps land in the 0.26 s bucket of an exp2zero histogram", [
  "examples/syscall_latency.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("syscall_latency", {
    extraArgs: ["--config.strict"],
  });
  try {
    // coreutils sleep calls clock_nanosleep, upstream's name: clock_nanosleep_time64.
    const sleep = `syscall="clock_nanosleep_time64"`;
    const before = parseSamples(await exporter.scrape());
    await Promise.all(Array.from({ length: SLEEPS }, () => run("sleep", ["0.2"])));
    const text = await exporter.scrape();
    const after = parseSamples(text);

    const grew = (series: string) => value(after, series) - value(before, series);
    // (0.131072, 0.262144] s: the 0.2 s sleeps, and nothing faster.
    const slow = grew(`${METRIC}_bucket{${sleep},le="0.262144"}`) -
      grew(`${METRIC}_bucket{${sleep},le="0.131072"}`);
    ok(slow >= SLEEPS, `${slow} clock_nanosleep calls in (0.131072, 0.262144] s`);
    ok(grew(`${METRIC}_count{${sleep}}`) >= SLEEPS);
    ok(grew(`${METRIC}_sum{${sleep}}`) >= 0.2 * SLEEPS, "sum did not grow by the sleeps");

    // exp2zero: the first bucket is le="0" (calls under 1 us), then 1e-06, 2e-06, ...
    ok(after.has(`${METRIC}_bucket{${sleep},le="0"}`), "no le=0 bucket");
    ok(after.has(`${METRIC}_bucket{${sleep},le="1e-06"}`), "no le=1e-06 bucket");
    ok(after.has(`${METRIC}_bucket{${sleep},le="67.108864"}`), "last bound is not 2^26 us");
    const zero = seriesWith(after, `${METRIC}_bucket{`)
      .filter(([series]) => series.endsWith(`le="0"}`))
      .reduce((n, [, v]) => n + v, 0);
    ok(zero > 0, "no syscall finished within a microsecond");

    for (const [series, count] of seriesWith(after, `${METRIC}_count{`)) {
      const { syscall } = labelsOf(series);
      equal(value(after, `${METRIC}_bucket{syscall="${syscall}",le="+Inf"}`), count, series);
    }
    equal(after.get('ebpf_exporter_decoder_errors_total{config="syscall_latency"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
  }
});
