import { deepEqual, equal, ok } from "#assert";
import { LabelSet, type MetricFamily } from "../metrics/family.ts";
import { encodeText, TEXT_CONTENT_TYPE } from "../exposition/text.ts";
import { encodeOpenMetrics, OPENMETRICS_1_0_0_CONTENT_TYPE } from "../exposition/openmetrics.ts";
import {
  decodeProtobuf,
  encodeProtobuf,
  PROTOBUF_CONTENT_TYPE,
  toProtoFamily,
} from "../exposition/protobuf.ts";
import { createHandler, type HandlerOptions, scrapeTimeoutMs } from "./handler.ts";

const FAMILIES: MetricFamily[] = [
  {
    name: "ebpf_exporter_enabled_configs",
    help: "The set of enabled configs",
    type: "gauge",
    series: [{ labels: LabelSet.of({ name: "timers" }), value: 1 }],
  },
];

function handler(extra: Partial<HandlerOptions> = {}) {
  let gathers = 0;
  const h = createHandler({
    telemetryPath: "/metrics",
    gather: () => {
      gathers++;
      return Promise.resolve(FAMILIES);
    },
    version: "2.5.0-deno",
    ...extra,
  });
  return { h, gathers: () => gathers };
}

function req(path: string, method = "GET"): Request {
  return new Request("http://localhost:9435" + path, { method });
}

/** A request for /metrics with `headers`. */
function scrape(headers: Record<string, string>, method = "GET"): Request {
  return new Request("http://localhost:9435/metrics", { method, headers });
}

Deno.test("GET /metrics serves the text exposition", async () => {
  const { h, gathers } = handler();
  const res = await h(req("/metrics"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), TEXT_CONTENT_TYPE);
  ok(res.body instanceof ReadableStream);
  equal(await res.text(), encodeText(FAMILIES));
  equal(gathers(), 1);
});

Deno.test("GET /metrics ignores the query string", async () => {
  const { h } = handler();
  const res = await h(req("/metrics?name[]=x"));
  equal(res.status, 200);
  equal(await res.text(), encodeText(FAMILIES));
});

Deno.test("GET /metrics streams large output in several chunks", async () => {
  const series = Array.from({ length: 20000 }, (_, i) => ({
    labels: LabelSet.of({ id: String(i) }),
    value: i,
  }));
  const fams: MetricFamily[] = [{ name: "big", help: "Big.", type: "counter", series }];
  const { h } = handler({ gather: () => Promise.resolve(fams) });
  const res = await h(req("/metrics"));
  const reader = res.body!.getReader();
  const parts: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  ok(parts.length > 1, `${parts.length} chunks`);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  equal(new TextDecoder().decode(all), encodeText(fams));
});

Deno.test("GET /metrics with nothing to expose is an empty 200", async () => {
  const { h } = handler({ gather: () => Promise.resolve([]) });
  const res = await h(req("/metrics"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), TEXT_CONTENT_TYPE);
  equal(await res.text(), "");
});

Deno.test("GET /metrics: non-UTF-16-safe label values are UTF-8 encoded", async () => {
  const fams: MetricFamily[] = [{
    name: "u",
    help: "Ü",
    type: "gauge",
    series: [{ labels: LabelSet.of({ s: "✓ naïve" }), value: 1 }],
  }];
  const { h } = handler({ gather: () => Promise.resolve(fams) });
  const res = await h(req("/metrics"));
  equal(await res.text(), '# HELP u Ü\n# TYPE u gauge\nu{s="✓ naïve"} 1\n');
});

Deno.test("gather failure is a 500 naming the error", async () => {
  const { h } = handler({ gather: () => Promise.reject(new Error("map timers: EPERM")) });
  const res = await h(req("/metrics"));
  equal(res.status, 500);
  equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  equal(
    await res.text(),
    "An error has occurred while serving metrics:\n\nerror gathering metrics: map timers: EPERM\n",
  );
});

Deno.test("a non-Error rejection is still reported", async () => {
  const { h } = handler({ gather: () => Promise.reject("boom") });
  const res = await h(req("/metrics"));
  equal(res.status, 500);
  ok((await res.text()).includes("boom"));
});

Deno.test("a synchronous throw from gather is a 500 too", async () => {
  const { h } = handler({
    gather: () => {
      throw new TypeError("not ready");
    },
  });
  const res = await h(req("/metrics"));
  equal(res.status, 500);
  ok((await res.text()).includes("not ready"));
});

Deno.test("an encoding failure (bad family) is a 500, not a broken stream", async () => {
  const bad = [{ name: "x", help: "", type: "gauge", series: [{ labels: null, value: 1 }] }];
  const { h } = handler({
    gather: () => Promise.resolve(bad as unknown as MetricFamily[]),
  });
  const res = await h(req("/metrics"));
  equal(res.status, 500);
  await res.body?.cancel();
});

Deno.test("HEAD /metrics: same status and headers, no body", async () => {
  const { h, gathers } = handler();
  const res = await h(req("/metrics", "HEAD"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), TEXT_CONTENT_TYPE);
  equal(res.body, null);
  equal(gathers(), 1);
});

Deno.test("HEAD /metrics with a failing gather is a 500", async () => {
  const { h } = handler({ gather: () => Promise.reject(new Error("x")) });
  const res = await h(req("/metrics", "HEAD"));
  equal(res.status, 500);
  await res.body?.cancel();
});

Deno.test("custom telemetry path", async () => {
  const { h } = handler({ telemetryPath: "/ebpf/metrics" });
  equal((await h(req("/ebpf/metrics"))).status, 200);
  const old = await h(req("/metrics"));
  equal(old.status, 404);
  await old.body?.cancel();
  const landing = await h(req("/"));
  ok((await landing.text()).includes('href="/ebpf/metrics"'));
});

Deno.test("GET / is the landing page", async () => {
  const { h, gathers } = handler();
  const res = await h(req("/"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  const body = await res.text();
  ok(body.includes("<title>eBPF Exporter</title>"));
  ok(body.includes('<a href="/metrics">Metrics</a>'));
  ok(body.includes("2.5.0-deno"));
  ok(!body.includes("/maps"));
  equal(gathers(), 0);
});

Deno.test("landing page escapes the telemetry path and version", async () => {
  const { h } = handler({ telemetryPath: '/m"<x>', version: "<v>" });
  const body = await (await h(req("/"))).text();
  ok(body.includes('href="/m&#34;&#60;x&#62;"'));
  ok(body.includes("&#60;v&#62;"));
});

Deno.test("HEAD / has headers and no body", async () => {
  const { h } = handler();
  const res = await h(req("/", "HEAD"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  equal(res.body, null);
});

Deno.test("telemetry path / wins over the landing page", async () => {
  const { h } = handler({ telemetryPath: "/" });
  const res = await h(req("/"));
  equal(res.headers.get("content-type"), TEXT_CONTENT_TYPE);
  equal(await res.text(), encodeText(FAMILIES));
});

Deno.test("/maps is 404 without a maps dumper", async () => {
  const { h } = handler();
  const res = await h(req("/maps"));
  equal(res.status, 404);
  equal(await res.text(), "404 page not found\n");
  const post = await h(req("/maps", "POST"));
  equal(post.status, 404);
  await post.body?.cancel();
});

Deno.test("/maps serves the dump with --debug, and the landing page links it", async () => {
  const { h } = handler({
    maps: (format) => Promise.resolve(format === "json" ? '{"configs":[]}' : "## Config: timers\n"),
  });
  const res = await h(req("/maps"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  equal(await res.text(), "## Config: timers\n");
  const json = await h(req("/maps?format=json"));
  equal(json.headers.get("content-type"), "application/json; charset=utf-8");
  equal(await json.text(), '{"configs":[]}');
  ok((await (await h(req("/"))).text()).includes('<a href="/maps">Maps</a>'));
  const head = await h(req("/maps", "HEAD"));
  equal(head.status, 200);
  equal(head.body, null);
});

Deno.test("/maps failure is a 500 naming the error", async () => {
  const { h } = handler({ maps: () => Promise.reject(new Error("map gone")) });
  const res = await h(req("/maps"));
  equal(res.status, 500);
  equal(await res.text(), "An error has occurred while reading maps:\n\nmap gone\n");
});

for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
  Deno.test(`${method} on known paths is 405 with Allow`, async () => {
    const { h, gathers } = handler({ maps: () => Promise.resolve("") });
    for (const path of ["/metrics", "/", "/maps"]) {
      const res = await h(req(path, method));
      equal(res.status, 405, `${method} ${path}`);
      equal(res.headers.get("allow"), "GET, HEAD");
      equal(await res.text(), "Method Not Allowed\n");
    }
    equal(gathers(), 0);
  });
}

for (const path of ["/metricsx", "/metrics/", "/favicon.ico", "/Metrics", "//metrics", "/maps/x"]) {
  Deno.test(`unknown path ${path} is 404`, async () => {
    const { h, gathers } = handler({ maps: () => Promise.resolve("") });
    const res = await h(req(path));
    equal(res.status, 404);
    equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    equal(await res.text(), "404 page not found\n");
    equal(gathers(), 0);
  });
}

Deno.test("unknown path with a bad method is 404, not 405", async () => {
  const { h } = handler();
  const res = await h(req("/nope", "POST"));
  equal(res.status, 404);
  await res.body?.cancel();
});

Deno.test("each scrape gathers afresh", async () => {
  let n = 0;
  const { h } = handler({
    gather: () =>
      Promise.resolve([{
        name: "scrapes_total",
        help: "S.",
        type: "counter",
        series: [{ labels: LabelSet.EMPTY, value: ++n }],
      }]),
  });
  ok((await (await h(req("/metrics"))).text()).endsWith("scrapes_total 1\n"));
  ok((await (await h(req("/metrics"))).text()).endsWith("scrapes_total 2\n"));
});

/** A GET /metrics with Prometheus' scrape timeout header. */
function scrapeWithin(seconds: string): Request {
  return scrape({ "X-Prometheus-Scrape-Timeout-Seconds": seconds });
}

/** A gather that answers after `ms` milliseconds, counting its calls. */
function slowGather(ms: number) {
  let calls = 0;
  return {
    gather: () => {
      calls++;
      return new Promise<MetricFamily[]>((r) => setTimeout(() => r(FAMILIES), ms));
    },
    calls: () => calls,
  };
}

Deno.test("a scrape slower than X-Prometheus-Scrape-Timeout-Seconds gets 503, at the timeout", async () => {
  const slow = slowGather(400);
  const { h } = handler({ gather: slow.gather });
  const started = performance.now();
  const res = await h(scrapeWithin("0.05"));
  const took = performance.now() - started;
  equal(res.status, 503);
  ok((await res.text()).includes("0.05 s the scraper allows"));
  ok(took < 300, `answered after ${took} ms, not when gathering ended`);
  await new Promise((r) => setTimeout(r, 400)); // let the slow gather finish (no leaked timer)
});

Deno.test("a scrape within its timeout is served normally", async () => {
  const slow = slowGather(10);
  const { h } = handler({ gather: slow.gather });
  const res = await h(scrapeWithin("5"));
  equal(res.status, 200);
  equal(await res.text(), encodeText(FAMILIES));
});

Deno.test("a gather that blocks the event loop past the timeout is a 503 too", async () => {
  const { h } = handler({
    gather: () => {
      const until = performance.now() + 120;
      while (performance.now() < until) { /* a synchronous collection */ }
      return Promise.resolve(FAMILIES);
    },
  });
  equal((await h(scrapeWithin("0.05"))).status, 503);
});

Deno.test("a gather failing after its scrape timed out is not an unhandled rejection", async () => {
  const { h } = handler({
    gather: () => new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 50)),
  });
  equal((await h(scrapeWithin("0.01"))).status, 503);
  await new Promise((r) => setTimeout(r, 100));
});

Deno.test("without a usable scrape timeout header the scrape waits for gathering", async () => {
  for (const value of ["", "abc", "-1", "0", "1e12", "Infinity"]) {
    const slow = slowGather(60);
    const { h } = handler({ gather: slow.gather });
    equal((await h(scrapeWithin(value))).status, 200, value);
  }
});

Deno.test("scrapeTimeoutMs reads positive decimal seconds only", () => {
  const of = (v: string) =>
    scrapeTimeoutMs(new Headers({ "X-Prometheus-Scrape-Timeout-Seconds": v }));
  equal(of("10"), 10_000);
  equal(of(" 9.5 "), 9_500);
  equal(of(".5"), 500);
  equal(of("1e1"), 10_000);
  equal(of("0"), undefined);
  equal(of("-3"), undefined);
  equal(of("0x10"), undefined);
  equal(of("NaN"), undefined);
  equal(of("3e9"), undefined, "longer than a timer can wait");
  equal(scrapeTimeoutMs(new Headers()), undefined);
});

Deno.test("concurrent timed-out scrapes share the gather they wait for", async () => {
  let calls = 0;
  let inflight: Promise<MetricFamily[]> | undefined;
  const shared = () => {
    inflight ??= new Promise<MetricFamily[]>((r) => {
      calls++;
      setTimeout(() => r(FAMILIES), 150);
    }).finally(() => inflight = undefined);
    return inflight;
  };
  const { h } = handler({ gather: shared });
  const answers = await Promise.all([
    h(scrapeWithin("0.02")),
    h(scrapeWithin("5")),
    h(req("/metrics")),
  ]);
  equal(answers.map((r) => r.status).join(","), "503,200,200");
  equal(calls, 1);
});

/** Accept headers as Prometheus sends them. */
const PROMETHEUS_3_ACCEPT =
  "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
const PROTO_ACCEPT =
  "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.1";

const HISTOGRAMS: MetricFamily[] = [
  ...FAMILIES,
  {
    name: "ebpf_exporter_bio_latency_seconds",
    help: "Block IO latency",
    type: "histogram",
    bounds: [1e-6, 2e-6, 4e-6],
    series: [{
      labels: LabelSet.of({ device: "sda" }),
      cumulative: Float64Array.of(1, 3, 3),
      count: 3,
      sum: 4e-6,
    }],
  },
];

async function gunzip(res: Response): Promise<Uint8Array> {
  const plain = res.body!.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(plain).arrayBuffer());
}

Deno.test("GET /metrics speaks OpenMetrics to Prometheus 3.x, echoing its escaping", async () => {
  const { h } = handler({ gather: () => Promise.resolve(HISTOGRAMS) });
  const res = await h(scrape({ accept: PROMETHEUS_3_ACCEPT }));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), OPENMETRICS_1_0_0_CONTENT_TYPE + "; escaping=allow-utf-8");
  equal(res.headers.get("content-encoding"), null);
  const body = await res.text();
  equal(body, encodeOpenMetrics(HISTOGRAMS));
  ok(body.endsWith("# EOF\n"));
});

Deno.test("GET /metrics speaks delimited protobuf with native histograms when asked", async () => {
  const { h } = handler({ gather: () => Promise.resolve(HISTOGRAMS) });
  const res = await h(scrape({ accept: PROTO_ACCEPT }));
  equal(res.headers.get("content-type"), PROTOBUF_CONTENT_TYPE);
  const bytes = new Uint8Array(await res.arrayBuffer());
  deepEqual(bytes, encodeProtobuf(HISTOGRAMS));
  const decoded = decodeProtobuf(bytes);
  deepEqual(decoded, HISTOGRAMS.map(toProtoFamily));
  const histogram = decoded[1].metric[0].histogram!;
  deepEqual(histogram.positiveSpan.map((s) => [s.offset, s.length]), [[-20, 2]]);
  deepEqual(histogram.positiveDelta, [1n, 1n]);
});

Deno.test("an unknown Accept header gets text", async () => {
  const { h } = handler();
  const res = await h(scrape({ accept: "application/json" }));
  equal(res.headers.get("content-type"), TEXT_CONTENT_TYPE);
  equal(await res.text(), encodeText(FAMILIES));
});

for (
  const [name, accept, expected] of [
    ["text", "*/*", () => new TextEncoder().encode(encodeText(HISTOGRAMS))],
    [
      "OpenMetrics",
      PROMETHEUS_3_ACCEPT,
      () => new TextEncoder().encode(encodeOpenMetrics(HISTOGRAMS)),
    ],
    ["protobuf", PROTO_ACCEPT, () => encodeProtobuf(HISTOGRAMS)],
  ] as const
) {
  Deno.test(`gzip round trip: ${name}`, async () => {
    const { h } = handler({ gather: () => Promise.resolve(HISTOGRAMS) });
    const res = await h(scrape({ accept, "accept-encoding": "gzip" }));
    equal(res.status, 200);
    equal(res.headers.get("content-encoding"), "gzip");
    deepEqual(await gunzip(res), expected());
  });
}

Deno.test("gzip streams a large exposition, compressed, in several chunks", async () => {
  const series = Array.from({ length: 30000 }, (_, i) => ({
    labels: LabelSet.of({ id: String(i) }),
    value: i,
  }));
  const fams: MetricFamily[] = [{ name: "big_total", help: "Big.", type: "counter", series }];
  const { h } = handler({ gather: () => Promise.resolve(fams) });
  const res = await h(scrape({ "accept-encoding": "gzip, deflate, br" }));
  equal(res.headers.get("content-encoding"), "gzip");
  const [forSize, forContent] = res.body!.tee();
  let compressed = 0;
  let chunks = 0;
  for await (const chunk of forSize) {
    compressed += chunk.length;
    chunks++;
  }
  const text = new TextDecoder().decode(
    await gunzip(new Response(forContent)),
  );
  equal(text, encodeText(fams));
  ok(chunks > 1, `${chunks} chunks`);
  ok(compressed < text.length / 3, `${compressed} compressed bytes for ${text.length}`);
});

Deno.test("gzip of an empty exposition is a valid empty gzip stream", async () => {
  const { h } = handler({ gather: () => Promise.resolve([]) });
  const res = await h(scrape({ "accept-encoding": "gzip" }));
  equal(res.status, 200);
  equal(res.headers.get("content-encoding"), "gzip");
  equal((await gunzip(res)).length, 0);
});

Deno.test("no gzip unless it beats identity (client_golang's negotiation)", async () => {
  const { h } = handler();
  for (const enc of ["identity", "gzip;q=0", "br", "*", "gzip, identity"]) {
    const res = await h(scrape({ "accept-encoding": enc }));
    equal(res.headers.get("content-encoding"), null, enc);
    equal(await res.text(), encodeText(FAMILIES), enc);
  }
});

Deno.test("HEAD /metrics: the negotiated headers, no body", async () => {
  const { h, gathers } = handler();
  const res = await h(scrape({ accept: PROMETHEUS_3_ACCEPT, "accept-encoding": "gzip" }, "HEAD"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), OPENMETRICS_1_0_0_CONTENT_TYPE + "; escaping=allow-utf-8");
  equal(res.headers.get("content-encoding"), "gzip");
  equal(res.body, null);
  equal(gathers(), 1);
});

Deno.test("errors stay plain text whatever was negotiated", async () => {
  const { h } = handler({ gather: () => Promise.reject(new Error("boom")) });
  const res = await h(scrape({ accept: PROTO_ACCEPT, "accept-encoding": "gzip" }));
  equal(res.status, 500);
  equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  equal(res.headers.get("content-encoding"), null);
  ok((await res.text()).includes("boom"));
});

for (
  const { name, length, request, firstChunkNonEmpty } of [
    {
      name: "cancelling the body stops the encoder",
      length: 20000,
      request: () => req("/metrics"),
      firstChunkNonEmpty: true,
    },
    {
      name: "cancelling a gzip body stops the encoder",
      length: 40000,
      request: () => scrape({ "accept-encoding": "gzip" }),
      firstChunkNonEmpty: false,
    },
  ]
) {
  Deno.test(name, async () => {
    let reachedSecond = false;
    const big = Array.from({ length }, (_, i) => ({
      labels: LabelSet.of({ id: String(i) }),
      value: i,
    }));
    const fams: MetricFamily[] = [
      { name: "big", help: "Big.", type: "counter", series: big },
      {
        name: "later",
        help: "Later.",
        type: "gauge",
        get series() {
          reachedSecond = true;
          return [];
        },
      },
    ];
    const { h } = handler({ gather: () => Promise.resolve(fams) });
    const res = await h(request());
    const reader = res.body!.getReader();
    const first = await reader.read();
    if (firstChunkNonEmpty) ok(!first.done && first.value.length > 0);
    await reader.cancel();
    equal(reachedSecond, false);
  });
}
