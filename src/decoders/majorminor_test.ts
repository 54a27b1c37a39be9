import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { DecodeError } from "./decoder.ts";
import { decodeDev, majorMinorDecoder } from "./majorminor.ts";
import { HOST_LITTLE_ENDIAN } from "./uint.ts";

const devices = new Map([
  ["253:0", "vda"],
  ["253:1", "vda1"],
  ["259:1048575", "nvme-big-minor"],
  ["4095:0", "big-major"],
]);
const env = emptyEnv({
  devices: { name: (major, minor) => devices.get(`${major}:${minor}`) },
});
const decode = majorMinorDecoder({ name: "majorminor" }, env);

/** Kernel new_encode_dev. */
function encode(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

function host32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, HOST_LITTLE_ENDIAN);
  return out;
}

Deno.test("majorminor: decodes new_encode_dev and names the device", () => {
  const cases: [number, string][] = [
    [encode(253, 0), "vda"],
    [encode(253, 1), "vda1"],
    [0xfd01, "vda1"],
    [encode(259, 1048575), "nvme-big-minor"],
    [encode(4095, 0), "big-major"],
    [encode(8, 16), "unknown:8:16"],
    [encode(0, 0), "unknown:0:0"],
    [0xffffffff, "unknown:4095:1048575"],
  ];
  for (const [dev, want] of cases) {
    assert.equal(decode(host32(dev)), want, `dev ${dev}`);
  }
});

Deno.test("majorminor: decodeDev, long and short inputs", () => {
  assert.deepEqual(decodeDev(0x10fd01), [253, 0x101]);
  const long = new Uint8Array(8);
  long.set(host32(encode(253, 0)));
  assert.equal(decode(long), "vda");
  assert.throws(() => decode(new Uint8Array(2)), DecodeError);
});
