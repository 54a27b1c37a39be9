/**
 * Where the native libraries live, as full paths.
 *
 * A scoped `--allow-ffi=PATH,...` only matches a `dlopen` by that exact path, so every library is
 * opened by a full path from this list (or from an environment override, when `--allow-env`
 * grants it). `tools/ffi_paths.ts` prints the resolved paths for the Makefile's permission set.
 * @module
 */

/** The native libraries the exporter binds (`mark`: our own post_attach_mark object, ffi/mark/). */
export type LibraryName = "libbpf" | "libc" | "mark";

/** Where `make` builds `ffi/mark/libebpf_exporter_mark.so` (next to this file). */
export const MARK_LIBRARY_PATH = decodeURIComponent(
  new URL("./mark/libebpf_exporter_mark.so", import.meta.url).pathname,
);

/** Candidate full paths per library, most common first (Debian/Ubuntu, Fedora/RHEL, Arch/Alpine). */
export const LIBRARY_CANDIDATES: Readonly<Record<LibraryName, readonly string[]>> = {
  libbpf: [
    "/usr/lib/x86_64-linux-gnu/libbpf.so.1",
    "/usr/lib/aarch64-linux-gnu/libbpf.so.1",
    "/usr/lib64/libbpf.so.1",
    "/usr/lib/libbpf.so.1",
    "/usr/local/lib/libbpf.so.1",
  ],
  libc: [
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/usr/lib/aarch64-linux-gnu/libc.so.6",
    "/usr/lib64/libc.so.6",
    "/lib64/libc.so.6",
    "/usr/lib/libc.so.6",
  ],
  mark: [MARK_LIBRARY_PATH],
};

/** Environment variable that overrides a library's path, e.g. `EBPF_EXPORTER_LIBBPF=/opt/libbpf.so.1`. */
export function overrideVariable(lib: LibraryName): string {
  return `EBPF_EXPORTER_${lib.toUpperCase()}`;
}

/** The override for `lib` if the variable is set and readable under the current permissions. */
export function libraryOverride(lib: LibraryName): string | undefined {
  const variable = overrideVariable(lib);
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return undefined;
  return Deno.env.get(variable) || undefined;
}

/** Paths to try for `lib`: the override alone when set, else the candidates. */
export function libraryPathsToTry(lib: LibraryName): readonly string[] {
  const override = libraryOverride(lib);
  return override ? [override] : LIBRARY_CANDIDATES[lib];
}

/**
 * The full path `lib` resolves to without opening it: the override when `override` is set and the
 * variable is (the path as given), else the first candidate that is a file; undefined when none is.
 */
export function resolveLibraryPath(
  lib: LibraryName,
  { override = false } = {},
): string | undefined {
  const overridden = override ? libraryOverride(lib) : undefined;
  if (overridden) return overridden;
  return LIBRARY_CANDIDATES[lib].find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false; // try the next candidate
    }
  });
}

/** Raised when no candidate path of a library could be opened; names every path tried and why. */
export class LibraryNotFoundError extends Error {
  /** Builds the message from the attempts made. */
  constructor(readonly library: LibraryName, readonly attempts: readonly [string, string][]) {
    super(
      `cannot load ${library}: tried ${
        attempts.map(([p, why]) => `${p} (${why})`).join(", ")
      }; install it (make deps) or set ${overrideVariable(library)} to its full path`,
    );
    this.name = "LibraryNotFoundError";
  }
}

/** Opens `lib` with `symbols` from the first path that works. */
export function openLibrary<S extends Deno.ForeignLibraryInterface>(
  lib: LibraryName,
  symbols: S,
): { library: Deno.DynamicLibrary<S>; path: string } {
  const attempts: [string, string][] = [];
  for (const path of libraryPathsToTry(lib)) {
    try {
      return { library: Deno.dlopen(path, symbols), path };
    } catch (e) {
      const why = e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
        ? "not allowed by --allow-ffi"
        : (e as Error).message.split("\n")[0];
      attempts.push([path, why]);
    }
  }
  throw new LibraryNotFoundError(lib, attempts);
}
