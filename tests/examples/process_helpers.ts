/**
 * Workload helpers shared by the syscall, block IO, memory and process example tests: copies of
 * system binaries under unique names (so a test can pick out its own `comm` series), commands run
 * to completion, the disk behind a path, and lookups of scraped series.
 * @module
 */

import { ok } from "#assert";
export { diskOf } from "../helpers/host.ts";
export { uniqueBinary } from "../helpers/named_binary.ts";

/**
 * Runs `command args...` to completion and returns stdout; throws if it fails, unless
 * `allowFailure`. The environment is empty but for PATH, unless `inheritEnv`.
 */
export async function run(
  command: string,
  args: string[],
  { allowFailure = false, inheritEnv = false } = {},
): Promise<string> {
  const out = await new Deno.Command(command, {
    args,
    ...(inheritEnv ? {} : { clearEnv: true, env: { PATH: "/usr/bin:/bin" } }),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  ok(
    allowFailure || out.success,
    `${command} ${args.join(" ")} (exit ${out.code}): ${text.decode(out.stderr)}`,
  );
  return text.decode(out.stdout);
}

/** Waits `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The value of `series` in `samples`, 0 when absent. */
export function value(samples: Map<string, number>, series: string): number {
  return samples.get(series) ?? 0;
}

/** Series of `samples` whose text starts with `prefix`. */
export function seriesWith(samples: Map<string, number>, prefix: string): [string, number][] {
  return [...samples].filter(([series]) => series.startsWith(prefix));
}

/** The labels of a series as an object (`name{a="x",b="y"}` -> `{a: "x", b: "y"}`). */
export function labelsOf(series: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = series.slice(series.indexOf("{") + 1, series.lastIndexOf("}"));
  for (const m of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1]] = m[2];
  }
  return out;
}
