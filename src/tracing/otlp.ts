/**
 * Span export configured by the standard `OTEL_*` environment variables, over OTLP/HTTP
 * (protobuf or JSON) with OpenTelemetry's own batching processor, exporter transport and
 * serializers (npm `@opentelemetry/*`).
 *
 * The variables are read here, each only after `Deno.permissions.querySync` says it is granted,
 * and passed to the OpenTelemetry code explicitly: its convenience constructors read `process.env`
 * themselves, which throws under a scoped `--allow-env` for every variable not granted.
 * @module
 */

import { diag, DiagLogLevel, type HrTime, SpanKind, TraceFlags } from "@opentelemetry/api";
import { OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import {
  createOtlpHttpExportDelegate,
  httpAgentFactoryFromOptions,
} from "@opentelemetry/otlp-exporter-base/node-http";
import {
  JsonTraceSerializer,
  ProtobufTraceSerializer,
  TraceExporterMetricsHelper,
} from "@opentelemetry/otlp-transformer";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace";
import { envIfGranted } from "../cli/permissions.ts";
import { withTimeout } from "../http/timeout.ts";
import * as log from "../log.ts";
import type { SpanData, SpanTarget } from "./spans.ts";

/** Every environment variable the exporter reads for tracing (grant them with `--allow-env`). */
export const OTEL_ENV_VARIABLES = [
  "OTEL_TRACES_EXPORTER",
  "OTEL_SERVICE_NAME",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
  "OTEL_EXPORTER_OTLP_TIMEOUT",
  "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
  "OTEL_EXPORTER_OTLP_COMPRESSION",
  "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
  "OTEL_BSP_SCHEDULE_DELAY",
  "OTEL_BSP_EXPORT_TIMEOUT",
  "OTEL_BSP_MAX_QUEUE_SIZE",
  "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
] as const;

/** One of {@link OTEL_ENV_VARIABLES}. */
export type OtelVariable = typeof OTEL_ENV_VARIABLES[number];

/** Reads an environment variable; undefined when unset, empty or not granted. */
export type EnvReader = (name: OtelVariable) => string | undefined;

/** Reads a variable only when `--allow-env` grants it (an ungranted one counts as unset). */
export function grantedEnv(name: string): string | undefined {
  return envIfGranted(name)?.trim() || undefined;
}

/** The variables of {@link OTEL_ENV_VARIABLES} that `--allow-env` does not grant. */
export function ungrantedOtelVariables(): string[] {
  return OTEL_ENV_VARIABLES.filter((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state !== "granted"
  );
}

/** A tracing setting that cannot be used. */
export class TracingConfigError extends Error {
  /** Prefixes the message with `tracing: `. */
  constructor(message: string) {
    super(`tracing: ${message}`);
    this.name = "TracingConfigError";
  }
}

/** Where and how spans are sent. */
export interface OtlpSettings {
  /** `http/protobuf` (default, as upstream's Go exporter) or `http/json`. */
  readonly protocol: "http/protobuf" | "http/json";
  /** Full URL of the traces endpoint. */
  readonly url: string;
  /** Extra request headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Export timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Request body compression. */
  readonly compression: "gzip" | "none";
}

/** The batching processor's settings (`OTEL_BSP_*`). */
export interface BatchSettings {
  /** Milliseconds between two exports. */
  readonly scheduleDelayMs: number;
  /** Milliseconds an export may take. */
  readonly exportTimeoutMs: number;
  /** Spans kept before dropping. */
  readonly maxQueueSize: number;
  /** Spans per export. */
  readonly maxExportBatchSize: number;
}

/** Everything the `OTEL_*` variables say. */
export interface TracingSettings {
  /** Span exporters; empty for `OTEL_TRACES_EXPORTER=none`. */
  readonly exporters: readonly ("otlp" | "console")[];
  /** OTLP settings (used when `exporters` has `otlp`). */
  readonly otlp: OtlpSettings;
  /** Batching. */
  readonly batch: BatchSettings;
  /** `OTEL_SERVICE_NAME`: the service of spans whose config names none. */
  readonly serviceName?: string;
}

/** The traces URL when no variable names one. */
export const DEFAULT_TRACES_URL = "http://localhost:4318/v1/traces";

function positiveInteger(env: EnvReader, name: OtelVariable, fallback: number): number {
  const text = env(name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    throw new TracingConfigError(
      `${name}: expected a positive integer, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/** Parses `key1=value1,key2=value2` (values percent-decoded) as OTLP header variables do. */
export function parseHeaders(name: string, text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const key = eq < 0 ? "" : part.slice(0, eq).trim();
    if (key === "") {
      throw new TracingConfigError(
        `${name}: expected key=value pairs, got ${JSON.stringify(part)}`,
      );
    }
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the text as written
    }
    out[key] = value;
  }
  return out;
}

function validUrl(name: string, text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return url.href;
  } catch {
    throw new TracingConfigError(`${name}: expected an http(s) URL, got ${JSON.stringify(text)}`);
  }
}

/** Reads the tracing settings; throws {@link TracingConfigError} on a value that cannot work. */
export function tracingSettings(env: EnvReader): TracingSettings {
  const names = (env("OTEL_TRACES_EXPORTER") ?? "otlp").split(",").map((s) => s.trim())
    .filter(Boolean);
  const exporters: ("otlp" | "console")[] = [];
  for (const name of names) {
    if (name === "none") return disabled(env);
    if (name !== "otlp" && name !== "console") {
      throw new TracingConfigError(
        `OTEL_TRACES_EXPORTER: expected otlp, console or none, got ${JSON.stringify(name)}`,
      );
    }
    if (!exporters.includes(name)) exporters.push(name);
  }

  const protocol = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ??
    env("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf";
  if (protocol !== "http/protobuf" && protocol !== "http/json") {
    throw new TracingConfigError(
      `OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json (grpc is not supported), got ${
        JSON.stringify(protocol)
      }`,
    );
  }
  let url = DEFAULT_TRACES_URL;
  const tracesEndpoint = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const endpoint = env("OTEL_EXPORTER_OTLP_ENDPOINT");
  if (tracesEndpoint !== undefined) {
    url = validUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", tracesEndpoint);
  } else if (endpoint !== undefined) {
    const base = validUrl("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
    url = `${base.endsWith("/") ? base : `${base}/`}v1/traces`;
  }
  const compression = env("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION") ??
    env("OTEL_EXPORTER_OTLP_COMPRESSION") ?? "none";
  if (compression !== "gzip" && compression !== "none") {
    throw new TracingConfigError(
      `OTEL_EXPORTER_OTLP_COMPRESSION: expected gzip or none, got ${JSON.stringify(compression)}`,
    );
  }
  const timeoutMs = env("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") !== undefined
    ? positiveInteger(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", 10_000)
    : positiveInteger(env, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000);
  return {
    exporters,
    otlp: {
      protocol,
      url,
      headers: {
        ...parseHeaders("OTEL_EXPORTER_OTLP_HEADERS", env("OTEL_EXPORTER_OTLP_HEADERS")),
        ...parseHeaders(
          "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
          env("OTEL_EXPORTER_OTLP_TRACES_HEADERS"),
        ),
      },
      timeoutMs,
      compression,
    },
    batch: batchSettings(env),
    serviceName: env("OTEL_SERVICE_NAME"),
  };
}

function disabled(env: EnvReader): TracingSettings {
  return {
    exporters: [],
    otlp: {
      protocol: "http/protobuf",
      url: DEFAULT_TRACES_URL,
      headers: {},
      timeoutMs: 10_000,
      compression: "none",
    },
    batch: batchSettings(env),
    serviceName: env("OTEL_SERVICE_NAME"),
  };
}

function batchSettings(env: EnvReader): BatchSettings {
  const maxQueueSize = positiveInteger(env, "OTEL_BSP_MAX_QUEUE_SIZE", 2048);
  return {
    scheduleDelayMs: positiveInteger(env, "OTEL_BSP_SCHEDULE_DELAY", 5000),
    exportTimeoutMs: positiveInteger(env, "OTEL_BSP_EXPORT_TIMEOUT", 30_000),
    maxQueueSize,
    maxExportBatchSize: Math.min(
      maxQueueSize,
      positiveInteger(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512),
    ),
  };
}

/** `host:port` of an http(s) URL, as `--allow-net` names it. */
export function netPermissionHost(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  return `${u.hostname}:${port}`;
}

/** Why spans could not reach the OTLP endpoint under the current permissions, if they cannot. */
export function missingNetPermission(settings: TracingSettings): string | undefined {
  if (!settings.exporters.includes("otlp")) return undefined;
  const host = netPermissionHost(settings.otlp.url);
  if (Deno.permissions.querySync({ name: "net", host }).state === "granted") return undefined;
  return `--allow-net does not include ${host}, the OTLP traces endpoint ${settings.otlp.url}; ` +
    `grant it, point OTEL_EXPORTER_OTLP_ENDPOINT elsewhere, or set OTEL_TRACES_EXPORTER=none`;
}

/** The instrumentation scope of every span (upstream's tracer name). */
export const INSTRUMENTATION_SCOPE = "github.com/cloudflare/ebpf_exporter/v2/tracing";
/** `service.name` when neither the span config nor `OTEL_SERVICE_NAME` names one. */
export const DEFAULT_SERVICE_NAME = "ebpf_exporter";

const NS_PER_SECOND = 1_000_000_000n;

function hrTime(ns: bigint): HrTime {
  return [Number(ns / NS_PER_SECOND), Number(ns % NS_PER_SECOND)];
}

let diagInstalled = false;

/** Routes OpenTelemetry's own warnings and errors (failed exports) into the exporter's log. */
function installDiagLogger(): void {
  if (diagInstalled) return;
  diagInstalled = true;
  const text = (message: string, args: unknown[]) =>
    [message, ...args.map((a) => a instanceof Error ? a.message : String(a))].join(" ");
  diag.setLogger({
    error: (message, ...args) => log.warn(`tracing: ${text(message, args)}`),
    warn: (message, ...args) => log.warn(`tracing: ${text(message, args)}`),
    info: () => {},
    debug: (message, ...args) => log.debug(`tracing: ${text(message, args)}`),
    verbose: () => {},
  }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

/** The OTLP/HTTP span exporter for `settings`. */
function otlpExporter(settings: OtlpSettings): SpanExporter {
  const json = settings.protocol === "http/json";
  const headers = {
    ...settings.headers,
    "Content-Type": json ? "application/json" : "application/x-protobuf",
  };
  const delegate = createOtlpHttpExportDelegate(
    {
      url: settings.url,
      headers: () => Promise.resolve(headers),
      timeoutMillis: settings.timeoutMs,
      concurrencyLimit: 30,
      compression: settings.compression,
      agentFactory: httpAgentFactoryFromOptions({ keepAlive: true }),
    },
    json ? JsonTraceSerializer : ProtobufTraceSerializer,
    "otlp_http_span_exporter",
    TraceExporterMetricsHelper,
    undefined,
  );
  return new OTLPExporterBase<ReadableSpan[]>(delegate);
}

/** Batches spans and exports them as the settings say. */
export class SpanPipeline implements SpanTarget {
  readonly #processors: BatchSpanProcessor[];
  readonly #resources = new Map<string, Resource>();
  readonly #defaultService: string;
  readonly #shutdownTimeoutMs: number;
  /** Spans handed to the processors. */
  exported = 0;

  /** Builds one batching processor per configured exporter. */
  constructor(readonly settings: TracingSettings) {
    installDiagLogger();
    this.#defaultService = settings.serviceName || DEFAULT_SERVICE_NAME;
    this.#shutdownTimeoutMs = settings.otlp.timeoutMs + 1000;
    this.#processors = settings.exporters.map((kind) =>
      new BatchSpanProcessor({
        exporter: kind === "otlp" ? otlpExporter(settings.otlp) : new ConsoleSpanExporter(),
        scheduledDelayMillis: settings.batch.scheduleDelayMs,
        exportTimeoutMillis: settings.batch.exportTimeoutMs,
        maxQueueSize: settings.batch.maxQueueSize,
        maxExportBatchSize: settings.batch.maxExportBatchSize,
      })
    );
  }

  /** What this pipeline does, for the log. */
  describe(): string {
    if (this.#processors.length === 0) return "span export disabled (OTEL_TRACES_EXPORTER=none)";
    return this.settings.exporters.map((kind) =>
      kind === "otlp"
        ? `OTLP ${this.settings.otlp.protocol} to ${this.settings.otlp.url}`
        : "console (stdout)"
    ).join(", ");
  }

  #resource(service: string): Resource {
    const name = service || this.#defaultService;
    let resource = this.#resources.get(name);
    if (!resource) {
      resource = resourceFromAttributes({ "service.name": name });
      this.#resources.set(name, resource);
    }
    return resource;
  }

  /** Queues one span for export. */
  export(span: SpanData, service: string): void {
    if (this.#processors.length === 0) return;
    const readable = toReadableSpan(span, this.#resource(service));
    for (const processor of this.#processors) processor.onEnd(readable);
    this.exported++;
  }

  /** Flushes pending spans and stops (bounded by the export timeout). */
  async shutdown(): Promise<void> {
    if (this.#processors.length === 0) return;
    try {
      const outcome = await withTimeout(
        Promise.all(this.#processors.map((p) => p.shutdown())),
        this.#shutdownTimeoutMs,
      );
      if (outcome === "timeout") {
        log.warn(`tracing: pending spans not exported within ${this.#shutdownTimeoutMs} ms`);
      }
    } catch (e) {
      log.warn(`tracing: flushing spans: ${(e as Error).message}`);
    }
  }
}

/** An ended, sampled INTERNAL span with status unset, as the SDK's exporters take it. */
function toReadableSpan(span: SpanData, resource: Resource): ReadableSpan {
  const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: TraceFlags.SAMPLED };
  return {
    name: span.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => context,
    parentSpanContext: span.parentSpanId === undefined ? undefined : {
      traceId: span.traceId,
      spanId: span.parentSpanId,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    },
    startTime: hrTime(span.startUnixNs),
    endTime: hrTime(span.startUnixNs + span.durationNs),
    duration: hrTime(span.durationNs),
    status: { code: 0 },
    attributes: span.attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: { name: INSTRUMENTATION_SCOPE },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
