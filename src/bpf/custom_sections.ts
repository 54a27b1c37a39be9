/**
 * The program sections the exporter attaches itself instead of leaving them to libbpf's
 * auto-attach (libbpf 1.1 does not know the first two, and would resolve the third against the
 * deno binary):
 *
 * - `perf_event/type=N,config=N,frequency=HZ` (or `sample_period=N`): a perf event on every
 *   online CPU, the program attached to each;
 * - `xdp/IFNAME`: XDP on that network interface;
 * - `uprobe//proc/self/exe:post_attach_mark` (also `uretprobe`, `.s`, or the mark library's own
 *   path): a uprobe on the exporter's post_attach_mark function.
 *
 * Pure functions: parsing and the perf_event_attr layout. The attaching is in `object.ts`.
 * @module
 */

import { POST_ATTACH_MARK } from "../../ffi/mark.ts";

/** `BPF_PROG_TYPE_UNSPEC`: libbpf did not recognise the section name. */
export const BPF_PROG_TYPE_UNSPEC = 0;
/** `BPF_PROG_TYPE_XDP`. */
export const BPF_PROG_TYPE_XDP = 6;
/** `BPF_PROG_TYPE_PERF_EVENT`. */
export const BPF_PROG_TYPE_PERF_EVENT = 7;
/** `BPF_XDP` (enum bpf_attach_type). */
export const BPF_XDP = 37;

/** A perf event to sample on. */
export interface PerfEventSpec {
  /** `perf_event_attr.type` (0 hardware, 1 software, 2 tracepoint, 3 hw cache, 4 raw, ...). */
  readonly type: number;
  /** `perf_event_attr.config`. */
  readonly config: bigint;
  /** Sampling frequency in Hz (`freq = 1`), or... */
  readonly frequency?: bigint;
  /** ...a fixed period: one sample every N events. */
  readonly samplePeriod?: bigint;
}

/** How the exporter attaches a program itself. */
export type CustomAttach =
  | { readonly kind: "perf_event"; readonly spec?: PerfEventSpec; readonly error?: string }
  | { readonly kind: "xdp"; readonly interface: string }
  | { readonly kind: "post_attach_mark"; readonly retprobe: boolean };

const PERF_EVENT_SECTION = /^perf_event\/(.*)$/;
const XDP_SECTION = /^xdp\/(.+)$/;
const UPROBE_SECTION = /^(uprobe|uretprobe)(\.s)?\/(.+):([A-Za-z0-9_.]+)$/;
/** The Linux limit on interface names (IFNAMSIZ - 1). */
const MAX_IFNAME = 15;

/**
 * Which custom attach a program needs, from its section and the type libbpf gave it at open
 * (`xdp/...` sections libbpf knows, like `xdp/devmap`, stay libbpf's). Undefined: libbpf's own.
 */
export function customAttach(
  section: string,
  libbpfType: number,
  markLibrary?: string,
): CustomAttach | undefined {
  const perf = PERF_EVENT_SECTION.exec(section);
  if (perf && (libbpfType === BPF_PROG_TYPE_UNSPEC || libbpfType === BPF_PROG_TYPE_PERF_EVENT)) {
    try {
      return { kind: "perf_event", spec: parsePerfEventSection(perf[1]) };
    } catch (e) {
      return { kind: "perf_event", error: (e as Error).message };
    }
  }
  const xdp = XDP_SECTION.exec(section);
  if (xdp && libbpfType === BPF_PROG_TYPE_UNSPEC) return { kind: "xdp", interface: xdp[1] };
  const uprobe = UPROBE_SECTION.exec(section);
  if (uprobe && uprobe[4] === POST_ATTACH_MARK && isMarkBinary(uprobe[3], markLibrary)) {
    return { kind: "post_attach_mark", retprobe: uprobe[1] === "uretprobe" };
  }
  return undefined;
}

/** Whether `section` is a uprobe on the exporter's post_attach_mark (see {@link customAttach}). */
export function isPostAttachMarkSection(section: string, markLibrary?: string): boolean {
  return customAttach(section, BPF_PROG_TYPE_UNSPEC, markLibrary)?.kind === "post_attach_mark";
}

/** `/proc/self/exe` (upstream's spelling: the exporter itself), or the mark library's path. */
function isMarkBinary(binary: string, markLibrary?: string): boolean {
  return binary === "/proc/self/exe" || binary === markLibrary ||
    binary.endsWith("/libebpf_exporter_mark.so") || binary === "libebpf_exporter_mark.so";
}

/** Whether `name` can be a network interface name. */
export function validInterfaceName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_IFNAME && !/[\s/:]/.test(name) &&
    name !== "." && name !== "..";
}

/**
 * Parses the part after `perf_event/`: comma-separated `key=value` items, keys `type`, `config`,
 * `frequency` (upstream's three) and `sample_period`; values decimal or `0x` hex. One of
 * `frequency` / `sample_period` is required (without either the event never samples).
 */
export function parsePerfEventSection(items: string): PerfEventSpec {
  let type = 0;
  let config = 0n;
  let frequency: bigint | undefined;
  let samplePeriod: bigint | undefined;
  const seen = new Set<string>();
  for (const item of items.split(",")) {
    const eq = item.indexOf("=");
    if (eq < 0) throw new Error(`invalid perf_event item "${item}": expected key=value`);
    const key = item.slice(0, eq);
    const text = item.slice(eq + 1);
    if (seen.has(key)) throw new Error(`perf_event item "${key}" given twice`);
    seen.add(key);
    const value = parseInteger(text);
    if (value === undefined) {
      throw new Error(`perf_event item "${item}": "${text}" is not a non-negative integer`);
    }
    switch (key) {
      case "type":
        if (value > 0xffff_ffffn) throw new Error(`perf_event type ${text} does not fit in u32`);
        type = Number(value);
        break;
      case "config":
        config = value;
        break;
      case "frequency":
        frequency = value;
        break;
      case "sample_period":
        samplePeriod = value;
        break;
      default:
        throw new Error(
          `unknown perf_event item "${item}" (known: type, config, frequency, sample_period)`,
        );
    }
  }
  if (frequency !== undefined && samplePeriod !== undefined) {
    throw new Error("perf_event takes frequency or sample_period, not both");
  }
  if (!frequency && !samplePeriod) {
    throw new Error("perf_event needs frequency=HZ or sample_period=N (greater than 0)");
  }
  return { type, config, frequency, samplePeriod };
}

function parseInteger(text: string): bigint | undefined {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) return undefined;
  const value = BigInt(text);
  return value <= 0xffff_ffff_ffff_ffffn ? value : undefined;
}

/** Size of the `struct perf_event_attr` we pass (`PERF_ATTR_SIZE_VER7`; newer fields stay 0). */
export const PERF_ATTR_SIZE = 128;
/** `perf_event_attr` flag bit: `sample_freq` holds a frequency, not a period. */
const ATTR_FLAG_FREQ = 1n << 10n;

/** A `struct perf_event_attr` (x86_64/aarch64 layout, little-endian host) for `spec`. */
export function perfEventAttr(spec: PerfEventSpec): Uint8Array<ArrayBuffer> {
  const attr = new Uint8Array(new ArrayBuffer(PERF_ATTR_SIZE));
  const view = new DataView(attr.buffer);
  view.setUint32(0, spec.type, true); // type
  view.setUint32(4, PERF_ATTR_SIZE, true); // size
  view.setBigUint64(8, spec.config, true); // config
  view.setBigUint64(16, spec.frequency ?? spec.samplePeriod ?? 0n, true); // sample_freq/period
  view.setBigUint64(40, spec.frequency !== undefined ? ATTR_FLAG_FREQ : 0n, true); // flags
  return attr;
}

/** How a spec reads in messages: `type=1,config=0,frequency=99`. */
export function describePerfEvent(spec: PerfEventSpec): string {
  return `type=${spec.type},config=${spec.config},${
    spec.frequency !== undefined
      ? `frequency=${spec.frequency}`
      : `sample_period=${spec.samplePeriod}`
  }`;
}
