/**
 * `pci_vendor`, `pci_device`, `pci_class`, `pci_subclass`: decimal PCI ids -> names from the
 * pci.ids database (compat.md §4).
 *
 * The input is decimal text, normally the output of a previous `uint` step. Ids packed into one
 * number: `pci_device` takes `vendor << 16 | device`, `pci_subclass` takes `class << 8 | subclass`.
 * Without a database every step prints `missing pci.ids db`, whatever the input (as upstream).
 * @module
 */

import type { PciIds } from "../kernel/pci_ids.ts";
import { DecodeError, type DecoderEnv, type DecoderFactory, inputText } from "./decoder.ts";

/** What every pci decoder prints when the pci.ids database is missing. */
export const MISSING_PCI_IDS = "missing pci.ids db";

/** Lowercase hex of `value`, zero-padded to at least `width` digits. */
function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}

/** Parses the decimal input; anything else throws {@link DecodeError}. */
function decimal(decoder: string, input: string): number {
  if (!/^[0-9]{1,15}$/.test(input)) {
    throw new DecodeError(`${decoder}: want a decimal id, got ${JSON.stringify(input)}`);
  }
  return Number(input);
}

/** Builds a pci factory from its lookup of the parsed id in the database. */
function pciDecoder(
  decoder: string,
  lookup: (db: PciIds, id: number) => string,
): DecoderFactory {
  return (_config, env: DecoderEnv) => (input) => {
    const db = env.pciIds();
    if (db === undefined) return MISSING_PCI_IDS;
    return lookup(db, decimal(decoder, inputText(input)));
  };
}

/** Factory of `pci_vendor`: vendor id -> name, else `unknown pci vendor: 0x<4 hex>`. */
export const pciVendorDecoder: DecoderFactory = pciDecoder(
  "pci_vendor",
  (db, id) => db.vendor(id) ?? `unknown pci vendor: 0x${hex(id, 4)}`,
);

/**
 * Factory of `pci_device`: `vendor << 16 | device` -> device name, else
 * `unknown pci device: 0x<8 hex>`.
 */
export const pciDeviceDecoder: DecoderFactory = pciDecoder(
  "pci_device",
  (db, id) =>
    db.device(Math.floor(id / 0x1_0000), id % 0x1_0000) ??
      `unknown pci device: 0x${hex(id, 8)}`,
);

/** Factory of `pci_class`: class id -> name, else `unknown pci class: 0x<2 hex>`. */
export const pciClassDecoder: DecoderFactory = pciDecoder(
  "pci_class",
  (db, id) => db.deviceClass(id) ?? `unknown pci class: 0x${hex(id, 2)}`,
);

/**
 * Factory of `pci_subclass`: `class << 8 | subclass` -> subclass name. As upstream: an unknown
 * class gives `unknown pci class: 0x<2 hex>`, an unknown subclass of a known class gives
 * `unknown pci subclass: 0x<2 hex> (class 0x<2 hex>)`.
 */
export const pciSubclassDecoder: DecoderFactory = pciDecoder(
  "pci_subclass",
  (db, id) => {
    const classId = Math.floor(id / 0x100);
    const subclass = id % 0x100;
    if (db.deviceClass(classId) === undefined) return `unknown pci class: 0x${hex(classId, 2)}`;
    return db.subclass(classId, subclass) ??
      `unknown pci subclass: 0x${hex(subclass, 2)} (class 0x${hex(classId, 2)})`;
  },
);
