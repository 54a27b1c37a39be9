import { deepEqual, equal, match, ok, throws } from "#assert";
import {
  DEFAULT_TRACES_URL,
  type EnvReader,
  netPermissionHost,
  type OtelVariable,
  parseHeaders,
  SpanPipeline,
  TracingConfigError,
  tracingSettings,
} from "./otlp.ts";
import type { SpanData } from "./spans.ts";

function env(vars: Partial<Record<OtelVariable, string>>): EnvReader {
  return (name) => vars[name];
}

Deno.test("OTEL settings: defaults are OTLP http/protobuf to localhost:4318", () => {
  const s = tracingSettings(env({}));
  deepEqual(s.exporters, ["otlp"]);
  equal(s.otlp.protocol, "http/protobuf");
  equal(s.otlp.url, DEFAULT_TRACES_URL);
  equal(s.otlp.timeoutMs, 10_000);
  equal(s.otlp.compression, "none");
  deepEqual(s.batch, {
    scheduleDelayMs: 5000,
    exportTimeoutMs: 30_000,
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
  });
  equal(s.serviceName, undefined);
});

Deno.test("OTEL settings: endpoints, headers, protocol, timeouts, service name", () => {
  const s = tracingSettings(env({
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_HEADERS: "a=1, b = two%20words ",
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: "b=3",
    OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
    OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
    OTEL_SERVICE_NAME: "edge",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_BSP_MAX_QUEUE_SIZE: "10",
  }));
  equal(s.otlp.url, "http://collector:4318/v1/traces");
  equal(s.otlp.protocol, "http/json");
  deepEqual(s.otlp.headers, { a: "1", b: "3" });
  equal(s.otlp.timeoutMs, 2500);
  equal(s.otlp.compression, "gzip");
  equal(s.serviceName, "edge");
  equal(s.batch.scheduleDelayMs, 100);
  equal(s.batch.maxExportBatchSize, 10, "a batch never exceeds the queue");
  equal(
    tracingSettings(env({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://c.example/otlp/" })).otlp.url,
    "https://c.example/otlp/v1/traces",
  );
  equal(
    tracingSettings(env({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:1",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:9999/custom",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    })).otlp.url,
    "http://127.0.0.1:9999/custom",
  );
  deepEqual(parseHeaders("X", "k=v=w,,x=%ZZ"), { k: "v=w", x: "%ZZ" });
});

Deno.test("OTEL settings: none and console exporters", () => {
  deepEqual(tracingSettings(env({ OTEL_TRACES_EXPORTER: "none" })).exporters, []);
  deepEqual(tracingSettings(env({ OTEL_TRACES_EXPORTER: "console,otlp" })).exporters, [
    "console",
    "otlp",
  ]);
});

Deno.test("OTEL settings: unusable values are refused with the variable's name", () => {
  const cases: [Partial<Record<OtelVariable, string>>, RegExp][] = [
    [{ OTEL_TRACES_EXPORTER: "zipkin" }, /OTEL_TRACES_EXPORTER: expected otlp, console or none/],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, /grpc is not supported/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "localhost:4318" }, /OTEL_EXPORTER_OTLP_ENDPOINT: expected/],
    [{ OTEL_EXPORTER_OTLP_TIMEOUT: "soon" }, /OTEL_EXPORTER_OTLP_TIMEOUT: expected a positive/],
    [{ OTEL_EXPORTER_OTLP_COMPRESSION: "zstd" }, /expected gzip or none/],
    [{ OTEL_EXPORTER_OTLP_HEADERS: "novalue" }, /OTEL_EXPORTER_OTLP_HEADERS: expected key=value/],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: "0" }, /OTEL_BSP_MAX_QUEUE_SIZE/],
  ];
  for (const [vars, message] of cases) {
    throws(() => tracingSettings(env(vars)), (e: Error) => {
      ok(e instanceof TracingConfigError);
      match(e.message, message);
      return true;
    });
  }
});

Deno.test("OTLP endpoint host:port as --allow-net names it", () => {
  equal(netPermissionHost("http://localhost:4318/v1/traces"), "localhost:4318");
  equal(netPermissionHost("https://collector.example/v1/traces"), "collector.example:443");
  equal(netPermissionHost("http://10.0.0.1/v1/traces"), "10.0.0.1:80");
});

const SPAN: SpanData = {
  name: "exec",
  traceId: "0102030405060708090a0b0c0d0e0f10",
  spanId: "b1b2b3b4b5b6b7b8",
  parentSpanId: "a1a2a3a4a5a6a7a8",
  startUnixNs: 1_700_000_000_123_456_789n,
  durationNs: 2_500_000_001n,
  attributes: { comm: "bash", "ebpf_exporter.config": "exec-trace" },
};

/** A loopback OTLP/HTTP receiver that records every request. */
function receiver(): {
  url: string;
  bodies: { type: string; body: Uint8Array }[];
  close(): Promise<void>;
} {
  const bodies: { type: string; body: Uint8Array }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    bodies.push({
      type: req.headers.get("content-type") ?? "",
      body: new Uint8Array(await req.arrayBuffer()),
    });
    return new Response(req.headers.get("content-type") === "application/json" ? "{}" : "", {
      headers: { "content-type": req.headers.get("content-type") ?? "" },
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    bodies,
    close: () => server.shutdown(),
  };
}

Deno.test({
  name: "span pipeline: OTLP http/json carries ids, times, kind, attributes and the resource",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const rx = receiver();
    try {
      const pipeline = new SpanPipeline(tracingSettings(env({
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "from-env",
      })));
      pipeline.export(SPAN, "kernel");
      pipeline.export({ ...SPAN, parentSpanId: undefined, spanId: "c1c2c3c4c5c6c7c8" }, "");
      await pipeline.shutdown();
      equal(rx.bodies.length, 1);
      equal(rx.bodies[0].type, "application/json");
      const doc = JSON.parse(new TextDecoder().decode(rx.bodies[0].body));
      const byService = new Map<string, Record<string, unknown>[]>();
      for (const rs of doc.resourceSpans) {
        const service = rs.resource.attributes.find((a: { key: string }) =>
          a.key === "service.name"
        )
          .value.stringValue;
        byService.set(service, rs.scopeSpans.flatMap((s: { spans: unknown[] }) => s.spans));
        equal(rs.scopeSpans[0].scope.name, "github.com/cloudflare/ebpf_exporter/v2/tracing");
      }
      deepEqual([...byService.keys()].sort(), ["from-env", "kernel"]);
      const span = byService.get("kernel")![0];
      equal(span.traceId, SPAN.traceId);
      equal(span.spanId, SPAN.spanId);
      equal(span.parentSpanId, SPAN.parentSpanId);
      equal(span.name, "exec");
      equal(span.kind, 1); // SPAN_KIND_INTERNAL
      equal(span.startTimeUnixNano, "1700000000123456789");
      equal(span.endTimeUnixNano, "1700000002623456790");
      deepEqual(span.attributes, [
        { key: "comm", value: { stringValue: "bash" } },
        { key: "ebpf_exporter.config", value: { stringValue: "exec-trace" } },
      ]);
      deepEqual(span.status, { code: 0 });
      const root = byService.get("from-env")![0];
      equal(root.parentSpanId ?? "", "");
    } finally {
      await rx.close();
    }
  },
});

Deno.test({
  name: "span pipeline: OTLP http/protobuf by default; none exports nothing",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const rx = receiver();
    try {
      const proto = new SpanPipeline(tracingSettings(env({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${rx.url}/v1/traces`,
      })));
      proto.export(SPAN, "kernel");
      await proto.shutdown();
      equal(rx.bodies.length, 1);
      equal(rx.bodies[0].type, "application/x-protobuf");
      const hex = Array.from(rx.bodies[0].body, (b) => b.toString(16).padStart(2, "0")).join("");
      ok(hex.includes(SPAN.traceId) && hex.includes(SPAN.spanId) && hex.includes("a1a2a3a4"));

      const none = new SpanPipeline(tracingSettings(env({
        OTEL_TRACES_EXPORTER: "none",
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      })));
      none.export(SPAN, "kernel");
      await none.shutdown();
      equal(none.exported, 0);
      equal(rx.bodies.length, 1);
    } finally {
      await rx.close();
    }
  },
});
