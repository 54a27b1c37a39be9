import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import type { DecoderConfig } from "../config/types.ts";
import type { DecoderInput } from "./decoder.ts";
import { staticMapDecoder } from "./static_map.ts";

const env = emptyEnv();
const map = new Map([
  ["1", "one"],
  ["0x10", "sixteen-hex"],
  ["010", "octal-looking"],
  ["1_000", "underscored"],
  ["true", "yes-bool"],
  ["1e3", "exp"],
  ["", "empty"],
]);

Deno.test("static_map: keys are source text", () => {
  const cases: [DecoderConfig, DecoderInput, string][] = [
    [{ name: "static_map", staticMap: map }, "1", "one"],
    [{ name: "static_map", staticMap: map }, "0x10", "sixteen-hex"],
    [{ name: "static_map", staticMap: map }, "16", "unknown:16"],
    [{ name: "static_map", staticMap: map }, "010", "octal-looking"],
    [{ name: "static_map", staticMap: map }, "8", "unknown:8"],
    [{ name: "static_map", staticMap: map }, "10", "unknown:10"],
    [{ name: "static_map", staticMap: map }, "1000", "unknown:1000"],
    [{ name: "static_map", staticMap: map }, "1_000", "underscored"],
    [{ name: "static_map", staticMap: map }, "true", "yes-bool"],
    [{ name: "static_map", staticMap: map }, "1e3", "exp"],
    [{ name: "static_map", staticMap: map }, "", "empty"],
    [
      { name: "static_map", staticMap: map },
      new TextEncoder().encode("1"),
      "one",
    ],
    [{ name: "static_map", staticMap: map, allowUnknown: true }, "16", "16"],
    [{ name: "static_map", staticMap: map, allowUnknown: true }, "1", "one"],
    [
      { name: "static_map", staticMap: map, allowUnknown: false },
      "2",
      "unknown:2",
    ],
    [{ name: "static_map", staticMap: new Map() }, "2", "unknown:2"],
    [{ name: "static_map" }, "2", "empty mapping"],
  ];
  for (const [config, input, want] of cases) {
    assert.equal(
      staticMapDecoder(config, env)(input),
      want,
      `input ${JSON.stringify(input)}`,
    );
  }
});

Deno.test("static_map: raw bytes that are not UTF-8 keep their values as \\xNN (fuzz regression)", () => {
  const step = staticMapDecoder({ name: "static_map", staticMap: new Map([["a", "A"]]) }, env);
  assert.equal(step(Uint8Array.from([0x61])), "A");
  // U+FFFD used to stand in for any invalid byte, so different keys showed as one label value.
  assert.equal(step(Uint8Array.from([0x61, 0xfe])), "unknown:a\\xfe");
  assert.equal(step(Uint8Array.from([0x61, 0xff])), "unknown:a\\xff");
});
