/**
 * The exporter's own series (compat.md §7): enabled configs, program info and attachment,
 * program run statistics, decoder errors and build info.
 * @module
 */

import type { LoadedConfig } from "../bpf/loaded_config.ts";
import { VERSION } from "../version.ts";
import { LabelSet, type MetricFamily, type ScalarSeries } from "./family.ts";

const one = (labels: LabelSet): ScalarSeries => ({ labels, value: 1 });

/** Families that change only when configs are loaded: enabled configs, program info, build info. */
export function staticFamilies(loaded: readonly LoadedConfig[]): MetricFamily[] {
  const arch = Deno.build.arch === "x86_64"
    ? "amd64"
    : Deno.build.arch === "aarch64"
    ? "arm64"
    : Deno.build.arch;
  return [
    {
      name: "ebpf_exporter_enabled_configs",
      help: "The set of enabled configs",
      type: "gauge",
      series: loaded.map((l) => one(LabelSet.of({ name: l.config.name }))),
    },
    {
      name: "ebpf_exporter_ebpf_program_info",
      help: "Info about ebpf programs",
      type: "gauge",
      series: loaded.flatMap((l) =>
        l.programs.filter((p) => p.id !== 0).map((p) =>
          one(LabelSet.of({ config: l.config.name, id: String(p.id), program: p.name, tag: p.tag }))
        )
      ),
    },
    {
      name: "ebpf_exporter_build_info",
      help:
        "A metric with a constant '1' value labeled by version, revision, branch, goversion from which ebpf_exporter was built, and the goos and goarch for the build.",
      type: "gauge",
      series: [one(LabelSet.of({
        branch: "",
        goarch: arch,
        goos: Deno.build.os,
        goversion: `deno${Deno.version.deno}`,
        revision: VERSION.revision,
        tags: "",
        version: VERSION.version,
      }))],
    },
  ];
}

/** Whether each program is attached (`ebpf_exporter_ebpf_program_attached`). */
export function attachedFamily(loaded: readonly LoadedConfig[]): MetricFamily {
  return {
    name: "ebpf_exporter_ebpf_program_attached",
    help: "Whether a program is attached",
    type: "gauge",
    series: loaded.flatMap((l) =>
      l.programs.filter((p) => p.id !== 0).map((p) => ({
        labels: LabelSet.of({ id: String(p.id) }),
        value: p.attached ? 1 : 0,
      }))
    ),
  };
}

/** Decoder errors per config (`ebpf_exporter_decoder_errors_total`), present from the start. */
export function decoderErrorsFamily(counts: ReadonlyMap<string, { count: number }>): MetricFamily {
  return {
    name: "ebpf_exporter_decoder_errors_total",
    help: "How many times has decoders encountered errors",
    type: "counter",
    series: [...counts].map(([config, c]) => ({ labels: LabelSet.of({ config }), value: c.count })),
  };
}

/** Program run time and count, only meaningful when `kernel.bpf_stats_enabled` is 1. */
export function programStatsFamilies(loaded: readonly LoadedConfig[]): MetricFamily[] {
  const time: ScalarSeries[] = [];
  const count: ScalarSeries[] = [];
  for (const l of loaded) {
    for (const p of l.programs) {
      if (p.id === 0) continue;
      const stats = l.programStats?.(p.name);
      if (!stats) continue;
      const labels = LabelSet.of({ id: String(p.id) });
      time.push({ labels, value: durationSeconds(stats.runTimeNs) });
      count.push({ labels, value: Number(stats.runCount) });
    }
  }
  return [
    {
      name: "ebpf_exporter_ebpf_program_run_time_seconds",
      help: "How long has the program been executing",
      type: "counter",
      series: time,
    },
    {
      name: "ebpf_exporter_ebpf_program_run_count_total",
      help: "How many times has the program been executed",
      type: "counter",
      series: count,
    },
  ];
}

/** Nanoseconds as seconds, computed like Go's `time.Duration.Seconds()`. */
export function durationSeconds(ns: bigint): number {
  const second = 1_000_000_000n;
  return Number(ns / second) + Number(ns % second) / 1e9;
}
