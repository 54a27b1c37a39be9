/**
 * The CPUs of the running kernel: the online ones (a perf event is opened on each) from sysfs.
 * @module
 */

import { readKernelTextFile } from "../../ffi/libc.ts";

/** Where the kernel lists its online CPUs. */
export const ONLINE_CPUS_PATH = "/sys/devices/system/cpu/online";

/** Parses a kernel CPU list (`/sys/devices/system/cpu/online`): `0-3,5,7-8` -> [0,1,2,3,5,7,8]. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid CPU list "${text.trim()}"`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw new Error(`invalid CPU range "${part}"`);
    for (let cpu = first; cpu <= last; cpu++) out.push(cpu);
  }
  return out;
}

/**
 * The online CPUs, read through libc (Deno refuses `/sys` without `--allow-all`). Throws when
 * the file cannot be read or parsed.
 */
export function onlineCpus(): number[] {
  return parseCpuList(readKernelTextFile(ONLINE_CPUS_PATH));
}
