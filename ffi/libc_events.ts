/**
 * libc calls for consuming BPF event streams without callbacks: `perf_event_open` (through
 * `syscall`), `mmap` of perf and ring buffers, `epoll`, an `eventfd` to wake a waiting loop, and
 * the clocks that turn kernel timestamps into wall time.
 *
 * Native addresses are plain `bigint`s (`usize`): under a path-scoped `--allow-ffi` Deno refuses
 * pointer arithmetic and `UnsafePointerView`, so mapped memory is read and written only through
 * libc `memcpy` between an address and a JS buffer.
 * @module
 */

import { EINTR, errno, libc, strerror } from "./libc.ts";
import { openLibrary } from "./library_paths.ts";

const symbols = {
  /** long syscall(long number, ...): perf_event_open(attr, pid, cpu, group_fd, flags) */
  perf_event_open: {
    name: "syscall",
    parameters: ["i64", "buffer", "i64", "i64", "i64", "u64"],
    result: "i64",
  },
  /** int ioctl(int fd, unsigned long request, ...) with one integer argument */
  ioctl: { parameters: ["i32", "u64", "u64"], result: "i32" },
  /** void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) */
  mmap: { parameters: ["usize", "usize", "i32", "i32", "i32", "i64"], result: "usize" },
  /** int munmap(void *addr, size_t length) */
  munmap: { parameters: ["usize", "usize"], result: "i32" },
  /** int getpagesize(void) */
  getpagesize: { parameters: [], result: "i32" },
  /** int epoll_create1(int flags) */
  epoll_create1: { parameters: ["i32"], result: "i32" },
  /** int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event) */
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  /**
   * int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout), on one of
   * Deno's blocking threads: returns a Promise, never blocks the loop
   */
  epoll_wait_async: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  /** int eventfd(unsigned int initval, int flags) */
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  /** ssize_t write(int fd, const void *buf, size_t count) */
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** ssize_t read(int fd, void *buf, size_t count) */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** int close(int fd) */
  close: { parameters: ["i32"], result: "i32" },
  /** int clock_gettime(clockid_t clockid, struct timespec *tp) */
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  /** void *memcpy(void *dst, const void *src, size_t n): native address -> JS buffer */
  copy_from_address: { name: "memcpy", parameters: ["buffer", "usize", "usize"], result: "usize" },
  /** void *memcpy(void *dst, const void *src, size_t n): JS buffer -> native address */
  copy_to_address: { name: "memcpy", parameters: ["usize", "buffer", "usize"], result: "usize" },
} as const satisfies Deno.ForeignLibraryInterface;

let opened: Deno.DynamicLibrary<typeof symbols> | undefined;

/** The event-stream libc binding, opened on first use. */
function libcEvents(): Deno.DynamicLibrary<typeof symbols>["symbols"] {
  if (opened === undefined) {
    // Open libc.ts's binding first, so reading errno after a failure does not dlopen (and so
    // possibly clobber errno) in between.
    libc();
    opened = openLibrary("libc", symbols).library;
  }
  return opened.symbols;
}

/** A failed system call: the operation and errno. */
export class SyscallError extends Error {
  /** Builds `<op>: <strerror> (errno N)`. */
  constructor(readonly op: string, readonly errno: number) {
    super(`${op}: ${strerror(errno)} (errno ${errno})`);
    this.name = "SyscallError";
  }
}

/** `PROT_*`, `MAP_*`, `EPOLL*`, `EFD_*` and perf constants (x86_64 and arm64 agree). */
export const PROT_READ = 1;
/** Writable mapping. */
export const PROT_WRITE = 2;
/** Shared mapping. */
export const MAP_SHARED = 1;
/** `(void *)-1` as an unsigned address. */
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
/** Readable. */
export const EPOLLIN = 1;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
/** `PERF_FLAG_FD_CLOEXEC`. */
const PERF_FLAG_FD_CLOEXEC = 8n;
/** `PERF_EVENT_IOC_ENABLE` = `_IO('$', 0)`. */
export const PERF_EVENT_IOC_ENABLE = 0x2400n;
/** `PERF_EVENT_IOC_DISABLE` = `_IO('$', 1)`. */
export const PERF_EVENT_IOC_DISABLE = 0x2401n;

/** `__NR_perf_event_open` for the running architecture. */
function perfEventOpenSyscall(): bigint {
  switch (Deno.build.arch) {
    case "x86_64":
      return 298n;
    case "aarch64":
      return 241n;
    default:
      throw new Error(`perf_event_open: unknown syscall number on ${Deno.build.arch}`);
  }
}

/**
 * `perf_event_open(attr, pid = -1, cpu, group_fd = -1, PERF_FLAG_FD_CLOEXEC)`: a system-wide
 * event on one CPU, retried on EINTR. `attr` is a `struct perf_event_attr` laid out by the
 * caller. Returns the event's fd; throws {@link SyscallError} named `op`.
 */
export function perfEventOpen(
  attr: Uint8Array<ArrayBuffer>,
  cpu: number,
  op = `perf_event_open(cpu ${cpu})`,
): number {
  const nr = perfEventOpenSyscall();
  for (;;) {
    const fd = Number(
      libcEvents().perf_event_open(nr, attr, -1n, BigInt(cpu), -1n, PERF_FLAG_FD_CLOEXEC),
    );
    if (fd >= 0) return fd;
    const code = errno();
    if (code !== EINTR) throw new SyscallError(op, code);
  }
}

/** `ioctl(fd, request, arg)`; throws {@link SyscallError}. */
export function ioctl(fd: number, request: bigint, arg = 0n): void {
  if (libcEvents().ioctl(fd, request, arg) < 0) {
    throw new SyscallError(`ioctl(0x${request.toString(16)})`, errno());
  }
}

/** The system page size. */
export function pageSize(): number {
  return libcEvents().getpagesize();
}

/** `mmap(NULL, length, prot, MAP_SHARED, fd, offset)`: the address; throws {@link SyscallError}. */
export function mmapShared(fd: number, length: number, prot: number, offset: number): bigint {
  const addr = libcEvents().mmap(0n, BigInt(length), prot, MAP_SHARED, fd, BigInt(offset));
  if (addr === MAP_FAILED) throw new SyscallError(`mmap(${length} bytes)`, errno());
  return addr;
}

/** `munmap(addr, length)`. */
export function munmap(addr: bigint, length: number): void {
  libcEvents().munmap(addr, BigInt(length));
}

/** `close(fd)`. */
export function closeFd(fd: number): void {
  libcEvents().close(fd);
}

/** Copies `length` bytes at native address `addr` into `out` (from its start). */
export function readAddress(out: Uint8Array<ArrayBuffer>, addr: bigint, length: number): void {
  if (length > 0) libcEvents().copy_from_address(out, addr, BigInt(length));
}

/**
 * A buffer to {@link readAddress} `length` bytes into: `buffer` when it is long enough, else a
 * new one of its length doubled until `length` fits.
 */
export function growCopyBuffer(
  buffer: Uint8Array<ArrayBuffer>,
  length: number,
): Uint8Array<ArrayBuffer> {
  if (buffer.length >= length) return buffer;
  let size = buffer.length;
  while (size < length) size *= 2;
  return new Uint8Array(new ArrayBuffer(size));
}

const u64Cell = new BigUint64Array(new ArrayBuffer(8));
const u64Bytes = new Uint8Array(u64Cell.buffer);

/**
 * Loads the u64 at an 8-byte aligned native address. glibc's memcpy of 8 bytes is a single
 * aligned 8-byte load, so the value is never torn; the FFI call orders it before later loads.
 */
export function loadU64(addr: bigint): bigint {
  libcEvents().copy_from_address(u64Bytes, addr, 8n);
  return u64Cell[0];
}

/** Stores a u64 at an 8-byte aligned native address (a single aligned 8-byte store). */
export function storeU64(addr: bigint, value: bigint): void {
  u64Cell[0] = value;
  libcEvents().copy_to_address(addr, u64Bytes, 8n);
}

const EPOLL_EVENT_SIZE = 12; // struct epoll_event is packed on x86_64: u32 events, u64 data

/**
 * An epoll set plus an eventfd that wakes a pending wait at once (used to stop a loop without
 * waiting for its timeout).
 */
export class Epoll {
  readonly fd: number;
  readonly #wakeFd: number;
  readonly #events: Uint8Array<ArrayBuffer>;
  readonly #maxEvents: number;
  #closed = false;

  /** Creates the epoll set and its wake-up eventfd. */
  constructor(maxEvents = 64) {
    const c = libcEvents();
    this.fd = c.epoll_create1(EPOLL_CLOEXEC);
    if (this.fd < 0) throw new SyscallError("epoll_create1", errno());
    this.#wakeFd = c.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (this.#wakeFd < 0) {
      const code = errno();
      c.close(this.fd);
      throw new SyscallError("eventfd", code);
    }
    this.#maxEvents = maxEvents;
    this.#events = new Uint8Array(new ArrayBuffer(EPOLL_EVENT_SIZE * maxEvents));
    this.add(this.#wakeFd, EPOLLIN);
  }

  /** Watches `fd` for `events` (level-triggered). */
  add(fd: number, events = EPOLLIN): void {
    const ev = new Uint8Array(new ArrayBuffer(EPOLL_EVENT_SIZE));
    const view = new DataView(ev.buffer);
    view.setUint32(0, events, true);
    view.setBigUint64(4, BigInt(fd), true);
    if (libcEvents().epoll_ctl(this.fd, EPOLL_CTL_ADD, fd, ev) < 0) {
      throw new SyscallError(`epoll_ctl(ADD fd ${fd})`, errno());
    }
  }

  /**
   * Waits up to `timeoutMs` on a Deno blocking thread (the event loop keeps running). Resolves
   * to the number of ready descriptors (0 on timeout, -1 on an error such as EINTR).
   */
  wait(timeoutMs: number): Promise<number> {
    return libcEvents().epoll_wait_async(this.fd, this.#events, this.#maxEvents, timeoutMs);
  }

  /** Makes a pending {@link wait} return now. */
  wake(): void {
    const one = new Uint8Array(new BigUint64Array([1n]).buffer);
    libcEvents().write(this.#wakeFd, one, 8n);
  }

  /** Clears a wake-up so that the next wait blocks again. */
  clearWake(): void {
    const sink = new Uint8Array(8);
    libcEvents().read(this.#wakeFd, sink, 8n);
  }

  /** Closes the epoll set and the eventfd (idempotent). Do not close while a wait is pending. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    libcEvents().close(this.#wakeFd);
    libcEvents().close(this.fd);
  }
}

/** `CLOCK_REALTIME`. */
export const CLOCK_REALTIME = 0;
/** `CLOCK_MONOTONIC` (what `bpf_ktime_get_ns()` returns). */
export const CLOCK_MONOTONIC = 1;
const timespec = new BigInt64Array(new ArrayBuffer(16));
const timespecBytes = new Uint8Array(timespec.buffer);

/** `clock_gettime(clock)` in nanoseconds. */
export function clockNs(clock: number): bigint {
  if (libcEvents().clock_gettime(clock, timespecBytes) < 0) {
    throw new SyscallError(`clock_gettime(${clock})`, errno());
  }
  return timespec[0] * 1_000_000_000n + timespec[1];
}
