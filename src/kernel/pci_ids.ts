/**
 * The PCI ID database (`pci.ids`, Debian package `pci.ids`), for the `pci_*` decoders (compat.md §4).
 *
 * The file lists vendors (`vvvv  name`), each followed by its devices (`\tdddd  name`) and their
 * subsystems (`\t\tssss ssss  name`, not needed here), then device classes (`C cc  name`), each
 * followed by its subclasses (`\tss  name`) and their programming interfaces (`\t\tpp  name`, not
 * needed here). Lines starting with `#` are comments. Reading the file is the caller's business
 * (it lies outside the exporter's `--allow-read` grant, so it is read through libc); this module
 * parses, looks up and loads lazily.
 * @module
 */

/** Where Debian, Ubuntu and most distributions install the database. */
export const PCI_IDS_PATH = "/usr/share/misc/pci.ids";

/** Names by numeric id: vendors, devices, classes and subclasses. */
export class PciIds {
  readonly #vendors: ReadonlyMap<number, string>;
  readonly #devices: ReadonlyMap<number, string>;
  readonly #classes: ReadonlyMap<number, string>;
  readonly #subclasses: ReadonlyMap<number, string>;

  /**
   * Wraps the four tables (use {@link parsePciIds} to build them): devices are keyed by
   * `vendor * 2^16 + device`, subclasses by `class * 2^8 + subclass`.
   */
  constructor(
    vendors: ReadonlyMap<number, string>,
    devices: ReadonlyMap<number, string>,
    classes: ReadonlyMap<number, string>,
    subclasses: ReadonlyMap<number, string>,
  ) {
    this.#vendors = vendors;
    this.#devices = devices;
    this.#classes = classes;
    this.#subclasses = subclasses;
  }

  /** Counts of each table, for tests and debugging. */
  get sizes(): { vendors: number; devices: number; classes: number; subclasses: number } {
    return {
      vendors: this.#vendors.size,
      devices: this.#devices.size,
      classes: this.#classes.size,
      subclasses: this.#subclasses.size,
    };
  }

  /** Vendor name, e.g. `Intel Corporation` for 0x8086. */
  vendor(vendor: number): string | undefined {
    return this.#vendors.get(vendor);
  }

  /** Device name of a vendor's device, e.g. `Virtio network device` for 0x1af4:0x1000. */
  device(vendor: number, device: number): string | undefined {
    return this.#devices.get(vendor * 0x1_0000 + device);
  }

  /** Device class name, e.g. `Network controller` for 0x02. */
  deviceClass(classId: number): string | undefined {
    return this.#classes.get(classId);
  }

  /** Subclass name within a class, e.g. `Ethernet controller` for 0x02:0x00. */
  subclass(classId: number, subclass: number): string | undefined {
    return this.#subclasses.get(classId * 0x100 + subclass);
  }
}

const VENDOR_LINE = /^([0-9a-fA-F]{4})[ \t]+(.*)$/;
const DEVICE_LINE = /^\t([0-9a-fA-F]{4})[ \t]+(.*)$/;
const CLASS_LINE = /^C[ \t]+([0-9a-fA-F]{2})[ \t]+(.*)$/;
const SUBCLASS_LINE = /^\t([0-9a-fA-F]{2})[ \t]+(.*)$/;

/** Adds `name` under `key` unless the key is already taken (the first entry wins). */
function addFirst(map: Map<number, string>, key: number, name: string): void {
  if (!map.has(key)) map.set(key, name.trimEnd());
}

/**
 * Parses `pci.ids` text. Subsystem and programming-interface lines (two tabs), comments, blank
 * lines and lines of unknown shape are skipped; an unknown top-level line ends the current vendor
 * or class, so the indented lines after it are skipped too.
 */
export function parsePciIds(text: string): PciIds {
  const vendors = new Map<number, string>();
  const devices = new Map<number, string>();
  const classes = new Map<number, string>();
  const subclasses = new Map<number, string>();
  let vendor = -1;
  let classId = -1;
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#")) continue;
    if (line[0] !== "\t") {
      vendor = -1;
      classId = -1;
      const v = VENDOR_LINE.exec(line);
      if (v !== null) {
        vendor = parseInt(v[1], 16);
        addFirst(vendors, vendor, v[2]);
        continue;
      }
      const c = CLASS_LINE.exec(line);
      if (c !== null) {
        classId = parseInt(c[1], 16);
        addFirst(classes, classId, c[2]);
      }
      continue;
    }
    if (line[1] === "\t") continue;
    if (vendor >= 0) {
      const d = DEVICE_LINE.exec(line);
      if (d !== null) addFirst(devices, vendor * 0x1_0000 + parseInt(d[1], 16), d[2]);
    } else if (classId >= 0) {
      const s = SUBCLASS_LINE.exec(line);
      if (s !== null) addFirst(subclasses, classId * 0x100 + parseInt(s[1], 16), s[2]);
    }
  }
  return new PciIds(vendors, devices, classes, subclasses);
}

/** How {@link lazyPciIds} gets the database. */
export interface PciIdsLoaderOptions {
  /** Returns the text of the database; throws when it cannot be read (e.g. it is missing). */
  readonly read: () => string;
  /** Told once when reading fails (the database then counts as missing). */
  readonly onError?: (error: unknown) => void;
}

/**
 * A memoised loader for `DecoderEnv.pciIds`: the first call reads and parses the database, later
 * calls return the same result. A read failure (missing file, no permission) gives undefined for
 * good, i.e. `missing pci.ids db`, and is reported once.
 */
export function lazyPciIds(options: PciIdsLoaderOptions): () => PciIds | undefined {
  let loaded = false;
  let db: PciIds | undefined;
  return () => {
    if (!loaded) {
      loaded = true;
      try {
        db = parsePciIds(options.read());
      } catch (error) {
        options.onError?.(error);
      }
    }
    return db;
  };
}
