/**
 * In-process consumer tests on the real kernel: exact delivery of 10k+ events through the perf
 * buffers and the ring buffer, and what consuming them costs per event.
 */
import { equal, ok } from "#assert";
import { loadKernelConfig } from "../src/bpf/kernel_config.ts";
import { loadConfigs } from "../src/config/load.ts";
import { EventStreams } from "../src/events/streams.ts";
import { Exporter } from "../src/exporter.ts";
import { encodeText } from "../src/exposition/text.ts";
import { TEST_ENV } from "../src/metrics/test_env.ts";
import type { SpanData } from "../src/tracing/spans.ts";
import { parseSamples } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";
import { withNamedBinary } from "./helpers/named_binary.ts";

const FIXTURES = "tests/fixtures/bpf";

/** Runs `dd` renamed to `name`, copying `count` single bytes: one read and one write each. */
function ddAs(name: string, count: number): Promise<void> {
  return withNamedBinary("/usr/bin/dd", name, async (exe) => {
    const out = await new Deno.Command(exe, {
      args: ["if=/dev/zero", "of=/dev/null", "bs=1", `count=${count}`, "status=none"],
    }).output();
    ok(out.success, new TextDecoder().decode(out.stderr));
  });
}

async function loadExporter(name: string, spans?: { export(s: SpanData, svc: string): void }) {
  const { configs } = await loadConfigs(FIXTURES, [name]);
  const loaded = loadKernelConfig(configs[0]);
  const exporter = new Exporter([loaded], TEST_ENV, { spans });
  return { exporter, streams: EventStreams.open(exporter.eventSinks()) };
}

function perEvent(ms: number, events: number): string {
  return `${ms.toFixed(2)} ms for ${events} events = ${(ms * 1000 / events).toFixed(2)} µs/event`;
}

kernelTest("perf buffers deliver every one of 10k events; consume cost per event", [
  `${FIXTURES}/perf_events.bpf.o`,
], async () => {
  const { exporter, streams } = await loadExporter("perf_events");
  try {
    await ddAs("ebpfbnch", 1000); // warm-up: the measured run below starts with a warm JIT
    const warmup = streams.drain();
    exporter.collect();
    await ddAs("ebpfbnch", 5000);
    const start = performance.now();
    const records = streams.drain();
    const ms = performance.now() - start;
    console.log(`perf_event_array: ${perEvent(ms, records)}`);
    const samples = parseSamples(encodeText(exporter.collect()));
    // The counter keeps counting across drains (flush_interval 1h): warm-up + measured run.
    const count = (syscall: string) =>
      samples.get(`ebpf_exporter_bench_events_total{comm="ebpfbnch",syscall="${syscall}"}`);
    // dd's own start-up adds a few reads and writes to the 5000 of each it copies.
    ok(count("read")! >= 6000 && count("write")! >= 6000, JSON.stringify([...samples]));
    ok(records >= 10_000, `${records} records`);
    let total = 0;
    for (const [series, value] of samples) {
      if (series.startsWith("ebpf_exporter_bench_events_total{")) total += value;
    }
    equal(total, records + warmup, "every record counted once");
    equal(
      samples.get(
        'ebpf_exporter_perf_event_array_lost_total{config="perf_events",map="bench_events_total"}',
      ),
      0,
    );
  } finally {
    await streams.stop();
    streams.close();
    exporter.close();
  }
});

kernelTest("the ring buffer delivers every one of 10k records as spans; cost per record", [
  `${FIXTURES}/ringbuf_spans.bpf.o`,
], async () => {
  const spans: SpanData[] = [];
  const { exporter, streams } = await loadExporter("ringbuf_spans", {
    export: (span) => spans.push(span),
  });
  try {
    await ddAs("ebpfspanbnch", 1000); // warm-up
    streams.drain();
    spans.length = 0;
    await ddAs("ebpfspanbnch", 5000);
    const start = performance.now();
    const records = streams.drain();
    const ms = performance.now() - start;
    console.log(`ringbuf -> spans: ${perEvent(ms, records)}`);
    ok(records >= 10_000, `${records} records`);
    equal(spans.length, records);
    // span_duration_ns carries the syscall number in this fixture: 0 = read, 1 = write.
    const reads = spans.filter((s) => s.durationNs === 0n).length;
    const writes = spans.filter((s) => s.durationNs === 1n).length;
    ok(reads >= 5000 && writes >= 5000, `${reads} reads, ${writes} writes`);
    ok(spans.every((s) => s.name === "bench" && s.spanId === "b1b2b3b4b5b6b7b8"));
    // Monotonic starts in order became increasing wall times.
    for (let i = 1; i < spans.length; i++) ok(spans[i].startUnixNs >= spans[i - 1].startUnixNs);
  } finally {
    await streams.stop();
    streams.close();
    exporter.close();
  }
});

kernelTest("the event loop wakes on new records and stops at once", [
  `${FIXTURES}/ringbuf_spans.bpf.o`,
], async () => {
  const spans: SpanData[] = [];
  const { exporter, streams } = await loadExporter("ringbuf_spans", {
    export: (span) => spans.push(span),
  });
  try {
    streams.start();
    await ddAs("ebpfspanbnch", 10);
    const deadline = Date.now() + 2000;
    while (spans.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    ok(spans.length >= 20, `${spans.length} spans consumed by the loop`);
    const stopStart = performance.now();
    await streams.stop();
    ok(performance.now() - stopStart < 500, "stop waits for the 1 s epoll timeout");
  } finally {
    streams.close();
    exporter.close();
  }
});
