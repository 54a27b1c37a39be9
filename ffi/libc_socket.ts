/**
 * The libc socket calls for systemd's readiness notification (`sd_notify`): one datagram to the
 * Unix socket named by `$NOTIFY_SOCKET`. Only dlopen'ed symbol calls with caller buffers are used,
 * so a path-scoped `--allow-ffi` suffices.
 * @module
 */

import { errno, strerror } from "./libc.ts";
import { openLibrary } from "./library_paths.ts";

const symbols = {
  /** int socket(int domain, int type, int protocol) */
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr, socklen_t addrlen) */
  sendto: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"],
    result: "isize",
  },
  /** int close(int fd) */
  close: { parameters: ["i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

let lib: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const SUN_PATH_MAX = 108;

/**
 * Sends `message` as one datagram to the Unix socket at `path` (a leading `@` names an abstract
 * socket). Throws with errno on failure.
 */
export function sendUnixDatagram(path: string, message: string): void {
  lib ??= openLibrary("libc", symbols).library.symbols;
  const name = new TextEncoder().encode(path);
  if (name.length === 0 || name.length >= SUN_PATH_MAX) {
    throw new Error(`socket path ${JSON.stringify(path)} is empty or too long`);
  }
  // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
  const addr = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
  addr.set(name, 2);
  if (name[0] === 0x40) addr[2] = 0; // "@name" is the abstract socket "\0name"
  const length = 2 + name.length + (name[0] === 0x40 ? 0 : 1);
  const fd = lib.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket: ${strerror(errno())}`);
  try {
    const body = new TextEncoder().encode(message);
    const sent = lib.sendto(fd, body, BigInt(body.length), MSG_NOSIGNAL, addr, length);
    if (sent < 0) throw new Error(`sendto ${path}: ${strerror(errno())}`);
  } finally {
    lib.close(fd);
  }
}
