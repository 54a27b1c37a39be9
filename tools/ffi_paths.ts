/**
 * Prints the full paths of the native libraries the exporter opens, comma-separated, for a scoped
 * `--allow-ffi=...`. Uses the same candidate list and overrides as the exporter itself.
 *
 * Run: `deno run --allow-read --allow-env tools/ffi_paths.ts`
 * @module
 */

import { LIBRARY_CANDIDATES, type LibraryName, resolveLibraryPath } from "../ffi/library_paths.ts";

function resolve(lib: LibraryName): string {
  const path = resolveLibraryPath(lib, { override: true });
  if (path) return path;
  console.error(
    `ffi_paths: ${lib} not found in ${LIBRARY_CANDIDATES[lib].join(", ")}${
      lib === "mark" ? " (make ffi/mark/libebpf_exporter_mark.so builds it)" : ""
    }`,
  );
  Deno.exit(1);
}

console.log((["libbpf", "libc", "mark"] as const).map(resolve).join(","));
