import { deepEqual, equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { checkHistogram, label, run } from "./sched_helpers.ts";

/** Device interrupt counts from /proc/interrupts, summed over CPUs, by handler name. */
function procInterrupts(): Map<string, number> {
  const lines = Deno.readTextFileSync("/proc/interrupts").split("\n");
  const cpus = lines[0].trim().split(/\s+/).length;
  const out = new Map<string, number>();
  for (const line of lines.slice(1)) {
    // " 36:   0   61847   PCI-MSIX-0000:00:02.0   1-edge   virtio1-req.0"
    const fields = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(fields[0])) continue; // LOC, RES, ...: CPU vectors without a handler
    const count = fields.slice(1, 1 + cpus).reduce((n, v) => n + Number(v), 0);
    const names = fields.slice(3 + cpus).join(" ");
    if (names === "") continue;
    for (const name of names.split(", ")) out.set(name, (out.get(name) ?? 0) + count);
  }
  return out;
}

kernelTest("hardirqs: direct disk IO shows up under the disk's interrupt handler name", [
  "examples/hardirqs.bpf.o",
], async () => {
  const dir = Deno.makeTempDirSync({ dir: "/var/tmp" });
  const exporter = await ExporterProcess.start("hardirqs", { extraArgs: ["--config.strict"] });
  try {
    const series = (name: string) => `ebpf_exporter_hardirqs_total{irq="${name}"}`;
    const before = parseSamples(await exporter.scrape());
    const procBefore = procInterrupts();
    // O_DIRECT writes and reads: every request completes with a virtio (or NVMe, ...) interrupt.
    await run("dd", ["if=/dev/zero", `of=${dir}/io`, "bs=256k", "count=16", "oflag=direct"]);
    await run("dd", [`if=${dir}/io`, "of=/dev/null", "bs=256k", "count=16", "iflag=direct"]);
    const procAfter = procInterrupts();
    const text = await exporter.scrape();
    const after = parseSamples(text);

    // Each handler that /proc/interrupts saw run during the IO was traced at least as often
    // (the exporter's window, between the two scrapes, contains the /proc window).
    const grown = [...procAfter].filter(([name, n]) => n > (procBefore.get(name) ?? 0));
    ok(grown.length > 0, "no device interrupt during direct IO");
    for (const [name, n] of grown) {
      const proc = n - (procBefore.get(name) ?? 0);
      const traced = (after.get(series(name)) ?? 0) - (before.get(series(name)) ?? 0);
      ok(traced >= proc, `${name}: /proc/interrupts +${proc}, hardirqs_total +${traced}`);
    }

    // Labels are handler names as /proc/interrupts prints them, not irq numbers.
    const names = [...after.keys()].filter((k) => k.startsWith("ebpf_exporter_hardirqs_total{"))
      .map((k) => label(k, "irq")!);
    for (const name of names) {
      ok(!/^\d+$/.test(name) && procAfter.has(name), `irq label "${name}" is not a handler name`);
    }

    // Fixed buckets: exactly the configured keys (in us), cumulative, +Inf = _count.
    const base = "ebpf_exporter_hardirq_latency_seconds";
    const busiest = grown.sort((a, b) => b[1] - a[1])[0][0];
    const count = checkHistogram(after, base, `irq="${busiest}"`, [
      "1e-06",
      "2e-06",
      "4.9999999999999996e-06",
      "9.999999999999999e-06",
      "1.9999999999999998e-05",
      "4.9999999999999996e-05",
      "9.999999999999999e-05",
      "0.00019999999999999998",
      "0.0005",
      "0.001",
    ]);
    ok(count > 0, `${busiest}: empty latency histogram`);
    ok((after.get(`${base}_sum{irq="${busiest}"}`) ?? 0) > 0, `${busiest}: latency sum is 0`);
    const histNames = [...after.keys()].filter((k) => k.startsWith(`${base}_count{`))
      .map((k) => label(k, "irq")!);
    deepEqual(histNames.filter((n) => !names.includes(n)), [], "histogram names not counted");

    equal(after.get('ebpf_exporter_decoder_errors_total{config="hardirqs"}'), 0);
    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
