/**
 * libc calls behind the exporter's own attach paths: `perf_event_open` (through `syscall`, glibc
 * has no wrapper) for `perf_event/...` programs, `if_nametoindex` for `xdp/IFNAME` programs.
 *
 * A separate binding from `libc.ts` over the same libc path (a second `dlopen` of a path returns
 * the same handle, so `errno()` from `libc.ts` sees these calls' errors).
 * @module
 */

import { cString, errno, libc, strerror } from "./libc.ts";
import { openLibrary } from "./library_paths.ts";

const symbols = {
  /**
   * long syscall(long nr, ...) as perf_event_open(struct perf_event_attr *attr, pid_t pid,
   * int cpu, int group_fd, unsigned long flags). Every variadic argument is passed as 64 bits.
   */
  syscall_perf_event_open: {
    name: "syscall",
    parameters: ["i64", "buffer", "i64", "i64", "i64", "u64"],
    result: "i64",
  },
  /** unsigned int if_nametoindex(const char *ifname) */
  if_nametoindex: { parameters: ["buffer"], result: "u32" },
} as const satisfies Deno.ForeignLibraryInterface;

let opened: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;

function attachLibc(): Deno.DynamicLibrary<typeof symbols>["symbols"] {
  if (opened === undefined) {
    libc(); // open libc.ts's binding first, so reading errno later does not dlopen in between
    opened = openLibrary("libc", symbols).library.symbols;
  }
  return opened;
}

/** perf_event_open's syscall number per architecture. */
const PERF_EVENT_OPEN: Record<string, bigint> = { x86_64: 298n, aarch64: 241n };
/** `PERF_FLAG_FD_CLOEXEC`. */
const PERF_FLAG_FD_CLOEXEC = 8n;
const EINTR = 4;

/** A failed perf_event_open; carries errno. */
export class PerfEventOpenError extends Error {
  /** Builds `perf_event_open(<what>) on CPU <cpu>: <strerror> (errno N)`. */
  constructor(readonly what: string, readonly cpu: number, readonly errno: number) {
    super(`perf_event_open(${what}) on CPU ${cpu}: ${strerror(errno)} (errno ${errno})`);
    this.name = "PerfEventOpenError";
  }
}

/**
 * `perf_event_open(attr, pid = -1, cpu, group_fd = -1, PERF_FLAG_FD_CLOEXEC)`: a system-wide
 * event on one CPU. `attr` is a `struct perf_event_attr` laid out by the caller; `what` names
 * the event in errors. Returns the event's fd.
 */
export function perfEventOpen(attr: Uint8Array<ArrayBuffer>, cpu: number, what: string): number {
  const nr = PERF_EVENT_OPEN[Deno.build.arch];
  if (nr === undefined) {
    throw new Error(`perf_event_open: no syscall number for ${Deno.build.arch}`);
  }
  for (;;) {
    const fd = Number(
      attachLibc().syscall_perf_event_open(nr, attr, -1n, BigInt(cpu), -1n, PERF_FLAG_FD_CLOEXEC),
    );
    if (fd >= 0) return fd;
    const code = errno();
    if (code !== EINTR) throw new PerfEventOpenError(what, cpu, code);
  }
}

/** Closes a file descriptor this module handed out. */
export function closeFd(fd: number): void {
  libc().close(fd);
}

/** The index of the network interface `name` in this network namespace, or 0 when none exists. */
export function ifNameToIndex(name: string): number {
  return attachLibc().if_nametoindex(cString(name));
}
