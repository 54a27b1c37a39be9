/**
 * Facts about the machine the kernel tests run on (they run with --allow-all, so sysfs and procfs
 * are read directly).
 * @module
 */

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
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.startsWith("cgroup2 ")) return left.split(" ")[4];
  }
  throw new Error("no cgroup2 mount");
}
