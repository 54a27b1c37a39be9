/**
 * Facts about the machine the kernel tests run on (they run with --allow-all, so sysfs and procfs
 * are read directly).
 * @module
 */

import { parseCgroupMounts } from "../../src/kernel/cgroups.ts";

/** Online CPUs from sysfs (the tests run with --allow-all). */
export function onlineCpus(): number[] {
  return cpuList("online");
}

/** Possible CPUs: per-CPU maps hold one value for each of them. */
export function possibleCpus(): number[] {
  return cpuList("possible");
}

function cpuList(which: string): number[] {
  const out: number[] = [];
  for (const part of Deno.readTextFileSync(`/sys/devices/system/cpu/${which}`).trim().split(",")) {
    const [first, last = first] = part.split("-").map(Number);
    for (let cpu = first; cpu <= last; cpu++) out.push(cpu);
  }
  return out;
}

/** Where cgroup2 is mounted: /sys/fs/cgroup (pure v2) or /sys/fs/cgroup/unified (hybrid). */
export function cgroup2Root(): string {
  const [first] = parseCgroupMounts(Deno.readTextFileSync("/proc/self/mountinfo"));
  if (first?.version !== 2) throw new Error("no cgroup2 mount");
  return first.path;
}

/** The whole-disk name (e.g. `vda`) behind the filesystem holding `path`. */
export function diskOf(path: string): string {
  const dev = Deno.statSync(path).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((Math.floor(dev / 4096)) & 0xfff00);
  const sys = Deno.realPathSync(`/sys/dev/block/${major}:${minor}`);
  let partition = false;
  try {
    Deno.statSync(`${sys}/partition`);
    partition = true;
  } catch {
    // a whole disk
  }
  const parts = sys.split("/");
  return partition ? parts.at(-2)! : parts.at(-1)!;
}
