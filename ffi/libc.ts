/**
 * The few libc functions the exporter needs: errno, copying native memory, formatting libbpf's
 * messages, and reading kernel files (Deno refuses `/proc` and `/sys` without `--allow-all`; see
 * platform.md).
 *
 * Under a path-scoped `--allow-ffi`, only calls of dlopen'ed symbols are allowed: Deno refuses
 * `UnsafePointer.of`, `UnsafePointerView` and `UnsafeCallback` unless FFI is granted without a
 * path. So native memory is read with libc `memcpy` into a JS buffer, and a buffer's address is
 * obtained from `memcpy(buf, buf, 0)`, which returns its first argument.
 * @module
 */

import { openLibrary } from "./library_paths.ts";

const symbols = {
  /** int *__errno_location(void) */
  __errno_location: { parameters: [], result: "pointer" },
  /** int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) */
  vsnprintf: { parameters: ["buffer", "usize", "pointer", "pointer"], result: "i32" },
  /** int open(const char *path, int flags, ...) */
  open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  /** ssize_t read(int fd, void *buf, size_t count) */
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  /** int close(int fd) */
  close: { parameters: ["i32"], result: "i32" },
  /** char *strerror(int errnum) */
  strerror: { parameters: ["i32"], result: "pointer" },
  /** size_t strlen(const char *s) */
  strlen: { parameters: ["pointer"], result: "usize" },
  /** void *memcpy(void *dst, const void *src, size_t n): copies native memory into a JS buffer */
  copy_from_native: { name: "memcpy", parameters: ["buffer", "pointer", "usize"], result: "void" },
  /** void *memcpy(void *dst, const void *src, size_t n) with n = 0: returns dst's address */
  address_of: { name: "memcpy", parameters: ["buffer", "buffer", "usize"], result: "usize" },
  /** int access(const char *path, int mode) */
  access: { parameters: ["buffer", "i32"], result: "i32" },
  /** pid_t getpid(void) */
  getpid: { parameters: [], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let opened: { library: Deno.DynamicLibrary<typeof symbols>; path: string } | undefined;

/** The libc binding, opened on first use. */
export function libc(): Deno.DynamicLibrary<typeof symbols>["symbols"] {
  opened ??= openLibrary("libc", symbols);
  return opened.library.symbols;
}

/** Full path libc was opened from (after first use). */
export function libcPath(): string | undefined {
  return opened?.path;
}

const errnoCell = new Int32Array(new ArrayBuffer(128));
const errnoBytes = new Uint8Array(errnoCell.buffer, 0, 4);

/** The calling thread's current errno; read it right after the failing call. */
export function errno(): number {
  const c = libc();
  const p = c.__errno_location();
  if (p === null) return 0;
  c.copy_from_native(errnoBytes, p, 4n);
  return errnoCell[0];
}

/** Copies `length` bytes of native memory at `p` into a new buffer. */
export function copyFromNative(p: Deno.PointerObject, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  if (length > 0) libc().copy_from_native(out, p, BigInt(length));
  return out;
}

/**
 * The native address of a buffer's first byte, for storing in C structs. Allocate such buffers
 * with `new ArrayBuffer(n)` (or larger than 64 bytes) so V8 keeps them off its moving heap, and
 * keep them referenced while native code may use them.
 */
export function addressOf(buffer: Uint8Array<ArrayBuffer>): bigint {
  return libc().address_of(buffer, buffer, 0n);
}

/** A NUL-terminated copy of `s` for passing as `const char *` (off V8's moving heap). */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(new ArrayBuffer(bytes.length + 1));
  out.set(bytes);
  return out;
}

/** Copies a C string out of native memory (empty for NULL). */
export function readCString(p: Deno.PointerValue): string {
  if (p === null) return "";
  const length = Number(libc().strlen(p));
  return new TextDecoder().decode(copyFromNative(p, length));
}

/** Reads a C string from a JS buffer, up to the first NUL. */
export function bufferCString(buffer: Uint8Array): string {
  const end = buffer.indexOf(0);
  return new TextDecoder().decode(end < 0 ? buffer : buffer.subarray(0, end));
}

/** libc's description of an errno value, e.g. `No such file or directory`. */
export function strerror(code: number): string {
  return readCString(libc().strerror(code));
}

/** `open` flag: read-only. */
export const O_RDONLY = 0;
/** `open` flag: fail unless the path is a directory (x86_64's value; arm64's is 0o40000). */
export const O_DIRECTORY = 0o200000;
/** `open` flag: close on exec. */
export const O_CLOEXEC = 0o2000000;

/** errno values the exporter tests for (Linux, every architecture). Operation not permitted. */
export const EPERM = 1;
/** No such file or directory. */
export const ENOENT = 2;
/** Interrupted system call: retry. */
export const EINTR = 4;
/** No such device or address (`if_indextoname` of an index no interface has). */
export const ENXIO = 6;
/** Would block (nothing to read on a non-blocking fd). */
export const EAGAIN = 11;
/** No such device. */
export const ENODEV = 19;
/** Not a directory. */
export const ENOTDIR = 20;
/** Invalid argument. */
export const EINVAL = 22;
/** No space left (a full buffer; for inotify, `max_user_watches` is reached). */
export const ENOSPC = 28;
/** Operation not supported. */
export const EOPNOTSUPP = 95;
/** The kernel-internal "not supported" some BPF commands leak to user space. */
export const ENOTSUPP = 524;

/** Error reading a kernel file through libc; carries errno. */
export class KernelFileError extends Error {
  /** Builds `<op> <path>: <strerror> (errno N)`. */
  constructor(readonly path: string, readonly op: string, readonly errno: number) {
    super(`${op} ${path}: ${strerror(errno)} (errno ${errno})`);
    this.name = "KernelFileError";
  }
}

/**
 * Reads a whole file through libc `open`/`read`, for kernel files (`/proc/kallsyms`,
 * `/proc/partitions`, cgroupfs...) that Deno's own file API refuses.
 */
export function readKernelFile(path: string): Uint8Array {
  const c = libc();
  const fd = c.open(cString(path), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) throw new KernelFileError(path, "open", errno());
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(1 << 20);
      const n = Number(c.read(fd, chunk, BigInt(chunk.length)));
      if (n < 0) {
        const code = errno();
        if (code === EINTR) continue;
        throw new KernelFileError(path, "read", code);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  } finally {
    c.close(fd);
  }
}

/** {@link readKernelFile} decoded as UTF-8 text. */
export function readKernelTextFile(path: string): string {
  return new TextDecoder().decode(readKernelFile(path));
}

/** Whether `path` exists (libc `access(F_OK)`; works under /proc and /sys where Deno refuses). */
export function kernelPathExists(path: string): boolean {
  return libc().access(cString(path), 0) === 0;
}
