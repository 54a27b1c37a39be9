/**
 * The exporter's HTTP request handler: a pure `Request -> Response` function, so it can be tested
 * in-process and mounted on any server (`Deno.serve`, a socket-activated listener, a TLS wrapper).
 *
 * Routes: `/` (landing page), the telemetry path (text 0.0.4, OpenMetrics or delimited protobuf,
 * as the `Accept` header asks; gzip when `Accept-Encoding` allows: `exposition/negotiate.ts`), and
 * `/maps` when a maps dumper is given (`--debug`). Only GET and HEAD are served. A scrape that
 * carries Prometheus' `X-Prometheus-Scrape-Timeout-Seconds` header gets 503 when gathering takes
 * longer than that, rather than an answer nobody waits for.
 * @module
 */

import type { MetricFamily } from "../metrics/family.ts";
import {
  type ExpositionFormat,
  negotiate,
  type Negotiated,
  negotiateEncoding,
} from "../exposition/negotiate.ts";
import { openMetricsByteChunks } from "../exposition/openmetrics.ts";
import { protobufByteChunks } from "../exposition/protobuf_bytes.ts";
import { textByteChunks } from "../exposition/text_bytes.ts";
import { withTimeout } from "./timeout.ts";

/** A request handler: what {@link createHandler} builds and the servers mount. */
export type Handler = (req: Request) => Promise<Response>;

/** What {@link createHandler} needs to serve requests. */
export interface HandlerOptions {
  /** Path of the metrics endpoint, e.g. `/metrics` (exact match). */
  telemetryPath: string;
  /** Collects every metric family for one scrape, in exposition order. */
  gather: () => Promise<MetricFamily[]>;
  /**
   * Dumps every map of every config, as text or (for `/maps?format=json`) JSON; only given with
   * `--debug` (else `/maps` is 404).
   */
  maps?: (format: "text" | "json") => Promise<string>;
  /** Exporter version shown on the landing page. */
  version: string;
}

/** Request header in which Prometheus sends its scrape timeout, in seconds (e.g. `10`). */
export const SCRAPE_TIMEOUT_HEADER = "x-prometheus-scrape-timeout-seconds";

/** Longest timer `setTimeout` honours; a longer scrape timeout is treated as none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The scrape timeout a request asks for, in milliseconds: the {@link SCRAPE_TIMEOUT_HEADER} value
 * when it is a positive number of seconds, else undefined (no timeout).
 *
 * @example
 * ```ts
 * import { scrapeTimeoutMs } from "./handler.ts";
 * scrapeTimeoutMs(new Headers({ "X-Prometheus-Scrape-Timeout-Seconds": "9.5" })); // 9500
 * ```
 */
export function scrapeTimeoutMs(headers: Headers): number | undefined {
  const text = headers.get(SCRAPE_TIMEOUT_HEADER)?.trim();
  if (!text || !/^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) return undefined;
  const ms = Number(text) * 1000;
  return ms > 0 && ms <= MAX_TIMER_MS ? ms : undefined;
}

/** What a gather within a time budget gives: the families, or "timeout". */
async function gatherWithin(
  gather: () => Promise<MetricFamily[]>,
  budgetMs: number | undefined,
): Promise<MetricFamily[] | "timeout"> {
  if (budgetMs === undefined) return await gather();
  const started = performance.now();
  const result = await withTimeout(gather(), budgetMs);
  // A collection that blocked the event loop past the budget is late all the same.
  return performance.now() - started > budgetMs ? "timeout" : result;
}

const PLAIN = "text/plain; charset=utf-8";
const HTML = "text/html; charset=utf-8";
const ALLOW = "GET, HEAD";

/** A plain-text response: `message` and a newline, with `headers` added. */
export function plainTextResponse(
  status: number,
  message: string,
  headers?: Record<string, string>,
): Response {
  return new Response(message + "\n", { status, headers: { "content-type": PLAIN, ...headers } });
}

/** A plain-text error response shaped like Go's `http.Error`. */
function httpError(status: number, message: string, extra?: Record<string, string>): Response {
  return plainTextResponse(status, message, { "x-content-type-options": "nosniff", ...extra });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function landingPage(opts: HandlerOptions): string {
  const path = escapeHtml(opts.telemetryPath);
  const maps = opts.maps ? `<p><a href="/maps">Maps</a></p>\n` : "";
  return `<html>
<head><title>eBPF Exporter</title></head>
<body>
<h1>eBPF Exporter</h1>
<p>Version: ${escapeHtml(opts.version)}</p>
<p><a href="${path}">Metrics</a></p>
${maps}</body>
</html>
`;
}

/** The byte-chunk encoder of each exposition format. */
const ENCODERS: Readonly<
  Record<ExpositionFormat, (families: Iterable<MetricFamily>) => Iterator<Uint8Array>>
> = {
  text: textByteChunks,
  openmetrics: openMetricsByteChunks,
  protobuf: protobufByteChunks,
};

/** Wraps a chunk iterator (whose first chunk was already taken) in a byte stream. */
function streamChunks(
  first: Uint8Array | undefined,
  rest: Iterator<Uint8Array>,
): ReadableStream<Uint8Array> {
  let pending = first;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pending !== undefined) {
        controller.enqueue(pending);
        pending = undefined;
        return;
      }
      const next = rest.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel() {
      rest.return?.();
    },
  });
}

/**
 * Builds the request handler.
 *
 * - `GET|HEAD <telemetryPath>`: 200 with the exposition in the negotiated format (streamed, and
 *   gzip-compressed as it streams when negotiated; `Content-Type` and `Content-Encoding` as the Go
 *   client sets them), or 500 naming the error when gathering fails. HEAD gathers too (so the
 *   status is the same) and sends the same headers, but no body. With
 *   {@link SCRAPE_TIMEOUT_HEADER}, 503 once gathering takes longer than that (the shared
 *   collection goes on, for the scrapes that wait for it).
 * - `GET|HEAD /`: the HTML landing page (unless `/` is the telemetry path).
 * - `GET|HEAD /maps`: the maps dump, only when `opts.maps` is set.
 * - Any other method on those paths: 405 with `Allow: GET, HEAD`; any other path: 404.
 *
 * @example
 * ```ts
 * import { createHandler } from "./handler.ts";
 * const handler = createHandler({ telemetryPath: "/metrics", gather: () => Promise.resolve([]), version: "1.0.0" });
 * const res = await handler(new Request("http://localhost/metrics"));
 * res.status; // 200
 * ```
 */
export function createHandler(opts: HandlerOptions): Handler {
  const { telemetryPath, gather, maps } = opts;
  const landing = landingPage(opts);

  async function metrics(
    head: boolean,
    budgetMs: number | undefined,
    chosen: Negotiated,
    gzip: boolean,
  ): Promise<Response> {
    const headers: Record<string, string> = { "content-type": chosen.contentType };
    if (gzip) headers["content-encoding"] = "gzip";
    let families: MetricFamily[] | "timeout";
    let chunks: Iterator<Uint8Array>;
    let first: IteratorResult<Uint8Array>;
    try {
      families = await gatherWithin(gather, budgetMs);
      if (families === "timeout") {
        return httpError(
          503,
          `Scrape timed out: gathering metrics took longer than the ${
            budgetMs! / 1000
          } s the scraper allows (X-Prometheus-Scrape-Timeout-Seconds)`,
        );
      }
      if (head) return new Response(null, { status: 200, headers });
      // Encode the first chunk eagerly so that an encoding failure is still a clean 500.
      chunks = ENCODERS[chosen.format](families);
      first = chunks.next();
    } catch (err) {
      return httpError(
        500,
        "An error has occurred while serving metrics:\n\nerror gathering metrics: " +
          errorText(err),
      );
    }
    if (gzip) {
      // Compressed as it streams; an empty exposition is still a (valid, empty) gzip stream.
      const gzipStream = new CompressionStream("gzip") as ReadableWritablePair<
        Uint8Array<ArrayBuffer>,
        Uint8Array
      >;
      const body = streamChunks(first.done ? undefined : first.value, chunks)
        .pipeThrough(gzipStream);
      return new Response(body, { status: 200, headers });
    }
    const body = first.done ? null : streamChunks(first.value, chunks);
    return new Response(body, { status: 200, headers });
  }

  async function dumpMaps(
    dump: (format: "text" | "json") => Promise<string>,
    format: "text" | "json",
    head: boolean,
  ): Promise<Response> {
    let text: string;
    try {
      text = await dump(format);
    } catch (err) {
      return httpError(500, "An error has occurred while reading maps:\n\n" + errorText(err));
    }
    const type = format === "json" ? "application/json; charset=utf-8" : PLAIN;
    return new Response(head ? null : text, { status: 200, headers: { "content-type": type } });
  }

  return (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;
    const known = path === telemetryPath || path === "/" ||
      (maps !== undefined && path === "/maps");
    if (!known) return Promise.resolve(httpError(404, "404 page not found"));
    const head = req.method === "HEAD";
    if (!head && req.method !== "GET") {
      return Promise.resolve(httpError(405, "Method Not Allowed", { allow: ALLOW }));
    }
    if (path === telemetryPath) {
      const chosen = negotiate(req.headers.get("accept"));
      const gzip = negotiateEncoding(req.headers.get("accept-encoding")) === "gzip";
      return metrics(head, scrapeTimeoutMs(req.headers), chosen, gzip);
    }
    if (path === "/maps" && maps !== undefined) {
      return dumpMaps(maps, url.searchParams.get("format") === "json" ? "json" : "text", head);
    }
    return Promise.resolve(
      new Response(head ? null : landing, { status: 200, headers: { "content-type": HTML } }),
    );
  };
}
