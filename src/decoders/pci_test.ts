import assert from "#assert";
import { parsePciIds } from "../kernel/pci_ids.ts";
import { emptyEnv } from "../metrics/test_env.ts";
import { DecodeError, type DecoderEnv, type DecoderFactory } from "./decoder.ts";
import {
  MISSING_PCI_IDS,
  pciClassDecoder,
  pciDeviceDecoder,
  pciSubclassDecoder,
  pciVendorDecoder,
} from "./pci.ts";

const DB = parsePciIds(
  [
    "0010  Allied Telesis, Inc (Wrong ID)",
    "\t8139  AT-2500TX V3 Ethernet",
    "10de  NVIDIA Corporation",
    "\t2704  AD103 [GeForce RTX 4080]",
    "8086  Intel Corporation",
    "\t1000  82542 Gigabit Ethernet Controller (Fiber)",
    "\t100e  82540EM Gigabit Ethernet Controller",
    "\t\t1014 0265  PRO/1000 MT Desktop Adapter",
    "C 00  Unclassified device",
    "\t05  Image coprocessor",
    "C 01  Mass storage controller",
    "\t08  Non-Volatile memory controller",
    "\t\t02  NVM Express",
    "C 02  Network controller",
    "\t00  Ethernet controller",
    "C 0c  Serial bus controller",
    "\t03  USB controller",
  ].join("\n"),
);

let loads = 0;
function env(db: typeof DB | undefined): DecoderEnv {
  return emptyEnv({
    pciIds: () => {
      loads++;
      return db;
    },
  });
}

function table(factory: DecoderFactory, name: string, cases: [string, string][]): void {
  const decode = factory({ name }, env(DB));
  for (const [input, want] of cases) assert.equal(decode(input), want, `${name}(${input})`);
}

Deno.test("pci_vendor: name or unknown pci vendor: 0x<4 hex>", () => {
  table(pciVendorDecoder, "pci_vendor", [
    ["32902", "Intel Corporation"], // 0x8086
    ["4318", "NVIDIA Corporation"], // 0x10de
    ["16", "Allied Telesis, Inc (Wrong ID)"], // 0x0010
    ["48879", "unknown pci vendor: 0xbeef"],
    ["5", "unknown pci vendor: 0x0005"],
    ["0", "unknown pci vendor: 0x0000"],
  ]);
});

Deno.test("pci_device: (vendor << 16 | device) -> name or unknown pci device: 0x<8 hex>", () => {
  table(pciDeviceDecoder, "pci_device", [
    ["2156269568", "82542 Gigabit Ethernet Controller (Fiber)"], // 0x80861000
    ["2156269582", "82540EM Gigabit Ethernet Controller"], // 0x8086100e
    ["282994436", "AD103 [GeForce RTX 4080]"], // 0x10de2704
    ["1081657", "AT-2500TX V3 Ethernet"], // 0x00108139
    ["3735928559", "unknown pci device: 0xdeadbeef"],
    ["2156271888", "unknown pci device: 0x80861910"], // known vendor, unknown device
    ["4660", "unknown pci device: 0x00001234"],
    ["4294967295", "unknown pci device: 0xffffffff"],
  ]);
});

Deno.test("pci_class: name or unknown pci class: 0x<2 hex>", () => {
  table(pciClassDecoder, "pci_class", [
    ["0", "Unclassified device"],
    ["2", "Network controller"],
    ["12", "Serial bus controller"], // 0x0c
    ["3", "unknown pci class: 0x03"],
    ["253", "unknown pci class: 0xfd"],
  ]);
});

Deno.test("pci_subclass: (class << 8 | subclass) -> name, upstream's unknown texts", () => {
  table(pciSubclassDecoder, "pci_subclass", [
    ["5", "Image coprocessor"], // 0x0005
    ["264", "Non-Volatile memory controller"], // 0x0108
    ["512", "Ethernet controller"], // 0x0200
    ["3075", "USB controller"], // 0x0c03
    ["64768", "unknown pci class: 0xfd"], // 0xfd00: the class itself is unknown
    ["267", "unknown pci subclass: 0x0b (class 0x01)"], // 0x010b
    ["3", "unknown pci subclass: 0x03 (class 0x00)"], // 0x0003
  ]);
});

Deno.test("pci: every decoder prints missing pci.ids db without a database", () => {
  const missing = env(undefined);
  for (
    const [factory, name] of [
      [pciVendorDecoder, "pci_vendor"],
      [pciDeviceDecoder, "pci_device"],
      [pciClassDecoder, "pci_class"],
      [pciSubclassDecoder, "pci_subclass"],
    ] as const
  ) {
    const decode = factory({ name }, missing);
    assert.equal(decode("32902"), MISSING_PCI_IDS, name);
    assert.equal(decode("0"), "missing pci.ids db", name);
    // As upstream, the database check comes first: even bad input gives the missing text.
    assert.equal(decode("not a number"), MISSING_PCI_IDS, name);
  }
});

Deno.test("pci: the database is asked for at decode time, not when the step is built", () => {
  loads = 0;
  const decode = pciVendorDecoder({ name: "pci_vendor" }, env(DB));
  assert.equal(loads, 0);
  assert.equal(decode("32902"), "Intel Corporation");
  assert.equal(loads, 1);
});

Deno.test("pci: input that is not decimal text throws", () => {
  for (const factory of [pciVendorDecoder, pciDeviceDecoder, pciClassDecoder, pciSubclassDecoder]) {
    const decode = factory({ name: "pci" }, env(DB));
    for (const bad of ["", "0x10", "-1", "1.5", " 1", "abc", "1234567890123456"]) {
      assert.throws(() => decode(bad), DecodeError, JSON.stringify(bad));
    }
    assert.throws(() => decode(new Uint8Array([1, 0])), DecodeError);
  }
  // Raw bytes that happen to be decimal text work (the step reads its input as text).
  assert.equal(
    pciClassDecoder({ name: "pci_class" }, env(DB))(new TextEncoder().encode("2")),
    "Network controller",
  );
});
