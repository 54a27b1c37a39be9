/**
 * The libbpf symbol table (libbpf 1.1 ABI) and helpers to call it safely.
 *
 * Every parameter carries its C prototype in a comment. Pointer-returning functions report failure
 * as NULL with errno set; int-returning ones return `-errno`. {@link BpfError} carries both.
 * @module
 */

import { bufferCString, EINVAL, errno, strerror } from "./libc.ts";
import { openLibrary } from "./library_paths.ts";

const symbols = {
  /** int libbpf_strerror(int err, char *buf, size_t size) */
  libbpf_strerror: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  /** libbpf_print_fn_t libbpf_set_print(libbpf_print_fn_t fn) */
  libbpf_set_print: { parameters: ["function"], result: "pointer" },
  /** int libbpf_num_possible_cpus(void) */
  libbpf_num_possible_cpus: { parameters: [], result: "i32" },

  /** struct bpf_object *bpf_object__open_file(const char *path, const struct bpf_object_open_opts *opts) */
  bpf_object__open_file: { parameters: ["buffer", "buffer"], result: "pointer" },
  /** int bpf_object__load(struct bpf_object *obj) */
  bpf_object__load: { parameters: ["pointer"], result: "i32" },
  /** void bpf_object__close(struct bpf_object *obj) */
  bpf_object__close: { parameters: ["pointer"], result: "void" },
  /** struct bpf_program *bpf_object__next_program(const struct bpf_object *obj, struct bpf_program *prog) */
  bpf_object__next_program: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** struct bpf_map *bpf_object__next_map(const struct bpf_object *obj, const struct bpf_map *map) */
  bpf_object__next_map: { parameters: ["pointer", "pointer"], result: "pointer" },

  /** const char *bpf_program__name(const struct bpf_program *prog) */
  bpf_program__name: { parameters: ["pointer"], result: "pointer" },
  /** const char *bpf_program__section_name(const struct bpf_program *prog) */
  bpf_program__section_name: { parameters: ["pointer"], result: "pointer" },
  /** int bpf_program__fd(const struct bpf_program *prog) */
  bpf_program__fd: { parameters: ["pointer"], result: "i32" },
  /** bool bpf_program__autoload(const struct bpf_program *prog) */
  bpf_program__autoload: { parameters: ["pointer"], result: "bool" },
  /** int bpf_program__set_autoload(struct bpf_program *prog, bool autoload) */
  bpf_program__set_autoload: { parameters: ["pointer", "bool"], result: "i32" },
  /** enum bpf_prog_type bpf_program__type(const struct bpf_program *prog) */
  bpf_program__type: { parameters: ["pointer"], result: "i32" },
  /** int bpf_program__set_type(struct bpf_program *prog, enum bpf_prog_type type) */
  bpf_program__set_type: { parameters: ["pointer", "i32"], result: "i32" },
  /** int bpf_program__set_expected_attach_type(struct bpf_program *prog, enum bpf_attach_type type) */
  bpf_program__set_expected_attach_type: { parameters: ["pointer", "i32"], result: "i32" },
  /** void bpf_program__set_autoattach(struct bpf_program *prog, bool autoattach) (libbpf 1.0) */
  bpf_program__set_autoattach: { parameters: ["pointer", "bool"], result: "void" },
  /** struct bpf_link *bpf_program__attach(const struct bpf_program *prog) */
  bpf_program__attach: { parameters: ["pointer"], result: "pointer" },
  /** struct bpf_link *bpf_program__attach_perf_event(const struct bpf_program *prog, int pfd) */
  bpf_program__attach_perf_event: { parameters: ["pointer", "i32"], result: "pointer" },
  /** struct bpf_link *bpf_program__attach_xdp(const struct bpf_program *prog, int ifindex) */
  bpf_program__attach_xdp: { parameters: ["pointer", "i32"], result: "pointer" },
  /** struct bpf_link *bpf_program__attach_uprobe_opts(const struct bpf_program *prog, pid_t pid, const char *binary_path, size_t func_offset, const struct bpf_uprobe_opts *opts) */
  bpf_program__attach_uprobe_opts: {
    parameters: ["pointer", "i32", "buffer", "usize", "buffer"],
    result: "pointer",
  },
  /** int bpf_link__destroy(struct bpf_link *link) */
  bpf_link__destroy: { parameters: ["pointer"], result: "i32" },

  /** const char *bpf_map__name(const struct bpf_map *map) */
  bpf_map__name: { parameters: ["pointer"], result: "pointer" },
  /** enum bpf_map_type bpf_map__type(const struct bpf_map *map) */
  bpf_map__type: { parameters: ["pointer"], result: "i32" },
  /** __u32 bpf_map__key_size(const struct bpf_map *map) */
  bpf_map__key_size: { parameters: ["pointer"], result: "u32" },
  /** __u32 bpf_map__value_size(const struct bpf_map *map) */
  bpf_map__value_size: { parameters: ["pointer"], result: "u32" },
  /** __u32 bpf_map__max_entries(const struct bpf_map *map) */
  bpf_map__max_entries: { parameters: ["pointer"], result: "u32" },
  /** int bpf_map__fd(const struct bpf_map *map) */
  bpf_map__fd: { parameters: ["pointer"], result: "i32" },
  /** const void *bpf_map__initial_value(struct bpf_map *map, size_t *psize) */
  bpf_map__initial_value: { parameters: ["pointer", "buffer"], result: "pointer" },
  /** int bpf_map__set_initial_value(struct bpf_map *map, const void *data, size_t size) */
  bpf_map__set_initial_value: { parameters: ["pointer", "buffer", "usize"], result: "i32" },

  /** int bpf_map_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values, __u32 *count, const struct bpf_map_batch_opts *opts) */
  bpf_map_lookup_batch: {
    parameters: ["i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  /** int bpf_map_get_next_key(int fd, const void *key, void *next_key) */
  bpf_map_get_next_key: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  /** int bpf_map_update_elem(int fd, const void *key, const void *value, __u64 flags) */
  bpf_map_update_elem: { parameters: ["i32", "buffer", "buffer", "u64"], result: "i32" },
  /** int bpf_map_delete_elem(int fd, const void *key) */
  bpf_map_delete_elem: { parameters: ["i32", "buffer"], result: "i32" },
  /** int bpf_map_lookup_elem(int fd, const void *key, void *value) */
  bpf_map_lookup_elem: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  /** int bpf_obj_get_info_by_fd(int bpf_fd, void *info, __u32 *info_len) */
  bpf_obj_get_info_by_fd: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The libbpf symbols. */
export type LibbpfSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

let opened: { library: Deno.DynamicLibrary<typeof symbols>; path: string } | undefined;

/** The libbpf binding, opened on first use. */
export function libbpf(): LibbpfSymbols {
  opened ??= openLibrary("libbpf", symbols);
  return opened.library.symbols;
}

/** Full path libbpf was opened from (after first use). */
export function libbpfPath(): string | undefined {
  return opened?.path;
}

/** A failed libbpf or bpf(2) call: the operation, errno and libbpf's description. */
export class BpfError extends Error {
  /** Builds `<op>: <description> (errno N)`, with optional detail lines from libbpf's log. */
  constructor(readonly op: string, readonly errno: number, readonly detail = "") {
    super(`${op}: ${describeErrno(errno)} (errno ${errno})${detail ? `\n${detail}` : ""}`);
    this.name = "BpfError";
  }
}

/** libbpf's text for an errno (it knows libbpf-specific codes such as LIBBPF_ERRNO__VERIFY). */
export function describeErrno(code: number): string {
  if (code >= 4000) {
    const buf = new Uint8Array(256);
    if (libbpf().libbpf_strerror(code, buf, BigInt(buf.length)) === 0) {
      return bufferCString(buf);
    }
  }
  return strerror(code);
}

/** Throws a {@link BpfError} when a libbpf int result is negative (`-errno`); returns it otherwise. */
export function check(op: string, result: number): number {
  if (result < 0) throw new BpfError(op, -result);
  return result;
}

/** Throws a {@link BpfError} with the current errno when a pointer result is NULL. */
export function checkPointer(op: string, p: Deno.PointerValue): Deno.PointerObject {
  if (p === null) throw new BpfError(op, errno() || EINVAL);
  return p;
}
