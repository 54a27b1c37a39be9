/**
 * Generates `src/kernel/syscall_table.ts` and `src/kernel/errno_table.ts` from the Linux UAPI
 * headers installed by Debian's `linux-libc-dev` (compat.md §4, "syscall names" and "errno names").
 *
 * Run from the repository root:
 *
 *     tools/node_modules/.bin/deno run --allow-read=/usr/include --allow-write=src/kernel tools/gen_tables.ts
 *
 * The output is already formatted the way `deno fmt` wants it.
 * @module
 */

/** Header with the x86_64 `__NR_*` syscall numbers. */
export const UNISTD_HEADER = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";
/** Headers with the generic errno numbers, read in this order (first definition wins). */
export const ERRNO_HEADERS = [
  "/usr/include/asm-generic/errno-base.h",
  "/usr/include/asm-generic/errno.h",
] as const;

/**
 * Numbers where upstream ebpf_exporter (whose table came from strace) prints another name than the
 * kernel header: number -> [kernel name, upstream name]. The kernel name is checked against the
 * header so a renumbering cannot go unnoticed.
 */
export const UPSTREAM_RENAMES: ReadonlyMap<number, readonly [string, string]> = new Map([
  [7, ["poll", "poll_time64"]],
  [17, ["pread64", "pread"]],
  [18, ["pwrite64", "pwrite"]],
  [35, ["nanosleep", "nanosleep_time64"]],
  [40, ["sendfile", "sendfile64"]],
  [94, ["lchown", "chown"]],
  [128, ["rt_sigtimedwait", "rt_sigtimedwait_time64"]],
  [148, ["sched_rr_get_interval", "sched_rr_get_interval_time64"]],
  [155, ["pivot_root", "pivotroot"]],
  [156, ["_sysctl", "sysctl"]],
  [159, ["adjtimex", "adjtimex64"]],
  [189, ["lsetxattr", "setxattr"]],
  [192, ["lgetxattr", "getxattr"]],
  [195, ["llistxattr", "listxattr"]],
  [198, ["lremovexattr", "removexattr"]],
  [202, ["futex", "futex_time64"]],
  [208, ["io_getevents", "io_getevents_time64"]],
  [214, ["epoll_ctl_old", "printargs"]],
  [215, ["epoll_wait_old", "printargs"]],
  [220, ["semtimedop", "semtimedop_time64"]],
  [223, ["timer_settime", "timer_settime64"]],
  [224, ["timer_gettime", "timer_gettime64"]],
  [227, ["clock_settime", "clock_settime64"]],
  [228, ["clock_gettime", "clock_gettime64"]],
  [229, ["clock_getres", "clock_getres_time64"]],
  [230, ["clock_nanosleep", "clock_nanosleep_time64"]],
  [231, ["exit_group", "exit"]],
  [242, ["mq_timedsend", "mq_timedsend_time64"]],
  [243, ["mq_timedreceive", "mq_timedreceive_time64"]],
  [270, ["pselect6", "pselect6_time64"]],
  [271, ["ppoll", "ppoll_time64"]],
  [280, ["utimensat", "utimensat_time64"]],
  [286, ["timerfd_settime", "timerfd_settime64"]],
  [287, ["timerfd_gettime", "timerfd_gettime64"]],
  [299, ["recvmmsg", "recvmmsg_time64"]],
  [305, ["clock_adjtime", "clock_adjtime64"]],
  [333, ["io_pgetevents", "io_pgetevents_time64"]],
]);

/**
 * Syscalls upstream's table knows (it ends at 461) that older headers lack. Used only for numbers
 * the header does not define; when the header defines one, it must carry the same name.
 */
export const NEWER_SYSCALLS: ReadonlyMap<number, string> = new Map([
  [451, "cachestat"],
  [452, "fchmodat2"],
  [453, "map_shadow_stack"],
  [454, "futex_wake"],
  [455, "futex_wait"],
  [456, "futex_requeue"],
  [457, "statmount"],
  [458, "listmount"],
  [459, "lsm_get_self_attr"],
  [460, "lsm_set_self_attr"],
  [461, "lsm_list_modules"],
]);

/** Errno numbers where Go's `golang.org/x/sys/unix` prints another name than the first header one. */
export const GO_ERRNO_NAMES: ReadonlyMap<number, readonly [string, string]> = new Map([
  [95, ["EOPNOTSUPP", "ENOTSUP"]],
]);

/** Parses `#define __NR_name N` lines into number -> kernel name. */
export function parseUnistd(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split("\n")) {
    const m = /^#define\s+__NR_(\w+)\s+(\d+)\s*$/.exec(line);
    if (!m) continue;
    const n = Number(m[2]);
    if (out.has(n)) {
      throw new Error(`syscall ${n} defined twice (${out.get(n)}, ${m[1]})`);
    }
    out.set(n, m[1]);
  }
  return out;
}

/**
 * Parses `#define EXXX N` lines into number -> name, keeping the first literal definition of each
 * number; aliases defined as another name (`#define EWOULDBLOCK EAGAIN`) are skipped.
 */
export function parseErrno(texts: readonly string[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const text of texts) {
    for (const line of text.split("\n")) {
      const m = /^#define\s+(E[A-Z0-9]+)\s+(\d+)\b/.exec(line);
      if (!m) continue;
      const n = Number(m[2]);
      if (!out.has(n)) out.set(n, m[1]);
    }
  }
  return out;
}

/** Applies the upstream renames and additions to the header's syscall names. */
export function buildSyscallTable(
  kernel: ReadonlyMap<number, string>,
): Map<number, string> {
  const out = new Map(kernel);
  for (const [n, [kernelName, upstreamName]] of UPSTREAM_RENAMES) {
    const found = kernel.get(n);
    if (found !== kernelName) {
      throw new Error(
        `syscall ${n}: expected kernel name ${kernelName}, header has ${found}`,
      );
    }
    out.set(n, upstreamName);
  }
  for (const [n, name] of NEWER_SYSCALLS) {
    const found = kernel.get(n);
    if (found === undefined) out.set(n, name);
    else if (found !== name) {
      throw new Error(`syscall ${n}: expected ${name}, header has ${found}`);
    }
  }
  return out;
}

/** Applies Go's names to the header's errno names. */
export function buildErrnoTable(
  header: ReadonlyMap<number, string>,
): Map<number, string> {
  const out = new Map(header);
  for (const [n, [headerName, goName]] of GO_ERRNO_NAMES) {
    const found = header.get(n);
    if (found !== headerName) {
      throw new Error(
        `errno ${n}: expected header name ${headerName}, header has ${found}`,
      );
    }
    out.set(n, goName);
  }
  return out;
}

function entryLines(table: ReadonlyMap<number, string>): string {
  return [...table].sort((a, b) => a[0] - b[0]).map(([n, name]) => `  [${n}, "${name}"],\n`).join(
    "",
  );
}

const REGENERATE = "//   tools/node_modules/.bin/deno run --allow-read=/usr/include " +
  "--allow-write=src/kernel tools/gen_tables.ts\n";

/** Renders `syscall_table.ts`. */
export function renderSyscallModule(
  table: ReadonlyMap<number, string>,
): string {
  return "// GENERATED by tools/gen_tables.ts from " + UNISTD_HEADER +
    ". Do not edit.\n" +
    "// Regenerate from the repository root:\n" + REGENERATE + "\n" +
    "/**\n" +
    " * x86_64 syscall names by number, as upstream ebpf_exporter prints them (kernel names with\n" +
    " * strace's spelling where upstream differs; compat.md §4).\n" +
    " * @module\n" +
    " */\n\n" +
    "const ENTRIES: readonly (readonly [number, string])[] = [\n" +
    entryLines(table) + "];\n\n" +
    "const NAMES: (string | undefined)[] = [];\n" +
    "for (const [n, name] of ENTRIES) {\n" +
    "  NAMES[n] = name;\n" +
    "}\n\n" +
    "/** Name of x86_64 syscall `n` (e.g. 0 -> `read`); undefined when the table has none. */\n" +
    "export function syscallName(n: number): string | undefined {\n" +
    "  return NAMES[n];\n" +
    "}\n";
}

/** Renders `errno_table.ts`. */
export function renderErrnoModule(table: ReadonlyMap<number, string>): string {
  return "// GENERATED by tools/gen_tables.ts from " +
    ERRNO_HEADERS.join(" and ") +
    ". Do not edit.\n" +
    "// Regenerate from the repository root:\n" + REGENERATE + "\n" +
    "/**\n" +
    " * Linux errno names by number, as Go's golang.org/x/sys/unix prints them (compat.md §4).\n" +
    " * @module\n" +
    " */\n\n" +
    "const ENTRIES: readonly (readonly [number, string])[] = [\n" +
    entryLines(table) + "];\n\n" +
    "const NAMES: (string | undefined)[] = [];\n" +
    "for (const [n, name] of ENTRIES) {\n" +
    "  NAMES[n] = name;\n" +
    "}\n\n" +
    "/** Name of errno `n` (e.g. 1 -> `EPERM`); undefined for 0 and unassigned numbers. */\n" +
    "export function errnoName(n: number): string | undefined {\n" +
    "  return NAMES[n];\n" +
    "}\n";
}

if (import.meta.main) {
  const outDir = new URL("../src/kernel/", import.meta.url);
  const syscalls = buildSyscallTable(
    parseUnistd(Deno.readTextFileSync(UNISTD_HEADER)),
  );
  const errnos = buildErrnoTable(
    parseErrno(ERRNO_HEADERS.map((p) => Deno.readTextFileSync(p))),
  );
  Deno.writeTextFileSync(
    new URL("syscall_table.ts", outDir),
    renderSyscallModule(syscalls),
  );
  Deno.writeTextFileSync(
    new URL("errno_table.ts", outDir),
    renderErrnoModule(errnos),
  );
  console.log(
    `wrote ${syscalls.size} syscalls and ${errnos.size} errno names to ${outDir.pathname}`,
  );
}
