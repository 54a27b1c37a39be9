/**
 * Host lookups captured for a replayable dump: a {@link DecoderEnv} wrapper that records every
 * answer the real one gives, and an env that answers from such a record on another machine.
 * @module
 */

import type { DecoderEnv } from "../decoders/decoder.ts";
import { PciIds } from "../kernel/pci_ids.ts";

/** PCI names looked up, keyed like {@link PciIds}' tables; null when the host had no pci.ids. */
export interface PciTable {
  /** Vendor names by vendor id. */
  vendors: Record<string, string>;
  /** Device names by `vendor * 2^16 + device`. */
  devices: Record<string, string>;
  /** Class names by class id. */
  classes: Record<string, string>;
  /** Subclass names by `class * 2^8 + subclass`. */
  subclasses: Record<string, string>;
}

/** Every host lookup a dump's decoding made, keyed as text (JSON-friendly). */
export interface HostTable {
  /** Exact kernel symbols by address (`0x...`). */
  symbols: Record<string, string>;
  /** Nearest kernel symbols by address (`0x...`), for stacks. */
  nearest: Record<string, string>;
  /** Block device names by `major:minor`. */
  devices: Record<string, string>;
  /** Network interface names by ifindex. */
  interfaces: Record<string, string>;
  /** Cgroup paths by id. */
  cgroups: Record<string, string>;
  /** PCI names; null when the host had no pci.ids database, absent when nothing was asked. */
  pci?: PciTable | null;
}

/** An empty table. */
function emptyHostTable(): HostTable {
  return { symbols: {}, nearest: {}, devices: {}, interfaces: {}, cgroups: {} };
}

const addr = (a: bigint) => `0x${a.toString(16)}`;

function remember<T extends string | undefined>(
  into: Record<string, string>,
  key: string | number,
  value: T,
): T {
  if (value !== undefined) into[String(key)] = value;
  return value;
}

/** A {@link PciIds} that writes every answer of another one into a table. */
class RecordingPciIds extends PciIds {
  constructor(readonly inner: PciIds, readonly table: PciTable) {
    super(new Map(), new Map(), new Map(), new Map());
  }
  override vendor(v: number) {
    return remember(this.table.vendors, v, this.inner.vendor(v));
  }
  override device(v: number, d: number) {
    return remember(this.table.devices, v * 0x1_0000 + d, this.inner.device(v, d));
  }
  override deviceClass(c: number) {
    return remember(this.table.classes, c, this.inner.deviceClass(c));
  }
  override subclass(c: number, s: number) {
    return remember(this.table.subclasses, c * 0x100 + s, this.inner.subclass(c, s));
  }
}

/** Wraps `env` so every answer it gives is also written to `table`. */
export function recordingEnv(env: DecoderEnv): { env: DecoderEnv; table: HostTable } {
  const table = emptyHostTable();
  let pci: RecordingPciIds | undefined;
  return {
    table,
    env: {
      symbols: {
        exact: (a) => remember(table.symbols, addr(a), env.symbols.exact(a)),
        nearest: (a) => remember(table.nearest, addr(a), env.symbols.nearest(a)),
      },
      devices: {
        name: (major, minor) =>
          remember(table.devices, `${major}:${minor}`, env.devices.name(major, minor)),
      },
      interfaces: {
        name: (index) => remember(table.interfaces, index, env.interfaces.name(index)),
      },
      cgroups: env.cgroups && {
        path: (id) => remember(table.cgroups, id.toString(), env.cgroups!.path(id)),
      },
      pciIds: () => {
        if (pci) return pci;
        const db = env.pciIds();
        if (!db) {
          table.pci = null;
          return undefined;
        }
        table.pci = { vendors: {}, devices: {}, classes: {}, subclasses: {} };
        return pci = new RecordingPciIds(db, table.pci);
      },
    },
  };
}

const numericMap = (record: Record<string, string> = {}) =>
  new Map(Object.entries(record).map(([k, v]) => [Number(k), v]));

/** An env answering host lookups from a recorded table only (`--maps.replay`). */
export function replayEnv(table: HostTable): DecoderEnv {
  const pci = table.pci
    ? new PciIds(
      numericMap(table.pci.vendors),
      numericMap(table.pci.devices),
      numericMap(table.pci.classes),
      numericMap(table.pci.subclasses),
    )
    : undefined;
  return {
    symbols: {
      exact: (a) => table.symbols[addr(a)],
      nearest: (a) => table.nearest[addr(a)],
    },
    devices: { name: (major, minor) => table.devices[`${major}:${minor}`] },
    interfaces: { name: (index) => table.interfaces?.[String(index)] },
    cgroups: { path: (id) => table.cgroups?.[id.toString()] },
    pciIds: () => pci,
  };
}
