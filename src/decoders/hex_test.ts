import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import type { DecoderInput } from "./decoder.ts";
import { bytesToHex, hexDecoder } from "./hex.ts";

const env = emptyEnv();
const decode = hexDecoder({ name: "hex" }, env);

Deno.test("hex: lowercase, two digits per byte", () => {
  const cases: [DecoderInput, string][] = [
    [new Uint8Array(0), ""],
    [new Uint8Array([0]), "00"],
    [new Uint8Array([0x0a, 0xff, 0x10, 0xab]), "0aff10ab"],
    [new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]), "deadbeef0001"],
    ["AZ", "415a"],
  ];
  for (const [input, want] of cases) assert.equal(decode(input), want);
  assert.equal(bytesToHex(new Uint8Array([1, 2, 254])), "0102fe");
});
