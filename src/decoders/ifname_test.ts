import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { DecodeError } from "./decoder.ts";
import { ifnameDecoder } from "./ifname.ts";
import { HOST_LITTLE_ENDIAN } from "./uint.ts";

const names = new Map([
  [1, "lo"],
  [2, "eth0"],
  [17, "veth1a2b3c4"],
  [0xffffffff, "max-index"],
]);
const env = emptyEnv({
  interfaces: { name: (index) => names.get(index) },
});
const decode = ifnameDecoder({ name: "ifname" }, env);

function host32(value: number, size = 4): Uint8Array {
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, value, HOST_LITTLE_ENDIAN);
  return out;
}

Deno.test("ifname: names the interface, unknown:<idx> otherwise", () => {
  const cases: [number, string][] = [
    [1, "lo"],
    [2, "eth0"],
    [17, "veth1a2b3c4"],
    [0xffffffff, "max-index"],
    [3, "unknown:3"],
    [0, "unknown:0"],
    [0x01000000, "unknown:16777216"],
  ];
  for (const [index, want] of cases) assert.equal(decode(host32(index)), want, `${index}`);
});

Deno.test("ifname: reads the first 4 bytes; shorter input throws", () => {
  assert.equal(decode(host32(2, 8)), "eth0");
  assert.throws(() => decode(new Uint8Array(3)), DecodeError);
  assert.throws(() => decode(new Uint8Array(0)), DecodeError);
});
