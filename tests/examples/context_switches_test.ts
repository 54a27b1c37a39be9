import { deepEqual, equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { onlineCpus, possibleCpus, run } from "./sched_helpers.ts";

const SLEEPS = 20;

kernelTest("context_switches: one series per CPU, each growing with the work pinned to it", [
  "examples/context_switches.bpf.o",
], async () => {
  const cpus = onlineCpus();
  const exporter = await ExporterProcess.start("context_switches", {
    extraArgs: ["--config.strict"],
  });
  try {
    const series = (cpu: number) => `ebpf_exporter_context_switches_total{cpu="${cpu}"}`;
    const before = parseSamples(await exporter.scrape());

    // On each CPU, a shell that runs `sleep` SLEEPS times: the shell blocks in wait4 and each
    // sleep blocks in nanosleep, so the CPU switches away at least twice per iteration.
    await Promise.all(cpus.map((cpu) =>
      run("taskset", [
        "-c",
        `${cpu}`,
        "bash",
        "-c",
        `for i in $(seq ${SLEEPS}); do sleep 0.001; done`,
      ])
    ));

    const text = await exporter.scrape();
    const after = parseSamples(text);
    const family = [...after.keys()].filter((k) =>
      k.startsWith("ebpf_exporter_context_switches_total")
    );
    deepEqual(family.sort(), possibleCpus().map(series).sort(), "one series per possible CPU");
    for (const cpu of cpus) {
      const grew = after.get(series(cpu))! - (before.get(series(cpu)) ?? 0);
      ok(grew >= 2 * SLEEPS, `CPU ${cpu}: ${grew} context switches, expected >= ${2 * SLEEPS}`);
    }
    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
  }
});
