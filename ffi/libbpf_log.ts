/**
 * Routes libbpf's own messages (warnings, the verifier log) into the exporter's log.
 *
 * A print callback needs `Deno.UnsafeCallback`, which Deno allows only when FFI is granted without
 * a path. Under the scoped permission set, libbpf keeps its default printer: warnings and info go
 * straight to stderr (the verifier log of a failed load included), debug messages are dropped.
 * When unscoped FFI is granted (e.g. for `--debug` sessions), every message, debug level included,
 * is formatted with libc `vsnprintf` and handed to the sink, and a failed call can quote them.
 * @module
 */

import { libbpf } from "./libbpf.ts";
import { libc } from "./libc.ts";

/** libbpf's print levels. */
export type LibbpfLevel = "warn" | "info" | "debug";

const LEVELS: readonly LibbpfLevel[] = ["warn", "info", "debug"];

/** Receives each formatted libbpf message. */
export type LibbpfSink = (level: LibbpfLevel, message: string) => void;

const PRINT_FN = { parameters: ["i32", "pointer", "pointer"], result: "i32" } as const;
let callback: Deno.UnsafeCallback<typeof PRINT_FN> | undefined;
let sink: LibbpfSink = () => {};
const buffer = new Uint8Array(1 << 20);
const decoder = new TextDecoder();

/** Whether libbpf's messages can be captured (FFI granted without a path). */
export function canCaptureLibbpfLog(): boolean {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
}

/**
 * Installs `newSink` as the receiver of every libbpf message when {@link canCaptureLibbpfLog};
 * returns false (and leaves libbpf printing to stderr) otherwise.
 */
export function setLibbpfSink(newSink: LibbpfSink): boolean {
  sink = newSink;
  if (callback) return true;
  if (!canCaptureLibbpfLog()) return false;
  const cb = new Deno.UnsafeCallback(PRINT_FN, (level, fmt, args) => {
    const n = libc().vsnprintf(buffer, BigInt(buffer.length), fmt, args);
    const len = Math.max(0, Math.min(n, buffer.length - 1));
    sink(LEVELS[level] ?? "debug", decoder.decode(buffer.subarray(0, len)));
    return n;
  });
  callback = cb;
  libbpf().libbpf_set_print(cb.pointer);
  return true;
}

/**
 * Collects libbpf messages while `fn` runs, so a failure can be reported with libbpf's reason.
 * Messages still reach the installed sink; without capture the log is empty.
 */
export function withLibbpfLog<T>(fn: () => T): { result?: T; error?: unknown; log: string[] } {
  const log: string[] = [];
  if (!callback) {
    try {
      return { result: fn(), log };
    } catch (error) {
      return { error, log };
    }
  }
  const previous = sink;
  sink = (level, message) => {
    log.push(message);
    previous(level, message);
  };
  try {
    return { result: fn(), log };
  } catch (error) {
    return { error, log };
  } finally {
    sink = previous;
  }
}
