/**
 * The exporter's `post_attach_mark`: an empty exported function in our own tiny shared object
 * (`ffi/mark/libebpf_exporter_mark.so`, built by `make`). Programs put a uprobe on it; the
 * exporter calls it once after every config is attached (upstream has the function in its own
 * binary, which for us would be deno).
 * @module
 */

import { kernelPathExists } from "./libc.ts";
import { type LibraryName, libraryPathsToTry, openLibrary } from "./library_paths.ts";

const MARK: LibraryName = "mark";

/** The function's name, as uprobes name it. */
export const POST_ATTACH_MARK = "post_attach_mark";

const symbols = {
  /** void post_attach_mark(void) */
  post_attach_mark: { parameters: [], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

let opened: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;
/** {@link markLibraryPath}'s answer, looked up once (the library does not come or go at run time). */
let markPath: { path: string | undefined } | undefined;

/** The shared object to attach `post_attach_mark` uprobes to, when it exists. */
export function markLibraryPath(): string | undefined {
  markPath ??= { path: libraryPathsToTry(MARK).find((path) => kernelPathExists(path)) };
  return markPath.path;
}

/** Whether this process may open the mark library (`--allow-ffi` names it). */
export function markLibraryAllowed(): boolean {
  const path = markLibraryPath();
  return path !== undefined &&
    Deno.permissions.querySync({ name: "ffi", path }).state === "granted";
}

/**
 * Calls `post_attach_mark()` once through FFI, so uprobes on it fire (in this process, on the
 * calling thread). Throws when the library cannot be opened.
 */
export function callPostAttachMark(): void {
  opened ??= openLibrary(MARK, symbols).library.symbols;
  opened.post_attach_mark();
}
