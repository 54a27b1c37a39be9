import assert from "#assert";
import { lazyPciIds, parsePciIds, PCI_IDS_PATH, type PciIds } from "./pci_ids.ts";

const FIXTURE = new URL("../../tests/fixtures/pci.ids.sample", import.meta.url);
const db: PciIds = parsePciIds(Deno.readTextFileSync(FIXTURE));

Deno.test("pci.ids: table sizes of the fixture", () => {
  assert.deepEqual(db.sizes, { vendors: 6, devices: 10, classes: 8, subclasses: 12 });
});

Deno.test("pci.ids: vendors", () => {
  const cases: [number, string | undefined][] = [
    [0x0001, "SafeNet (wrong ID)"],
    [0x0010, "Allied Telesis, Inc (Wrong ID)"],
    [0x10de, "NVIDIA Corporation"],
    [0x1af4, "Red Hat, Inc."],
    [0x8086, "Intel Corporation"], // the later duplicate line does not replace it
    [0xffff, "Illegal Vendor ID"],
    [0x1234, undefined],
    [0x0000, undefined],
  ];
  for (const [id, want] of cases) assert.equal(db.vendor(id), want, id.toString(16));
});

Deno.test("pci.ids: devices, after comments, not subsystems", () => {
  const cases: [number, number, string | undefined][] = [
    [0x0010, 0x8139, "AT-2500TX V3 Ethernet"], // after a comment line
    [0x10de, 0x2704, "AD103 [GeForce RTX 4080]"],
    [0x1af4, 0x1000, "Virtio network device"],
    [0x1af4, 0x1001, "Virtio block device"],
    [0x1af4, 0x1110, "Inter-VM shared memory"],
    [0x8086, 0x100e, "82540EM Gigabit Ethernet Controller"],
    [0x8086, 0x1237, "440FX - 82441FX PMC [Natoma]"],
    [0x8086, 0x7000, "82371SB PIIX3 ISA [Natoma/Triton II]"],
    [0x01de, 0xfffb, undefined], // a subsystem line, not a device
    [0x1af4, 0x01de, undefined],
    [0x1014, 0x0265, undefined],
    [0x1af4, 0x1100, undefined],
    [0x0001, 0x8139, undefined], // devices belong to their own vendor
    [0x8086, 0x8139, undefined],
  ];
  for (const [vendor, device, want] of cases) {
    assert.equal(db.device(vendor, device), want, `${vendor.toString(16)}:${device.toString(16)}`);
  }
});

Deno.test("pci.ids: classes and subclasses, not prog-ifs", () => {
  const classes: [number, string | undefined][] = [
    [0x00, "Unclassified device"],
    [0x01, "Mass storage controller"],
    [0x02, "Network controller"],
    [0x03, "Display controller"],
    [0x0c, "Serial bus controller"],
    [0x13, "Non-Essential Instrumentation"],
    [0xff, "Unassigned class"],
    [0x40, "Coprocessor"], // CRLF line ending
    [0x04, undefined],
    [0x99, undefined], // an `X 99` line is not a class
  ];
  for (const [id, want] of classes) assert.equal(db.deviceClass(id), want, id.toString(16));

  const subclasses: [number, number, string | undefined][] = [
    [0x00, 0x05, "Image coprocessor"],
    [0x01, 0x01, "IDE interface"],
    [0x01, 0x08, "Non-Volatile memory controller"],
    [0x02, 0x00, "Ethernet controller"],
    [0x02, 0x80, "Network controller"],
    [0x03, 0x02, "3D controller"],
    [0x0c, 0x03, "USB controller"],
    [0x40, 0x00, "CRLF subclass"], // trailing spaces and CR trimmed
    [0x01, 0x8f, undefined], // a prog-if line, not a subclass
    [0x01, 0x02, undefined],
    [0x0c, 0x30, undefined],
    [0x99, 0x42, undefined], // under an unknown section
    [0x13, 0x42, undefined],
    [0x02, 0x42, undefined],
  ];
  for (const [classId, sub, want] of subclasses) {
    assert.equal(db.subclass(classId, sub), want, `${classId.toString(16)}:${sub.toString(16)}`);
  }
});

Deno.test("pci.ids: a device line before any vendor, or empty text, adds nothing", () => {
  assert.deepEqual(parsePciIds("").sizes, { vendors: 0, devices: 0, classes: 0, subclasses: 0 });
  const orphan = parsePciIds("\t1000  Orphan device\n\t00  Orphan subclass\n");
  assert.deepEqual(orphan.sizes, { vendors: 0, devices: 0, classes: 0, subclasses: 0 });
});

Deno.test("pci.ids: the lazy loader reads once, on first use", () => {
  let reads = 0;
  const load = lazyPciIds({
    read: () => {
      reads++;
      return "8086  Intel Corporation\n";
    },
  });
  assert.equal(reads, 0);
  const first = load();
  assert.equal(first?.vendor(0x8086), "Intel Corporation");
  assert.equal(load(), first);
  assert.equal(reads, 1);
});

Deno.test("pci.ids: a failed read means missing, reported once, never retried", () => {
  let reads = 0;
  const errors: unknown[] = [];
  const load = lazyPciIds({
    read: () => {
      reads++;
      throw new Error(`open ${PCI_IDS_PATH}: No such file or directory (errno 2)`);
    },
    onError: (e) => errors.push(e),
  });
  assert.equal(load(), undefined);
  assert.equal(load(), undefined);
  assert.equal(reads, 1);
  assert.equal(errors.length, 1);
});

Deno.test({
  name: "pci.ids: the installed database parses",
  ignore: (() => {
    try {
      return !Deno.statSync(PCI_IDS_PATH).isFile;
    } catch {
      return true;
    }
  })(),
  fn: () => {
    const real = parsePciIds(Deno.readTextFileSync(PCI_IDS_PATH));
    assert.ok(real.sizes.vendors > 1000 && real.sizes.devices > 10000);
    assert.equal(real.vendor(0x8086), "Intel Corporation");
    assert.equal(real.device(0x1af4, 0x1000), "Virtio network device");
    assert.equal(real.deviceClass(0x02), "Network controller");
    assert.equal(real.subclass(0x01, 0x08), "Non-Volatile memory controller");
  },
});
