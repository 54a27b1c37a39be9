/**
 * Copies of system binaries under names of the test's choosing, so that the processes they run
 * have a known `comm` and a test can pick out its own series.
 * @module
 */

import { ok } from "#assert";

/** Longest comm the kernel keeps (TASK_COMM_LEN - 1). */
const COMM_MAX = 15;

/** A copy of a binary under a chosen name. */
export interface NamedBinary {
  /** Full path of the copy. */
  path: string;
  /** Its comm: the basename. */
  comm: string;
  /** Removes the copy and its directory. */
  remove(): void;
}

/**
 * Copies `binary` as `comm` (executable) into a fresh temporary directory, made with
 * `tempDir` (e.g. `{ dir: "/var/tmp" }`).
 */
export function namedBinary(
  binary: string,
  comm: string,
  tempDir: Deno.MakeTempOptions = {},
): NamedBinary {
  const dir = Deno.makeTempDirSync(tempDir);
  const path = `${dir}/${comm}`;
  Deno.copyFileSync(binary, path);
  Deno.chmodSync(path, 0o755);
  return { path, comm, remove: () => Deno.removeSync(dir, { recursive: true }) };
}

/** Runs `fn` with a copy of `binary` named `comm`, then removes the copy. */
export async function withNamedBinary<T>(
  binary: string,
  comm: string,
  fn: (path: string) => Promise<T>,
): Promise<T> {
  const copy = namedBinary(binary, comm);
  try {
    return await fn(copy.path);
  } finally {
    copy.remove();
  }
}

/**
 * Copies `binary` to a fresh directory under /var/tmp as `<prefix><random digits>` (15
 * characters at most, the whole name kept as comm).
 */
export function uniqueBinary(binary: string, prefix: string): NamedBinary {
  const digits = COMM_MAX - prefix.length;
  ok(digits >= 4, `prefix ${prefix} leaves too little room for a unique suffix`);
  const suffix = `${Date.now()}${Math.floor(Math.random() * 1e9)}`.slice(-digits);
  return namedBinary(binary, `${prefix}${suffix}`, { dir: "/var/tmp", prefix: "ebpf-example-" });
}
