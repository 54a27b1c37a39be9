/**
 * `--capabilities.keep`: after every program is attached, reduce the process's permitted and
 * effective capabilities, on every thread, to a named list (`all` keeps them, `none` drops all).
 * @module
 */

import { setCapabilitiesOnAllThreads } from "../../ffi/capabilities.ts";
import { readKernelTextFile } from "../../ffi/libc.ts";

/** Capability numbers by name (linux/capability.h), without the `cap_` prefix. */
const CAPABILITY_NUMBERS: ReadonlyMap<string, number> = new Map(
  [
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
  ].map((name, i) => [name, i]),
);

/** What `--capabilities.keep` asks for: keep everything, or exactly this set (a bit mask). */
export type CapabilityPlan = { readonly keepAll: true } | {
  readonly keepAll: false;
  readonly set: bigint;
};

/**
 * Parses `all`, `none`, or a comma-separated list like `cap_syslog,cap_bpf` (case-insensitive,
 * `cap_` optional). Throws an Error naming an unknown capability.
 */
export function parseCapabilities(text: string): CapabilityPlan {
  const value = text.trim().toLowerCase();
  if (value === "all") return { keepAll: true };
  if (value === "none" || value === "") return { keepAll: false, set: 0n };
  let set = 0n;
  for (const raw of value.split(",")) {
    const name = raw.trim().replace(/^cap_/, "");
    const bit = CAPABILITY_NUMBERS.get(name);
    if (bit === undefined) {
      throw new Error(
        `--capabilities.keep: unknown capability ${
          JSON.stringify(raw.trim())
        } (expected all, none, or names like cap_bpf,cap_syslog)`,
      );
    }
    set |= 1n << BigInt(bit);
  }
  return { keepAll: false, set };
}

/** Names of the capabilities in a set, e.g. `cap_bpf,cap_syslog`. */
export function capabilityNames(set: bigint): string {
  const names = [...CAPABILITY_NUMBERS].filter(([, bit]) => (set >> BigInt(bit)) & 1n)
    .map(([name]) => `cap_${name}`);
  return names.length > 0 ? names.join(",") : "none";
}

/** The calling thread's permitted set (`CapPrm` of /proc/thread-self/status). */
function permittedCapabilities(): bigint {
  const status = readKernelTextFile("/proc/thread-self/status");
  const match = /^CapPrm:\s*([0-9a-f]+)$/m.exec(status);
  if (!match) throw new Error("no CapPrm line in /proc/thread-self/status");
  return BigInt(`0x${match[1]}`);
}

/**
 * Applies the plan: keeps only the named capabilities that the process has now, on every thread.
 * Returns the set kept (undefined for `all`).
 */
export function applyCapabilityPlan(plan: CapabilityPlan): bigint | undefined {
  if (plan.keepAll) return undefined;
  const kept = plan.set & permittedCapabilities();
  setCapabilitiesOnAllThreads(kept);
  return kept;
}
