/**
 * libc's network-interface lookups: index to name for the `ifname` decoder, name to index for
 * `xdp/IFNAME` programs.
 *
 * A separate binding from `libc.ts`: it opens the same libc by the same full path (a second
 * `dlopen` of a path returns the same handle, so `errno()` from `libc.ts` sees this binding's
 * errors).
 * @module
 */

import { bufferCString, cString, ENODEV, ENXIO, errno, libc, strerror } from "./libc.ts";
import { openLibrary } from "./library_paths.ts";

const symbols = {
  /** char *if_indextoname(unsigned int ifindex, char *ifname) */
  if_indextoname: { parameters: ["u32", "buffer"], result: "pointer" },
  /** unsigned int if_nametoindex(const char *ifname) */
  if_nametoindex: { parameters: ["buffer"], result: "u32" },
} as const satisfies Deno.ForeignLibraryInterface;

let opened: { library: Deno.DynamicLibrary<typeof symbols>; path: string } | undefined;

/** The binding, opened on first use. */
function libcNet(): Deno.DynamicLibrary<typeof symbols>["symbols"] {
  if (opened === undefined) {
    // Open libc.ts's binding too, so reading errno after a failure does not dlopen (and so
    // possibly clobber errno) in between.
    libc();
    opened = openLibrary("libc", symbols);
  }
  return opened.library.symbols;
}

/** Size of the buffer `if_indextoname` writes to, NUL included (`<net/if.h>`). */
export const IF_NAMESIZE = 16;

/** A failure of `if_indextoname` other than "no such interface" (e.g. no socket could be made). */
export class InterfaceLookupError extends Error {
  /** Builds `if_indextoname(<index>): <strerror> (errno N)`. */
  constructor(readonly index: number, readonly errno: number) {
    super(`if_indextoname(${index}): ${strerror(errno)} (errno ${errno})`);
    this.name = "InterfaceLookupError";
  }
}

/**
 * The name of the network interface with index `index` in this network namespace (e.g. `lo` for
 * 1), or undefined when there is none. Other failures throw {@link InterfaceLookupError}.
 */
export function ifIndexToName(index: number): string | undefined {
  if (!Number.isInteger(index) || index <= 0 || index > 0xffff_ffff) return undefined;
  const buffer = new Uint8Array(IF_NAMESIZE);
  if (libcNet().if_indextoname(index, buffer) === null) {
    const code = errno();
    // ENXIO: no interface has that index; some libcs say ENODEV instead.
    if (code === ENXIO || code === ENODEV) return undefined;
    throw new InterfaceLookupError(index, code);
  }
  return bufferCString(buffer);
}

/** The index of the network interface `name` in this network namespace, or 0 when none exists. */
export function ifNameToIndex(name: string): number {
  return libcNet().if_nametoindex(cString(name));
}
