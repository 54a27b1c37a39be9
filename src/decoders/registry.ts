/**
 * Decoder lookup by the name used in YAML (compat.md §4).
 *
 * Adding a decoder is one entry in {@link FACTORIES}.
 * @module
 */

import type { DecoderConfig } from "../config/types.ts";
import { cgroupDecoder } from "./cgroup.ts";
import type { DecoderEnv, DecoderFactory, DecodeStep, KeyReader } from "./decoder.ts";
import { dnameDecoder } from "./dname.ts";
import { errnoDecoder } from "./errno.ts";
import { hexDecoder } from "./hex.ts";
import { ifnameDecoder } from "./ifname.ts";
import { inetIpDecoder } from "./inet_ip.ts";
import { ksymDecoder } from "./ksym.ts";
import { kstackDecoder } from "./kstack.ts";
import { majorMinorDecoder } from "./majorminor.ts";
import { pciClassDecoder, pciDeviceDecoder, pciSubclassDecoder, pciVendorDecoder } from "./pci.ts";
import { regexpDecoder } from "./regexp.ts";
import { staticMapDecoder } from "./static_map.ts";
import { stringDecoder } from "./string.ts";
import { syscallDecoder } from "./syscall.ts";
import { uintDecoder } from "./uint.ts";

const FACTORIES: ReadonlyMap<string, DecoderFactory> = new Map([
  ["cgroup", cgroupDecoder],
  ["dname", dnameDecoder],
  ["errno", errnoDecoder],
  ["hex", hexDecoder],
  ["ifname", ifnameDecoder],
  ["inet_ip", inetIpDecoder],
  ["ksym", ksymDecoder],
  ["kstack", kstackDecoder],
  ["majorminor", majorMinorDecoder],
  ["pci_class", pciClassDecoder],
  ["pci_device", pciDeviceDecoder],
  ["pci_subclass", pciSubclassDecoder],
  ["pci_vendor", pciVendorDecoder],
  ["regexp", regexpDecoder],
  ["static_map", staticMapDecoder],
  ["string", stringDecoder],
  ["syscall", syscallDecoder],
  ["uint", uintDecoder],
]);

/** Names of every decoder this build knows, sorted. */
export function knownDecoderNames(): string[] {
  return [...FACTORIES.keys()].sort();
}

/**
 * Compiles one decoder config into a step. Throws an Error for an unknown decoder name
 * (`unknown decoder "X" (known: a, b, ...)`) or a bad decoder config (e.g. an invalid regexp).
 */
export function createDecoderStep(
  config: DecoderConfig,
  env: DecoderEnv,
): DecodeStep {
  const factory = FACTORIES.get(config.name);
  if (factory === undefined) {
    throw new Error(
      `unknown decoder ${JSON.stringify(config.name)} (known: ${knownDecoderNames().join(", ")})`,
    );
  }
  return factory(config, env);
}

/**
 * Compiles the first decoder of a label's chain into a {@link KeyReader} of the label's slice of
 * the key: the step's own `readKey` when it has one, else the step run over a subarray. Throws as
 * {@link createDecoderStep} does.
 */
export function createKeyReader(config: DecoderConfig, env: DecoderEnv): KeyReader {
  const step = createDecoderStep(config, env);
  return step.readKey ?? ((key, offset, size) => step(key.subarray(offset, offset + size)));
}
