import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { label, loopbackServer, onlineCpus, possibleCpus, total } from "./sched_helpers.ts";

const CONNECTIONS = 10;
const KINDS = new Set([
  "hi",
  "timer",
  "net_tx",
  "net_rx",
  "block",
  "irq_poll",
  "tasklet",
  "sched",
  "hrtimer",
  "rcu",
]);

kernelTest("percpu_softirqs: one series per kind and CPU; pinned loopback TCP hits its CPU", [
  "examples/percpu_softirqs.bpf.o",
], async () => {
  const cpus = onlineCpus();
  const exporter = await ExporterProcess.start("percpu_softirqs", {
    extraArgs: ["--config.strict"],
  });
  const server = loopbackServer();
  try {
    const name = "ebpf_exporter_percpu_softirqs_total";
    const netRx = (m: Map<string, number>, cpu: number) =>
      m.get(`${name}{cpu="${cpu}",kind="net_rx"}`) ?? 0;
    const before = parseSamples(await exporter.scrape());

    // A sender pinned to a CPU queues loopback packets to that CPU's backlog and runs NET_RX
    // there, so each CPU's own net_rx series grows.
    for (const cpu of cpus) await server.connect(CONNECTIONS, cpu);

    const text = await exporter.scrape();
    const after = parseSamples(text);
    for (const cpu of cpus) {
      const grew = netRx(after, cpu) - netRx(before, cpu);
      ok(grew >= CONNECTIONS, `CPU ${cpu}: net_rx grew by ${grew}, expected >= ${CONNECTIONS}`);
      const all = (m: Map<string, number>) => total(m, `${name}{cpu="${cpu}",`);
      ok(all(after) > all(before), `CPU ${cpu}: no softirq counted`);
    }

    // Every series has a named kind and a possible CPU; a kind present has all possible CPUs.
    const possible = possibleCpus().map(String);
    const byKind = new Map<string, string[]>();
    for (const series of after.keys()) {
      if (!series.startsWith(`${name}{`)) continue;
      const kind = label(series, "kind")!;
      ok(KINDS.has(kind), `kind "${kind}" is not a softirq name`);
      byKind.set(kind, [...byKind.get(kind) ?? [], label(series, "cpu")!]);
    }
    for (const [kind, cpuLabels] of byKind) {
      equal(cpuLabels.sort().join(","), possible.join(","), `kind ${kind}: cpu labels`);
    }
    ok(byKind.has("net_rx") && byKind.has("timer"), [...byKind.keys()].join(","));

    equal(after.get('ebpf_exporter_decoder_errors_total{config="percpu_softirqs"}'), 0);
    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await server.close();
    await exporter.stop();
  }
});
