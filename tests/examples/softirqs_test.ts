import { deepEqual, equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { bounds, checkHistogram, delay, label, loopbackServer } from "./sched_helpers.ts";

const CONNECTIONS = 10;
const KINDS = [
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
];

kernelTest("softirqs: loopback TCP raises net_rx, time raises timer, with linear latency buckets", [
  "examples/softirqs.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("softirqs", { extraArgs: ["--config.strict"] });
  const server = loopbackServer();
  try {
    const counter = (m: Map<string, number>, kind: string) =>
      m.get(`ebpf_exporter_softirqs_total{kind="${kind}"}`) ?? 0;
    const before = parseSamples(await exporter.scrape());

    // Every segment sent over loopback is received in the NET_RX softirq of the sending CPU.
    await server.connect(CONNECTIONS);
    // Timer-wheel timers (TCP's among them) expire in the TIMER softirq as time passes.
    await delay(1000);

    const text = await exporter.scrape();
    const after = parseSamples(text);

    // All ten kinds are named (a PERCPU_ARRAY has every slot), none left as a number.
    const kinds = [...after.keys()].filter((k) => k.startsWith("ebpf_exporter_softirqs_total{"))
      .map((k) => label(k, "kind"));
    deepEqual(kinds.sort(), [...KINDS].sort());

    const netRx = counter(after, "net_rx") - counter(before, "net_rx");
    ok(netRx >= CONNECTIONS, `net_rx softirqs grew by ${netRx}, expected >= ${CONNECTIONS}`);
    const timer = counter(after, "timer") - counter(before, "timer");
    ok(timer > 0, "no timer softirq in 1 s");

    // Linear histogram: bounds 0, 1 us, ..., 100 us; cumulative; +Inf = _count.
    const expected = bounds(0, 100, (k) => k * 0.000001);
    equal(expected[1], "1e-06");
    // 100 * 1e-6 in float64, printed like Go's client (and upstream) prints it.
    equal(expected[100], "9.999999999999999e-05");
    const base = "ebpf_exporter_softirq_latency_seconds";
    const histBefore = before.get(`${base}_count{kind="net_rx"}`) ?? 0;
    const histAfter = checkHistogram(after, base, 'kind="net_rx"', expected);
    ok(
      histAfter - histBefore >= CONNECTIONS,
      `net_rx latency count grew by ${histAfter - histBefore}`,
    );
    ok((after.get(`${base}_sum{kind="net_rx"}`) ?? 0) > 0, "net_rx latency sum is 0");
    checkHistogram(after, base, 'kind="timer"', expected);

    equal(after.get('ebpf_exporter_decoder_errors_total{config="softirqs"}'), 0);
    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await server.close();
    await exporter.stop();
  }
});
