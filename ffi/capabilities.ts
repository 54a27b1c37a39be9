/**
 * Capability sets applied to every thread of the process, through our own shared object
 * (`ffi/mark/capabilities.c`: capset(2) is per-thread, so each thread has to call it itself).
 * @module
 */

import { openLibrary } from "./library_paths.ts";

const symbols = {
  /** int ebpf_exporter_set_caps_all_threads(u32 eff_lo, u32 eff_hi, u32 prm_lo, u32 prm_hi, u32 inh_lo, u32 inh_hi) */
  ebpf_exporter_set_caps_all_threads: {
    parameters: ["u32", "u32", "u32", "u32", "u32", "u32"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

let lib: Deno.DynamicLibrary<typeof symbols>["symbols"] | undefined;

const lo = (set: bigint) => Number(set & 0xffffffffn);
const hi = (set: bigint) => Number((set >> 32n) & 0xffffffffn);

/**
 * Sets effective and permitted capabilities to `set` (and clears inheritable and ambient ones) on
 * every thread. Throws naming how many threads could not be changed.
 */
export function setCapabilitiesOnAllThreads(set: bigint): void {
  lib ??= openLibrary("mark", symbols).library.symbols;
  const failed = lib.ebpf_exporter_set_caps_all_threads(lo(set), hi(set), lo(set), hi(set), 0, 0);
  if (failed < 0) throw new Error(`installing the capability signal handler: errno ${-failed}`);
  if (failed > 0) throw new Error(`${failed} thread(s) kept their capabilities`);
}
