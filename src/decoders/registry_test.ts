import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { createDecoderStep, knownDecoderNames } from "./registry.ts";

const env = emptyEnv({
  symbols: { exact: () => "sym", nearest: () => undefined },
  devices: { name: () => "vda" },
  interfaces: { name: () => "lo" },
});

Deno.test("registry: knows every decoder of this stage", () => {
  assert.deepEqual(knownDecoderNames(), [
    "cgroup",
    "dname",
    "errno",
    "hex",
    "ifname",
    "inet_ip",
    "kstack",
    "ksym",
    "majorminor",
    "pci_class",
    "pci_device",
    "pci_subclass",
    "pci_vendor",
    "regexp",
    "static_map",
    "string",
    "syscall",
    "uint",
  ]);
});

Deno.test("registry: builds working steps", () => {
  const cases: [string, Uint8Array | string, string][] = [
    ["uint", new Uint8Array([7]), "7"],
    ["string", new TextEncoder().encode("ab\0c"), "ab"],
    ["hex", new Uint8Array([0xab]), "ab"],
    ["inet_ip", new Uint8Array([10, 0, 0, 1]), "10.0.0.1"],
    ["dname", new TextEncoder().encode("\x01a"), "a"],
    ["ksym", new Uint8Array(8), "sym"],
    ["majorminor", new Uint8Array(4), "vda"],
    ["syscall", "0", "read"],
    ["errno", "1", "EPERM"],
    ["ifname", new Uint8Array(4), "lo"],
    ["kstack", new Uint8Array(8), ""],
    ["pci_vendor", "32902", "missing pci.ids db"],
    ["pci_device", "2156269582", "missing pci.ids db"],
    ["pci_class", "2", "missing pci.ids db"],
    ["pci_subclass", "512", "missing pci.ids db"],
  ];
  for (const [name, input, want] of cases) {
    assert.equal(createDecoderStep({ name }, env)(input), want, name);
  }
  const map = createDecoderStep({
    name: "static_map",
    staticMap: new Map([["1", "x"]]),
  }, env);
  assert.equal(map("1"), "x");
  const re = createDecoderStep({ name: "regexp", regexps: ["^(a)"] }, env);
  assert.equal(re("abc"), "a");
  assert.equal(re("xyz"), null);
});

Deno.test("registry: unknown names and bad configs throw", () => {
  assert.throws(
    () => createDecoderStep({ name: "nope" }, env),
    {
      message:
        'unknown decoder "nope" (known: cgroup, dname, errno, hex, ifname, inet_ip, kstack, ksym, majorminor, pci_class, pci_device, pci_subclass, pci_vendor, regexp, static_map, string, syscall, uint)',
    },
  );
  assert.throws(
    () => createDecoderStep({ name: "regexp", regexps: ["("] }, env),
    /invalid pattern/,
  );
});
