import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { namedBinary } from "../helpers/named_binary.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { bounds, checkHistogram, delay, label, run } from "./sched_helpers.ts";

const SLEEPS = 5;

kernelTest("task_block_time: each 50 ms nanosleep is one interruptible block in the 65 ms bucket", [
  "examples/task_block_time.bpf.o",
], async () => {
  // A copy of sleep with a unique name: each run blocks exactly once, in nanosleep
  // (TASK_INTERRUPTIBLE), and the hrtimer wakes it 50 ms later.
  const sleep = namedBinary("/usr/bin/sleep", `blk${Deno.pid % 100000}`, { dir: "/var/tmp" });
  const comm = sleep.comm;
  const exporter = await ExporterProcess.start("task_block_time", {
    extraArgs: ["--config.strict"],
  });
  try {
    await run("bash", ["-c", `for i in $(seq ${SLEEPS}); do ${sleep.path} 0.05; done`]);

    const text = await exporter.scrape();
    const after = parseSamples(text);
    const base = "ebpf_exporter_task_blocked_seconds";
    const labels = `comm="${comm}",state="interruptible"`;
    // exp2zero bounds: 0, then 2^(k-1) us for k = 1..32.
    const expected = bounds(0, 32, (k) => k === 0 ? 0 : Math.pow(2, k - 1) * 0.000001);
    equal(expected.slice(0, 3).join(" "), "0 1e-06 2e-06");
    equal(expected[32], "2147.483648");
    equal(checkHistogram(after, base, labels, expected), SLEEPS);
    // 50 ms is in (32.768 ms, 65.536 ms]: all of them land in the bucket bounded by 2^16 us.
    equal(after.get(`${base}_bucket{${labels},le="0.032768"}`), 0);
    equal(after.get(`${base}_bucket{${labels},le="0.065536"}`), SLEEPS);
    const sum = after.get(`${base}_sum{${labels}}`)!;
    ok(sum >= SLEEPS * 0.05 && sum < SLEEPS * 0.0655, `_sum ${sum} for ${SLEEPS} x 50 ms`);

    // Kinds are names; idle kernel threads (kworkers, RCU) block in TASK_IDLE, shown as idle.
    const statesOf = (m: Map<string, number>) =>
      new Set(
        [...m.keys()].filter((k) => k.startsWith(`${base}_count{`)).map((k) => label(k, "state")),
      );
    for (const state of statesOf(after)) {
      ok(["interruptible", "uninterruptible", "idle"].includes(state!), `state "${state}"`);
    }
    let idle = statesOf(after).has("idle");
    for (let i = 0; i < 20 && !idle; i++) {
      await delay(100);
      idle = statesOf(parseSamples(await exporter.scrape())).has("idle");
    }
    ok(idle, "no kernel thread woken from TASK_IDLE in 2 s");

    equal(after.get('ebpf_exporter_decoder_errors_total{config="task_block_time"}'), 0);
    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    sleep.remove();
  }
});
