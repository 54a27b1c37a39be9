/**
 * Start-up and shutdown of the event streams: the span pipeline (from the `OTEL_*` variables,
 * loaded only when a config has `tracing.spans`) and the perf/ring buffer loop.
 * @module
 */

import type { MapInfo } from "../config/check_maps.ts";
import type { Config } from "../config/types.ts";
import { EventStreams } from "../events/streams.ts";
import { MapType } from "../maps/source.ts";
import type { Exporter } from "../exporter.ts";
import * as log from "../log.ts";
import type { SpanPipeline } from "../tracing/otlp.ts";

/**
 * The span pipeline when any config has spans (undefined otherwise). The OpenTelemetry modules
 * are imported only then. Throws a `TracingConfigError` for unusable `OTEL_*` values or an
 * endpoint that `--allow-net` does not grant.
 */
export async function spanPipelineFor(
  configs: readonly Config[],
): Promise<SpanPipeline | undefined> {
  if (!configs.some((c) => c.spans.length > 0)) return undefined;
  const otlp = await import("../tracing/otlp.ts");
  const ungranted = otlp.ungrantedOtelVariables();
  if (ungranted.length > 0) {
    log.debug(`tracing: not granted by --allow-env, treated as unset: ${ungranted.join(", ")}`);
  }
  const settings = otlp.tracingSettings(otlp.grantedEnv);
  const missing = otlp.missingNetPermission(settings);
  if (missing) throw new otlp.TracingConfigError(missing);
  const pipeline = new otlp.SpanPipeline(settings);
  log.info(`tracing: ${pipeline.describe()}`);
  return pipeline;
}

/**
 * Opens the perf and ring buffers of every event map of the exporter's configs. On a failure
 * the exporter is closed (programs detached) and the error rethrown.
 */
export function openEventStreams(exporter: Exporter): EventStreams {
  let streams: EventStreams;
  try {
    streams = EventStreams.open(exporter.eventSinks());
  } catch (e) {
    exporter.close();
    throw e;
  }
  if (streams.size > 0) log.debug(`reading ${streams.size} event stream(s)`);
  return streams;
}

/** Stops the loop (draining what is left), releases the buffers and flushes pending spans. */
export async function closeEventStreams(
  streams: EventStreams | undefined,
  spans: SpanPipeline | undefined,
): Promise<void> {
  if (streams) {
    await streams.stop();
    streams.close();
  }
  if (spans) await spans.shutdown();
}

/**
 * The event maps a config reads (perf_event_array counters, span ring buffers) as map facts, for
 * checking a config against a `/maps` dump, which records no event maps.
 */
export function eventMapsOf(config: Config): [string, MapInfo][] {
  const perf: MapInfo = { type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4 };
  const ring: MapInfo = { type: MapType.RINGBUF, keySize: 0, valueSize: 0 };
  return [
    ...config.counters.filter((c) => c.perfEventArray).map((
      c,
    ): [string, MapInfo] => [c.name, perf]),
    ...config.spans.map((s): [string, MapInfo] => [s.ringbuf, ring]),
  ];
}
