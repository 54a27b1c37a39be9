/**
 * Test helpers: a {@link DecoderEnv} with fixed host tables and compact config builders.
 * @module
 */

import type { DecoderConfig, HistogramConfig, LabelConfig } from "../config/types.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";

/** Host lookups with a fixed symbol table and one disk (`vda` = 254:0). */
export const TEST_ENV: DecoderEnv = {
  symbols: {
    exact: (addr) => addr === 0xffffffff81000000n ? "do_sys_open" : undefined,
    nearest: (addr) => addr >= 0xffffffff81000000n ? "do_sys_open" : undefined,
  },
  devices: { name: (major, minor) => major === 254 && minor === 0 ? "vda" : undefined },
};

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
