/**
 * Turns a bare errno from loading or attaching into the reason a user can act on: the kernel has
 * no kprobes, the function does not exist, the kernel refuses fentry/fexit trampolines.
 * @module
 */

import { EINVAL, ENOENT, EPERM } from "../../ffi/libc.ts";
import type { ProgramState } from "./object.ts";

/** What the diagnosis may look at on the host; the real one asks the kernel, tests pass fakes. */
export interface HostProbe {
  /** Whether a path exists (under /sys, /proc). */
  exists(path: string): boolean;
  /** Whether the kernel has a function symbol of that name. */
  hasKernelFunction(name: string): boolean;
}

const KPROBE_SECTION = /^(kprobe|kretprobe|ksyscall|kretsyscall)\/(.+)$/;
const TRAMPOLINE_SECTION = /^(fentry|fexit|fmod_ret|lsm)(\.s)?\//;
const TRACEPOINT_SECTION = /^(tracepoint|tp)\/([^/]+)\/([^/]+)$/;

/** Where tracefs may be mounted. */
const TRACEFS = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/** Whether the kernel can create kprobes at all (perf kprobe PMU or legacy tracefs events). */
function kernelHasKprobes(host: HostProbe): boolean {
  return host.exists("/sys/bus/event_source/devices/kprobe/type") ||
    TRACEFS.some((root) => host.exists(`${root}/kprobe_events`));
}

/** Why attaching `program` failed with `errno`, when a better reason than the errno is known. */
export function explainAttachFailure(
  program: Pick<ProgramState, "section">,
  errno: number,
  host: HostProbe,
): string | undefined {
  const tracepoint = TRACEPOINT_SECTION.exec(program.section);
  if (tracepoint && errno === ENOENT) {
    if (!TRACEFS.some((root) => host.exists(`${root}/events`))) {
      return "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing), so classic " +
        "tracepoints cannot be found";
    }
    const [, , category, name] = tracepoint;
    if (!TRACEFS.some((root) => host.exists(`${root}/events/${category}/${name}`))) {
      return `the kernel has no tracepoint ${category}/${name}`;
    }
  }
  const kprobe = KPROBE_SECTION.exec(program.section);
  if (kprobe && (errno === ENOENT || errno === EINVAL)) {
    if (!kernelHasKprobes(host)) {
      return "the kernel lacks kprobes (no kprobe PMU in /sys/bus/event_source/devices and no " +
        "kprobe_events in tracefs: CONFIG_KPROBES / CONFIG_KPROBE_EVENTS are off)";
    }
    const target = kprobe[2].split("+")[0];
    if (kprobe[1] === "kprobe" || kprobe[1] === "kretprobe") {
      if (!host.hasKernelFunction(target)) return `the kernel has no function named ${target}`;
    }
  }
  return undefined;
}

/** Why loading an object with these programs failed with `errno`, when a better reason is known. */
export function explainLoadFailure(
  programs: readonly Pick<ProgramState, "name" | "section">[],
  errno: number,
): string | undefined {
  const trampolines = programs.filter((p) => TRAMPOLINE_SECTION.test(p.section));
  if (errno === EPERM && trampolines.length > 0) {
    return `the kernel refuses fentry/fexit/fmod_ret/lsm programs (${
      trampolines.map((p) => `${p.name} in ${p.section}`).join(", ")
    }): BPF trampolines are not permitted here (kernel lockdown, or no BTF trampoline support); ` +
      "use tp_btf, raw_tp or tracepoint programs instead";
  }
  return undefined;
}
