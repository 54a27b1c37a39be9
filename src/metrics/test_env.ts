/**
 * Test helpers: a {@link DecoderEnv} with fixed host tables and compact config builders.
 * @module
 */

import type {
  CounterConfig,
  DecoderConfig,
  HistogramConfig,
  LabelConfig,
} from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { parsePciIds } from "../kernel/pci_ids.ts";

/** A few pci.ids entries: Intel and Red Hat devices, the network and display classes. */
const TEST_PCI_IDS = parsePciIds(
  [
    "8086  Intel Corporation",
    "\t100e  82540EM Gigabit Ethernet Controller",
    "1af4  Red Hat, Inc.",
    "\t1000  Virtio network device",
    "C 02  Network controller",
    "\t00  Ethernet controller",
    "C 03  Display controller",
    "\t00  VGA compatible controller",
  ].join("\n"),
);

/** Two cgroups: the root (1) and `ssh.service` (4242). */
const TEST_CGROUPS: ReadonlyMap<bigint, string> = new Map([
  [1n, "/sys/fs/cgroup"],
  [4242n, "/sys/fs/cgroup/system.slice/ssh.service"],
]);

/**
 * Host lookups with a fixed symbol table, one disk (`vda` = 254:0), two interfaces (1 `lo`,
 * 2 `eth0`), a small pci.ids and two cgroups.
 */
export const TEST_ENV: DecoderEnv = {
  symbols: {
    exact: (addr) => addr === 0xffffffff81000000n ? "do_sys_open" : undefined,
    nearest: (addr) => addr >= 0xffffffff81000000n ? "do_sys_open" : undefined,
  },
  devices: { name: (major, minor) => major === 254 && minor === 0 ? "vda" : undefined },
  interfaces: { name: (index) => index === 1 ? "lo" : index === 2 ? "eth0" : undefined },
  pciIds: () => TEST_PCI_IDS,
  cgroups: { path: (id) => TEST_CGROUPS.get(id) },
};

/**
 * Host lookups that know nothing (no symbols, devices, interfaces, pci.ids or cgroups), with
 * `overrides` in their place.
 */
export function emptyEnv(overrides: Partial<DecoderEnv> = {}): DecoderEnv {
  return {
    symbols: { exact: () => undefined, nearest: () => undefined },
    devices: { name: () => undefined },
    interfaces: { name: () => undefined },
    pciIds: () => undefined,
    ...overrides,
  };
}

/** A label of `size` bytes decoded by the named decoders. */
export function label(
  name: string,
  size: number,
  decoders: (string | DecoderConfig)[] = ["uint"],
  padding = 0,
): LabelConfig {
  return {
    name,
    size,
    padding,
    decoders: decoders.map((d) => typeof d === "string" ? { name: d } : d),
  };
}

/** A counter `events_total` ("Events") over `labels`, read from a map. */
export function counter(labels: LabelConfig[]): CounterConfig {
  return {
    name: "events_total",
    help: "Events",
    perfEventArray: false,
    flushIntervalMs: 0,
    labels,
  };
}

/** A histogram config with defaults for everything not given. */
export function histogram(over: Partial<HistogramConfig>): HistogramConfig {
  return {
    name: "latency_seconds",
    help: "Latency",
    bucketType: "exp2",
    bucketMin: 0,
    bucketMax: 3,
    bucketMultiplier: 1,
    bucketKeys: [],
    labels: [label("bucket", 4)],
    ...over,
  };
}

/** Cache bounds large enough for any test. */
export const LIMITS = { decoded: 1000, skipped: 1000 } as const;

const utf8 = new TextEncoder();

/** Go's string order, computed the slow obvious way: compare the UTF-8 bytes. */
export function utf8Order(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
