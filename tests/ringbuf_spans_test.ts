import { deepEqual, equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples, runExporter } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";
import { withNamedBinary } from "./helpers/named_binary.ts";

const FIXTURES = "tests/fixtures/bpf";
const OBJECT = `${FIXTURES}/ringbuf_spans.bpf.o`;
const TRACE_ID = "0102030405060708090a0b0c0d0e0f10";

/** An OTLP/HTTP receiver on loopback keeping every JSON request body. */
class OtlpReceiver {
  readonly requests: { path: string; type: string; body: string }[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  constructor() {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      this.requests.push({
        path: new URL(req.url).pathname,
        type: req.headers.get("content-type") ?? "",
        body: await req.text(),
      });
      return Response.json({});
    });
  }

  get hostPort(): string {
    return `127.0.0.1:${this.#server.addr.port}`;
  }

  /** Every span received, with its resource's service.name. */
  spans(): { service: string; span: OtlpSpan }[] {
    const out: { service: string; span: OtlpSpan }[] = [];
    for (const request of this.requests) {
      for (const rs of JSON.parse(request.body).resourceSpans) {
        const service = rs.resource.attributes.find((a: OtlpAttribute) => a.key === "service.name")
          ?.value.stringValue;
        for (const ss of rs.scopeSpans) for (const span of ss.spans) out.push({ service, span });
      }
    }
    return out;
  }

  close(): Promise<void> {
    return this.#server.shutdown();
  }
}

interface OtlpAttribute {
  key: string;
  value: { stringValue: string };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code?: number };
}

const OTEL_VARIABLES = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_BSP_SCHEDULE_DELAY",
  "OTEL_TRACES_EXPORTER",
];

/** Starts the exporter with the scoped permissions plus the receiver's address and OTEL_*. */
function startExporter(receiver: OtlpReceiver, env: Record<string, string>) {
  return ExporterProcess.start("ringbuf_spans", {
    configDir: FIXTURES,
    env,
    permissions: { net: [receiver.hostPort], env: OTEL_VARIABLES },
  });
}

/** Runs `sleep 0.05` as a process named ebpfspantest: one nanosleep, one exit_group. */
function sleepAsTestProcess(): Promise<void> {
  return withNamedBinary("/usr/bin/sleep", "ebpfspantest", async (exe) => {
    ok((await new Deno.Command(exe, { args: ["0.05"] }).output()).success);
  });
}

/** Scrapes until the config's decoder error count reaches `want` (the exit_group record). */
async function waitDecodeErrors(exporter: ExporterProcess, want: number): Promise<void> {
  const series = 'ebpf_exporter_decoder_errors_total{config="ringbuf_spans"}';
  let got: number | undefined;
  for (let i = 0; i < 50; i++) {
    got = parseSamples(await exporter.scrape()).get(series);
    if (got === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${series} is ${got}, expected ${want}`);
}

const attributes = (span: OtlpSpan) =>
  Object.fromEntries(span.attributes.map((a) => [a.key, a.value.stringValue]));

kernelTest("ring buffer spans reach an OTLP/HTTP receiver, flushed on SIGTERM", [
  OBJECT,
], async () => {
  const receiver = new OtlpReceiver();
  try {
    // A long batch delay: spans only leave when the exporter flushes on SIGTERM.
    const exporter = await startExporter(receiver, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${receiver.hostPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    });
    const before = BigInt(Date.now()) * 1_000_000n;
    try {
      await sleepAsTestProcess();
      await waitDecodeErrors(exporter, 1); // the all-zero trace id record of exit_group
      equal(receiver.requests.length, 0, "nothing is sent before the batch is due");
    } finally {
      equal((await exporter.stop("SIGTERM")).code, 0, exporter.stderr);
    }
    const after = BigInt(Date.now()) * 1_000_000n;

    ok(receiver.requests.length >= 1);
    for (const r of receiver.requests) {
      equal(r.path, "/v1/traces");
      equal(r.type, "application/json");
    }
    const spans = receiver.spans();
    equal(spans.length, 2, JSON.stringify(spans));
    const sleep = spans.find((s) => s.span.name === "clock_nanosleep")!;
    const enter = spans.find((s) => s.span.name === "enter")!;
    ok(sleep && enter, JSON.stringify(spans));

    equal(sleep.service, "ebpf-spans-test");
    equal(sleep.span.traceId, TRACE_ID);
    equal(sleep.span.spanId, "b1b2b3b4b5b6b7b8");
    equal(sleep.span.parentSpanId, "a1a2a3a4a5a6a7a8");
    equal(sleep.span.kind, 1); // SPAN_KIND_INTERNAL
    equal(sleep.span.status.code ?? 0, 0); // unset
    deepEqual(attributes(sleep.span), {
      comm: "ebpfspantest",
      "ebpf_exporter.config": "ringbuf_spans",
    });
    const start = BigInt(sleep.span.startTimeUnixNano);
    const duration = BigInt(sleep.span.endTimeUnixNano) - start;
    ok(duration >= 50_000_000n && duration < 5_000_000_000n, `duration ${duration} ns`);
    // The CLOCK_MONOTONIC timestamp became wall time: inside the test's window.
    ok(start >= before - 1_000_000_000n && start <= after, `start ${start}, ${before}..${after}`);

    equal(enter.span.traceId, TRACE_ID);
    equal(enter.span.parentSpanId ?? "", "", "an all-zero parent makes a root span");
    match(enter.span.spanId, /^[0-9a-f]{16}$/);
    ok(enter.span.spanId !== "0000000000000000" && enter.span.spanId !== "b1b2b3b4b5b6b7b8");
    equal(BigInt(enter.span.endTimeUnixNano), BigInt(enter.span.startTimeUnixNano));
    ok(BigInt(enter.span.startTimeUnixNano) <= start + 1_000_000n);
  } finally {
    await receiver.close();
  }
});

kernelTest("OTEL_TRACES_EXPORTER=none: records are consumed, nothing is sent", [
  OBJECT,
], async () => {
  const receiver = new OtlpReceiver();
  try {
    const exporter = await startExporter(receiver, {
      OTEL_TRACES_EXPORTER: "none",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${receiver.hostPort}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "50",
    });
    try {
      await sleepAsTestProcess();
      await waitDecodeErrors(exporter, 1);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      equal((await exporter.stop("SIGTERM")).code, 0, exporter.stderr);
    }
    match(exporter.stderr, /span export disabled/);
    equal(receiver.requests.length, 0);
  } finally {
    await receiver.close();
  }
});

kernelTest("an OTLP endpoint that --allow-net does not grant is refused at start-up", [
  OBJECT,
], async () => {
  // OTEL_* are not granted: the default endpoint localhost:4318 applies, and is not allowed.
  const out = await runExporter(["--config.names=ringbuf_spans", "--config.check"], FIXTURES);
  equal(out.code, 1, out.stderr);
  match(out.stderr, /tracing: --allow-net does not include localhost:4318/);
  match(out.stderr, /OTEL_TRACES_EXPORTER=none/);
});
