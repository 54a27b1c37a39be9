/**
 * Directory listing, inode lookup and inotify through libc, for kernel filesystems (cgroupfs) that
 * Deno's own file API refuses without `--allow-all` (see design/platform.md).
 *
 * Every call fills a caller-provided buffer (`getdents64`, `statx`, `read` on an inotify fd), so
 * this works under a path-scoped `--allow-ffi`, which refuses `UnsafePointerView` and callbacks.
 * @module
 */

import {
  cString,
  EAGAIN,
  EINTR,
  ENOENT,
  ENOTDIR,
  errno,
  KernelFileError,
  libc,
  O_CLOEXEC,
  O_DIRECTORY,
  O_RDONLY,
} from "./libc.ts";
import { openLibrary } from "./library_paths.ts";

const symbols = {
  /** ssize_t getdents64(int fd, void *buf, size_t count) (glibc 2.30+) */
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize", optional: true },
  /** int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf) (2.28+) */
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32", optional: true },
  /** long syscall(long nr, ...): the fallback for getdents64 / statx on older glibc */
  syscall_getdents64: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "usize"],
    result: "i64",
  },
  /** long syscall(long nr, ...) for statx */
  syscall_statx: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "i32", "u32", "buffer"],
    result: "i64",
  },
  /** int inotify_init1(int flags) */
  inotify_init1: { parameters: ["i32"], result: "i32" },
  /** int inotify_add_watch(int fd, const char *path, uint32_t mask) */
  inotify_add_watch: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** int inotify_rm_watch(int fd, int wd) */
  inotify_rm_watch: { parameters: ["i32", "i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let opened: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;

function fs(): Deno.DynamicLibrary<typeof symbols>["symbols"] {
  opened ??= openLibrary("libc", symbols).library.symbols;
  return opened;
}

/** Syscall numbers of the fallbacks, per architecture. */
const SYSCALLS: Record<string, { getdents64: bigint; statx: bigint }> = {
  x86_64: { getdents64: 217n, statx: 332n },
  aarch64: { getdents64: 61n, statx: 291n },
};

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const STATX_TYPE = 0x1;
const STATX_INO = 0x100;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const DT_UNKNOWN = 0;
const DT_DIR = 4;

/** errno values callers test for (declared in `libc.ts`). */
export { EAGAIN, EINTR, ENOENT, ENOSPC, ENOTDIR } from "./libc.ts";

/** A directory entry that is itself a directory. */
export interface SubdirEntry {
  /** The entry's name (decoded as UTF-8). */
  readonly name: string;
  /** Its inode number (`d_ino`); on cgroupfs this is the cgroup id. */
  readonly ino: bigint;
}

const utf8 = new TextDecoder();
const DIRENT_BUFFER = 64 * 1024;
let direntBuffer: Uint8Array<ArrayBuffer> | undefined;
const statxBuffer = new Uint8Array(new ArrayBuffer(256));
const statxView = new DataView(statxBuffer.buffer);

function getdents(fd: number, buf: Uint8Array<ArrayBuffer>): number {
  const s = fs();
  if (s.getdents64 !== null) return Number(s.getdents64(fd, buf, BigInt(buf.length)));
  const nr = SYSCALLS[Deno.build.arch]?.getdents64;
  if (nr === undefined) throw new Error(`getdents64: no syscall number for ${Deno.build.arch}`);
  return Number(s.syscall_getdents64(nr, fd, buf, BigInt(buf.length)));
}

/**
 * The subdirectories of `path` (without `.` and `..`), with their inode numbers, read with
 * `getdents64`. Returns undefined when the directory no longer exists (ENOENT, ENOTDIR); throws
 * {@link KernelFileError} for other failures. Entries of unknown type are checked with `statx`.
 */
export function listSubdirectories(path: string): SubdirEntry[] | undefined {
  const c = libc();
  const fd = c.open(cString(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) {
    const code = errno();
    if (code === ENOENT || code === ENOTDIR) return undefined;
    throw new KernelFileError(path, "open", code);
  }
  const out: SubdirEntry[] = [];
  try {
    direntBuffer ??= new Uint8Array(new ArrayBuffer(DIRENT_BUFFER));
    const buf = direntBuffer;
    const view = new DataView(buf.buffer);
    for (;;) {
      const n = getdents(fd, buf);
      if (n < 0) {
        const code = errno();
        if (code === EINTR) continue;
        if (code === ENOENT) return undefined;
        throw new KernelFileError(path, "getdents64", code);
      }
      if (n === 0) break;
      let at = 0;
      while (at < n) {
        const reclen = view.getUint16(at + 16, true);
        const type = buf[at + 18];
        if (type === DT_DIR || type === DT_UNKNOWN) {
          const nameStart = at + 19;
          let nameEnd = buf.indexOf(0, nameStart);
          if (nameEnd < 0 || nameEnd > at + reclen) nameEnd = at + reclen;
          const isDot = buf[nameStart] === 0x2e &&
            (nameEnd === nameStart + 1 ||
              (nameEnd === nameStart + 2 && buf[nameStart + 1] === 0x2e));
          if (!isDot) {
            const name = utf8.decode(buf.subarray(nameStart, nameEnd));
            const ino = view.getBigUint64(at, true);
            if (type === DT_DIR || statDirectoryInode(`${path}/${name}`) !== undefined) {
              out.push({ name, ino });
            }
          }
        }
        if (reclen === 0) break;
        at += reclen;
      }
    }
  } finally {
    c.close(fd);
  }
  return out;
}

function statx(path: string): number {
  const s = fs();
  const flags = AT_SYMLINK_NOFOLLOW;
  const mask = STATX_TYPE | STATX_INO;
  if (s.statx !== null) return s.statx(AT_FDCWD, cString(path), flags, mask, statxBuffer);
  const nr = SYSCALLS[Deno.build.arch]?.statx;
  if (nr === undefined) throw new Error(`statx: no syscall number for ${Deno.build.arch}`);
  return Number(s.syscall_statx(nr, AT_FDCWD, cString(path), flags, mask, statxBuffer));
}

/**
 * The inode number of the directory `path` (with `statx`); undefined when it does not exist or is
 * not a directory. Throws {@link KernelFileError} for other failures.
 */
export function statDirectoryInode(path: string): bigint | undefined {
  if (statx(path) < 0) {
    const code = errno();
    if (code === ENOENT || code === ENOTDIR) return undefined;
    throw new KernelFileError(path, "statx", code);
  }
  // struct statx: stx_mode u16 @ 28, stx_ino u64 @ 32
  if ((statxView.getUint16(28, true) & S_IFMT) !== S_IFDIR) return undefined;
  return statxView.getBigUint64(32, true);
}

/** inotify event bits (linux/inotify.h): subfile was moved from the watched directory. */
export const IN_MOVED_FROM = 0x0000_0040;
/** Subfile was moved into the watched directory. */
export const IN_MOVED_TO = 0x0000_0080;
/** Subfile was created. */
export const IN_CREATE = 0x0000_0100;
/** Subfile was deleted. */
export const IN_DELETE = 0x0000_0200;
/** The filesystem of the watched object was unmounted. */
export const IN_UNMOUNT = 0x0000_2000;
/** The event queue overflowed (wd is -1). */
export const IN_Q_OVERFLOW = 0x0000_4000;
/** The watch was removed (explicitly, or because its directory is gone). */
export const IN_IGNORED = 0x0000_8000;
/** Only watch the path if it is a directory. */
export const IN_ONLYDIR = 0x0100_0000;
/** The event is about a directory. */
export const IN_ISDIR = 0x4000_0000;
const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;

/** One inotify event as read from the fd. */
export interface InotifyEvent {
  /** Watch descriptor the event is about (-1 for IN_Q_OVERFLOW). */
  readonly wd: number;
  /** Event bits. */
  readonly mask: number;
  /** Ties an IN_MOVED_FROM to its IN_MOVED_TO. */
  readonly cookie: number;
  /** Name of the entry inside the watched directory ("" for events about the directory itself). */
  readonly name: string;
}

/**
 * A non-blocking inotify instance. {@link read} never waits: it returns whatever events are queued
 * (possibly none). Close it with {@link close}.
 */
export class Inotify {
  #fd: number;
  readonly #buffer = new Uint8Array(new ArrayBuffer(64 * 1024));
  readonly #view = new DataView(this.#buffer.buffer);

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** `inotify_init1(IN_NONBLOCK | IN_CLOEXEC)`; throws {@link KernelFileError} on failure. */
  static open(): Inotify {
    const fd = fs().inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) throw new KernelFileError("inotify", "inotify_init1", errno());
    return new Inotify(fd);
  }

  /** Whether {@link close} has been called. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** `inotify_add_watch`: the watch descriptor (>= 0), or `-errno` on failure. */
  addWatch(path: string, mask: number): number {
    if (this.#fd < 0) return -9; // EBADF
    const wd = fs().inotify_add_watch(this.#fd, cString(path), mask >>> 0);
    return wd >= 0 ? wd : -errno();
  }

  /** `inotify_rm_watch`; failures (the watch is already gone) are ignored. */
  removeWatch(wd: number): void {
    if (this.#fd >= 0) fs().inotify_rm_watch(this.#fd, wd);
  }

  /**
   * Reads the queued events without blocking, at most `maxBytes` worth (rounded up to one read);
   * returns an empty list when none are queued. Throws {@link KernelFileError} on a read failure.
   */
  read(maxBytes = 1 << 20): InotifyEvent[] {
    const events: InotifyEvent[] = [];
    if (this.#fd < 0) return events;
    const c = libc();
    const buf = this.#buffer;
    let total = 0;
    while (total < maxBytes) {
      const n = Number(c.read(this.#fd, buf, BigInt(buf.length)));
      if (n < 0) {
        const code = errno();
        if (code === EINTR) continue;
        if (code === EAGAIN) break;
        throw new KernelFileError("inotify", "read", code);
      }
      if (n === 0) break;
      total += n;
      let at = 0;
      while (at + 16 <= n) {
        const wd = this.#view.getInt32(at, true);
        const mask = this.#view.getUint32(at + 4, true);
        const cookie = this.#view.getUint32(at + 8, true);
        const len = this.#view.getUint32(at + 12, true);
        let name = "";
        if (len > 0) {
          const start = at + 16;
          let end = buf.indexOf(0, start);
          if (end < 0 || end > start + len) end = start + len;
          name = utf8.decode(buf.subarray(start, end));
        }
        events.push({ wd, mask, cookie, name });
        at += 16 + len;
      }
    }
    return events;
  }

  /** Closes the fd (and so every watch); further calls do nothing. */
  close(): void {
    if (this.#fd >= 0) {
      libc().close(this.#fd);
      this.#fd = -1;
    }
  }
}
