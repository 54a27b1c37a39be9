/**
 * Workload helpers shared by the syscall, block IO, memory and process example tests: copies of
 * system binaries under unique names (so a test can pick out its own `comm` series), commands run
 * to completion, the disk behind a path, and sums over scraped series.
 * @module
 */

import { ok } from "#assert";

/** Longest comm the kernel keeps (TASK_COMM_LEN - 1). */
const COMM_MAX = 15;

/** A copy of a binary whose basename (and so comm) is unique to this test run. */
export interface UniqueBinary {
  /** Full path of the copy. */
  path: string;
  /** Its comm: the basename, at most 15 characters. */
  comm: string;
  /** Removes the copy and its directory. */
  remove(): void;
}

/**
 * Copies `binary` to a fresh directory as `<prefix><random digits>` (15 characters at most, the
 * whole name kept as comm).
 */
export function uniqueBinary(binary: string, prefix: string): UniqueBinary {
  const digits = COMM_MAX - prefix.length;
  ok(digits >= 4, `prefix ${prefix} leaves too little room for a unique suffix`);
  const suffix = `${Date.now()}${Math.floor(Math.random() * 1e9)}`.slice(-digits);
  const comm = `${prefix}${suffix}`;
  const dir = Deno.makeTempDirSync({ dir: "/var/tmp", prefix: "ebpf-example-" });
  const path = `${dir}/${comm}`;
  Deno.copyFileSync(binary, path);
  Deno.chmodSync(path, 0o755);
  return { path, comm, remove: () => Deno.removeSync(dir, { recursive: true }) };
}

/** Runs `command args...` to completion with an empty environment; returns stdout. */
export async function run(
  command: string,
  args: string[],
  { allowFailure = false } = {},
): Promise<string> {
  const out = await new Deno.Command(command, {
    args,
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin" },
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

/** The whole-disk name (e.g. `vda`) behind the filesystem holding `path`. */
export function diskOf(path: string): string {
  const dev = Deno.statSync(path).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((Math.floor(dev / 4096)) & 0xfff00);
  const sys = Deno.realPathSync(`/sys/dev/block/${major}:${minor}`);
  let partition = false;
  try {
    Deno.statSync(`${sys}/partition`);
    partition = true;
  } catch {
    // a whole disk
  }
  const parts = sys.split("/");
  return partition ? parts.at(-2)! : parts.at(-1)!;
}

/** The value of `series` in `samples`, 0 when absent. */
export function value(samples: Map<string, number>, series: string): number {
  return samples.get(series) ?? 0;
}

/** Series of `samples` whose text starts with `prefix`. */
export function seriesWith(samples: Map<string, number>, prefix: string): [string, number][] {
  return [...samples].filter(([series]) => series.startsWith(prefix));
}

/** Sum of every series of `samples` whose text starts with `prefix`. */
export function sumWith(samples: Map<string, number>, prefix: string): number {
  return seriesWith(samples, prefix).reduce((n, [, v]) => n + v, 0);
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
