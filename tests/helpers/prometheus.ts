/**
 * A real Prometheus server (Debian's `prometheus` package) for end-to-end tests: started on a free
 * loopback port with a throw-away TSDB, queried through its HTTP API, stopped and removed.
 * @module
 */

import { freePort } from "./exporter_process.ts";

/** The Prometheus binary `make deps` installs. */
export const PROMETHEUS_BINARY = "/usr/bin/prometheus";

/** Why Prometheus cannot run here, or undefined when it can. */
export function prometheusUnavailable(): string | undefined {
  try {
    Deno.statSync(PROMETHEUS_BINARY);
    return undefined;
  } catch {
    return `${PROMETHEUS_BINARY} is missing (apt package prometheus; run make deps)`;
  }
}

/** One scrape job: a name and its `host:port` targets. */
export interface ScrapeJob {
  readonly name: string;
  readonly targets: readonly string[];
}

/** One element of an instant vector. */
export interface VectorSample {
  /** The series' labels (`__name__` included when the expression keeps it). */
  readonly metric: Record<string, string>;
  /** The float value (NaN for `"NaN"`); undefined for a native histogram sample. */
  readonly value: number | undefined;
  /** The native histogram, when the sample is one. */
  readonly histogram?: unknown;
}

/** The `prometheus.yml` for `jobs`, every job scraped each `intervalSeconds`. */
export function prometheusConfig(jobs: readonly ScrapeJob[], intervalSeconds = 1): string {
  const lines = [
    "global:",
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    "scrape_configs:",
  ];
  for (const job of jobs) {
    lines.push(
      `  - job_name: ${JSON.stringify(job.name)}`,
      "    static_configs:",
      `      - targets: [${job.targets.map((t) => JSON.stringify(t)).join(", ")}]`,
    );
  }
  return lines.join("\n") + "\n";
}

/** A running Prometheus. */
export class PrometheusServer {
  #stderr = "";
  readonly #reader: Promise<void>;
  readonly #status: Promise<Deno.CommandStatus>;

  private constructor(
    readonly child: Deno.ChildProcess,
    /** `http://127.0.0.1:PORT`. */
    readonly url: string,
    /** Temporary directory holding the config and the TSDB (removed by {@link stop}). */
    readonly dir: string,
  ) {
    this.#status = child.status;
    this.#reader = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) this.#stderr += decoder.decode(chunk);
    })();
  }

  /**
   * Starts Prometheus on a free loopback port with `--enable-feature=native-histograms` (so it
   * asks targets for the protobuf format first), scraping `jobs`, and waits until it is ready.
   */
  static async start(
    jobs: readonly ScrapeJob[],
    { intervalSeconds = 1, features = ["native-histograms"] } = {},
  ): Promise<PrometheusServer> {
    const dir = Deno.makeTempDirSync({ prefix: "ebpf_exporter_prometheus_" });
    Deno.writeTextFileSync(`${dir}/prometheus.yml`, prometheusConfig(jobs, intervalSeconds));
    const listen = `127.0.0.1:${freePort()}`;
    const child = new Deno.Command(PROMETHEUS_BINARY, {
      args: [
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=${listen}`,
        ...features.map((f) => `--enable-feature=${f}`),
        "--log.level=warn",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const server = new PrometheusServer(child, `http://${listen}`, dir);
    try {
      await server.#waitReady();
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  async #waitReady(): Promise<void> {
    let exited = false;
    this.#status.then(() => exited = true);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (exited) {
        await this.#reader;
        throw new Error(`prometheus exited during start-up:\n${this.#stderr}`);
      }
      try {
        const res = await fetch(`${this.url}/-/ready`);
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`prometheus was not ready within 20 s:\n${this.#stderr}`);
  }

  /** Evaluates an instant query now; throws with Prometheus' error on a bad expression. */
  async query(expr: string): Promise<VectorSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = await res.json() as {
      status: string;
      error?: string;
      data?: {
        resultType: string;
        result: { metric: Record<string, string>; value?: [number, string]; histogram?: unknown }[];
      };
    };
    if (body.status !== "success" || !body.data) {
      throw new Error(`query ${expr}: ${body.error ?? res.status}`);
    }
    if (body.data.resultType !== "vector") {
      throw new Error(`query ${expr}: expected a vector, got ${body.data.resultType}`);
    }
    return body.data.result.map((r) => ({
      metric: r.metric,
      value: r.value ? Number(r.value[1]) : undefined,
      histogram: r.histogram,
    }));
  }

  /**
   * Polls `expr` every 250 ms until `accept` likes the result (default: non-empty), or throws
   * after `timeoutMs` with the last result.
   */
  async waitFor(
    expr: string,
    accept: (result: VectorSample[]) => boolean = (r) => r.length > 0,
    timeoutMs = 15_000,
  ): Promise<VectorSample[]> {
    const deadline = Date.now() + timeoutMs;
    let last: VectorSample[] = [];
    for (;;) {
      last = await this.query(expr);
      if (accept(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(
          `${expr}: no acceptable result within ${timeoutMs} ms, last: ${JSON.stringify(last)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The targets as Prometheus sees them: job, health, last error. */
  async targets(): Promise<{ job: string; health: string; lastError: string; url: string }[]> {
    const res = await fetch(`${this.url}/api/v1/targets?state=active`);
    const body = await res.json() as {
      data: {
        activeTargets: {
          labels: Record<string, string>;
          health: string;
          lastError: string;
          scrapeUrl: string;
        }[];
      };
    };
    return body.data.activeTargets.map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
      url: t.scrapeUrl,
    }));
  }

  /** What Prometheus logged so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Stops Prometheus (SIGTERM) and removes its directory. */
  async stop(): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.#status;
    await this.#reader;
    Deno.removeSync(this.dir, { recursive: true });
  }
}

/**
 * A loopback HTTP proxy in front of an exporter that asks it for the plain text format whatever
 * the scraper accepts, so a Prometheus that negotiates protobuf (and then stores only the native
 * form of a histogram that has one) also gets the classic `_bucket` series through it. It keeps
 * the `Accept` header the scraper sent.
 */
export class TextFormatProxy {
  /** The last `Accept` header a scraper sent. */
  acceptSeen: string | undefined;
  /** Requests forwarded. */
  requests = 0;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  /**
   * Listens on a free loopback port and forwards every GET to `target` (`http://host:port`),
   * asking it for the `accept` format instead of what the scraper asked for.
   */
  constructor(readonly target: string, readonly accept = "text/plain;version=0.0.4") {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      this.acceptSeen = req.headers.get("accept") ?? undefined;
      this.requests++;
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      headers.set("accept", this.accept);
      headers.delete("host");
      headers.delete("accept-encoding"); // fetch would decompress, and the header would lie
      const res = await fetch(`${this.target}${url.pathname}${url.search}`, { headers });
      const out = new Headers(res.headers);
      out.delete("content-encoding");
      out.delete("content-length");
      return new Response(res.body, { status: res.status, headers: out });
    });
  }

  /** `127.0.0.1:PORT`, for a scrape config. */
  get address(): string {
    return `${this.#server.addr.hostname}:${this.#server.addr.port}`;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}

/** A PromQL query of a Grafana dashboard and where it is. */
export interface DashboardQuery {
  /** Panel title (or `variable NAME` for a template variable). */
  readonly where: string;
  /** The PromQL expression as written (Grafana variables unexpanded). */
  readonly expr: string;
}

/** Every PromQL expression of a Grafana dashboard: panel targets (rows included) and variables. */
export function dashboardQueries(dashboard: unknown): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  type Panel = { title?: string; targets?: { expr?: string }[]; panels?: Panel[] };
  const walk = (panels: Panel[] | undefined) => {
    for (const panel of panels ?? []) {
      for (const t of panel.targets ?? []) {
        if (t.expr) out.push({ where: panel.title ?? "(untitled)", expr: t.expr });
      }
      walk(panel.panels);
    }
  };
  const d = dashboard as {
    panels?: Panel[];
    templating?: { list?: { name: string; type: string; query?: string | { query?: string } }[] };
  };
  walk(d.panels);
  for (const v of d.templating?.list ?? []) {
    if (v.type !== "query") continue;
    const expr = typeof v.query === "string" ? v.query : v.query?.query;
    if (expr) out.push({ where: `variable ${v.name}`, expr });
  }
  return out;
}

/** The `ebpf_exporter_*` metric names a PromQL expression selects (string literals ignored). */
export function referencedMetrics(expr: string): string[] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  return [...new Set(code.match(/(?<![A-Za-z0-9_:])ebpf_exporter_[A-Za-z0-9_:]*/g) ?? [])];
}

/**
 * A dashboard expression with Grafana's variables replaced by values Prometheus accepts
 * (`$instance` matches every instance, intervals become 1m), so it can be evaluated directly.
 */
export function expandGrafanaVariables(expr: string): string {
  return expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$__interval", "1m")
    .replaceAll("$__range", "1m")
    .replaceAll("$instance", ".+");
}
