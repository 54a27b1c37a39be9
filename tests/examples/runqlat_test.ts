import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import {
  type Background,
  bounds,
  busyLoop,
  checkHistogram,
  onlineCpus,
  spawn,
} from "./sched_helpers.ts";

const BASE = "ebpf_exporter_run_queue_latency_seconds";
const SLEEPS = 20;

kernelTest("runqlat: wakeups under CPU contention land in the run-queue latency histogram", [
  "examples/runqlat.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("runqlat", { extraArgs: ["--config.strict"] });
  const busy: Background[] = [];
  try {
    const before = parseSamples(await exporter.scrape());
    const countBefore = before.get(`${BASE}_count`) ?? 0;

    // Every CPU busy, plus one sleeper per CPU: each `sleep` is a new task (sched_wakeup_new)
    // and is woken once from its nanosleep (sched_wakeup); bash is woken when it exits.
    for (const cpu of onlineCpus()) busy.push(busyLoop(cpu));
    const sleepers = onlineCpus().map(() =>
      spawn("bash", ["-c", `for i in $(seq ${SLEEPS}); do sleep 0.01; done`])
    );
    await Promise.all(sleepers.map((s) => s.done()));

    const text = await exporter.scrape();
    const after = parseSamples(text);
    const expected = bounds(0, 26, (k) => Math.pow(2, k) * 0.000001);
    equal(expected[0], "1e-06");
    equal(expected[26], "67.108864");
    const count = checkHistogram(after, BASE, "", expected);
    // 3 wakeups per sleep at least (new task, timer wakeup, its parent's wakeup on exit)
    const grew = count - countBefore;
    ok(grew >= 3 * SLEEPS * sleepers.length, `run-queue latency count grew by ${grew} only`);
    ok((after.get(`${BASE}_sum`) ?? 0) > (before.get(`${BASE}_sum`) ?? 0), "_sum did not grow");
    // With every CPU busy, some wakeups wait at least a few microseconds.
    ok(
      count - (after.get(`${BASE}_bucket{le="4e-06"}`) ?? 0) > 0,
      "no wakeup waited longer than 4 us under contention",
    );

    equal(after.get('ebpf_exporter_decoder_errors_total{config="runqlat"}'), 0);
    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await Promise.all(busy.map((b) => b.stop()));
    await exporter.stop();
  }
});
