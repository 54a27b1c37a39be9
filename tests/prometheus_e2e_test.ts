/**
 * A real Prometheus (Debian's 2.42, `--enable-feature=native-histograms`) scraping the exporter
 * every second while disks and timers are busy, then queried through its HTTP API.
 *
 * Two jobs scrape the same exporter: `ebpf_exporter` directly (Prometheus negotiates the format;
 * it asks for protobuf first, and gets native histograms) and `ebpf_exporter_text` through a
 * proxy that asks for OpenMetrics. Prometheus 2.42 stores a histogram that arrives with native
 * buckets only in its native form (`scrape_classic_histograms` came in 2.45), so the proxied job
 * keeps the classic `_bucket` series; the native and classic quantiles of the same histogram must
 * agree within the bucket resolution. The text format is checked with promtool.
 */

import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";
import { promtoolCheckMetrics } from "./helpers/promtool.ts";
import {
  dashboardQueries,
  expandGrafanaVariables,
  PrometheusServer,
  prometheusUnavailable,
  TextFormatProxy,
  type VectorSample,
} from "./helpers/prometheus.ts";

const PROTOBUF = "application/vnd.google.protobuf";
const BIO = "ebpf_exporter_bio_latency_seconds";
const CLASSIC_P90 = `histogram_quantile(0.9, sum by (le) (rate(${BIO}_bucket[30s])))`;
const NATIVE_P90 = `histogram_quantile(0.9, sum(rate(${BIO}[30s])))`;

/** Direct writes and reads (they reach the disk, so biolatency sees them) until `stop` is set. */
function diskLoad(dir: string): { stop: () => Promise<number> } {
  let stopping = false;
  const file = `${dir}/io`;
  const dd = (args: string[]) => new Deno.Command("dd", { args, stderr: "null" }).output();
  let rounds = 0;
  const running = (async () => {
    while (!stopping) {
      await dd(["if=/dev/zero", `of=${file}`, "bs=1M", "count=4", "oflag=direct", "conv=fsync"]);
      await dd([`if=${file}`, "of=/dev/null", "bs=1M", "count=4", "iflag=direct"]);
      rounds++;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await running;
      return rounds;
    },
  };
}

const single = (r: VectorSample[]) => r.length === 1 && Number.isFinite(r[0].value);

/** The classic bucket bounds of a histogram family in a text exposition, ascending. */
function boundsOf(text: string, family: string): number[] {
  const bounds = new Set<number>();
  for (const series of parseSamples(text).keys()) {
    if (!series.startsWith(`${family}_bucket{`)) continue;
    const le = series.match(/le="([^"]+)"/)?.[1];
    if (le && le !== "+Inf") bounds.add(Number(le));
  }
  return [...bounds].sort((a, b) => a - b);
}

const OBJECTS = ["examples/timers.bpf.o", "examples/biolatency.bpf.o"];
const NAME = "Prometheus scrapes the exporter: rates, quantiles, up, self-observability";
const missing = prometheusUnavailable();

if (missing && Deno.env.get("CI") !== "true") {
  Deno.test({ name: `${NAME} (skipped: ${missing})`, ignore: true, fn() {} });
} else {
  kernelTest(NAME, OBJECTS, async () => {
    if (missing) throw new Error(missing);
    const started = performance.now();
    const dir = Deno.makeTempDirSync({ dir: "/var/tmp" });
    const exporter = await ExporterProcess.start("timers,biolatency");
    // The second job reads OpenMetrics (classic buckets), so every format meets a real Prometheus:
    // protobuf with native histograms directly, OpenMetrics through the proxy, text via promtool.
    const proxy = new TextFormatProxy(exporter.url, "application/openmetrics-text;version=1.0.0");
    const load = diskLoad(dir);
    let prometheus: PrometheusServer | undefined;
    try {
      const direct = new URL(exporter.url).host;
      prometheus = await PrometheusServer.start([
        { name: "ebpf_exporter", targets: [direct] },
        { name: "ebpf_exporter_text", targets: [proxy.address] },
      ]);
      const ready = performance.now();

      // Prometheus hands new targets to its scrapers after up to 5 s; then one scrape a second.
      await prometheus.waitFor("count_over_time(up[1m]) >= 3", (r) => r.length === 2, 20_000);
      const up = await prometheus.waitFor("up == 1", (r) => r.length === 2);
      equal(up.map((s) => s.metric.job).sort().join(","), "ebpf_exporter,ebpf_exporter_text");
      const rates = await prometheus.waitFor("rate(ebpf_exporter_timer_starts_total[10s]) > 0");
      ok(rates.every((s) => s.value! > 0 && s.metric.function), JSON.stringify(rates[0]));
      const p90 = await prometheus.waitFor(CLASSIC_P90, single);
      ok(p90[0].value! > 0 && p90[0].value! < 67.108864, `p90 ${p90[0].value}`);

      // The self-observability series, as Prometheus stored them.
      const entries = await prometheus.waitFor(
        `ebpf_exporter_map_entries{config="biolatency",map="bio_latency_seconds"} > 0`,
        (r) => r.length === 2,
      );
      ok(entries.every((s) => s.value! >= 1));
      const durations = await prometheus.query(
        "ebpf_exporter_scrape_collector_duration_seconds >= 0",
      );
      equal(durations.length, 4, JSON.stringify(durations)); // 2 configs x 2 jobs
      const reads = await prometheus.query(
        `ebpf_exporter_map_read_duration_seconds{job="ebpf_exporter_text"}`,
      );
      equal(
        reads.map((s) => s.metric.map).sort().join(","),
        "bio_latency_seconds,timer_starts_total",
      );
      const series = await prometheus.query(
        `ebpf_exporter_scrape_series{config="timers",job="ebpf_exporter_text"}`,
      );
      ok(series.length === 1 && series[0].value! >= 1, JSON.stringify(series));

      // Every query of the Grafana dashboard evaluates; those about these configs have data.
      const dashboard = JSON.parse(Deno.readTextFileSync("deploy/grafana/ebpf_exporter.json"));
      const withData = new Set([
        "Block IO latency",
        "Block IO requests / s",
        "Kernel timers started (top 10)",
        "Scrape duration by config",
        "Hash map fill (top 10)",
        "Programs",
        "Enabled configs",
      ]);
      let evaluated = 0;
      for (const q of dashboardQueries(dashboard)) {
        if (q.where.startsWith("variable ")) continue; // Grafana's label_values(), not PromQL
        const result = await prometheus.query(expandGrafanaVariables(q.expr));
        evaluated++;
        if (withData.has(q.where)) ok(result.length > 0, `${q.where}: ${q.expr} has no data`);
      }
      ok(evaluated >= 30, `${evaluated} dashboard queries`);

      for (const t of await prometheus.targets()) {
        equal(t.health, "up", `${t.job}: ${t.lastError}`);
        equal(t.lastError, "", t.job);
      }

      // Native histograms: Prometheus asks for protobuf first; checked when the exporter says yes.
      const accept = proxy.acceptSeen ?? "";
      ok(accept.includes(PROTOBUF), `Prometheus did not offer protobuf: ${accept}`);
      const res = await fetch(`${exporter.url}/metrics`, { headers: { accept } });
      const contentType = res.headers.get("content-type") ?? "";
      await res.body?.cancel();
      const text = await exporter.scrape();
      equal(contentType.startsWith(PROTOBUF), true, `Prometheus' Accept got ${contentType}`);
      const native = await prometheus.waitFor(NATIVE_P90, single);
      const classic = await prometheus.waitFor(
        `histogram_quantile(0.9, sum by (le) (rate(${BIO}_bucket{job="ebpf_exporter_text"}[30s])))`,
        single,
      );
      // Within the bucket resolution: the native estimate falls in the classic estimate's exp2
      // bucket or in one of its neighbours.
      const bounds = boundsOf(text, BIO);
      const c = classic[0].value!;
      const n = native[0].value!;
      const hi = bounds.find((b) => b >= c) ?? Infinity;
      const lo = [...bounds].reverse().find((b) => b < c) ?? 0;
      ok(
        n >= lo / 2 && n <= hi * 2,
        `native p90 ${n} is not within a bucket of the classic p90 ${c} (${lo}, ${hi}]`,
      );

      const check = await promtoolCheckMetrics(text);
      equal(check.code, 0, check.output);
      const rounds = await load.stop();
      console.log(
        `prometheus ready after ${
          ((ready - started) / 1000).toFixed(1)
        } s, all queries answered after ${
          ((performance.now() - started) / 1000).toFixed(1)
        } s; p90 ${p90[0].value} s; ${rounds} disk rounds; ${proxy.requests} proxied scrapes`,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message}\n--- prometheus:\n${
          prometheus?.stderr ?? ""
        }\n--- exporter:\n${exporter.stderr}`,
      );
    } finally {
      await load.stop();
      await prometheus?.stop();
      await proxy.close();
      await exporter.stop();
      Deno.removeSync(dir, { recursive: true });
    }
  });
}
