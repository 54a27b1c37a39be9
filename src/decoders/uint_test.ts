import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { DecodeError } from "./decoder.ts";
import { HOST_LITTLE_ENDIAN, readU32, readU64, u64HalvesToDecimal, uintDecoder } from "./uint.ts";

const env = emptyEnv();
const decode = uintDecoder({ name: "uint" }, env);

/** `value` as `size` host-order bytes. */
function host(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    out[HOST_LITTLE_ENDIAN ? i : size - 1 - i] = Number(
      (value >> BigInt(8 * i)) & 0xffn,
    );
  }
  return out;
}

Deno.test("uint: sizes 1, 2, 4, 8 in host order", () => {
  const cases: [Uint8Array, string][] = [
    [host(0n, 1), "0"],
    [host(255n, 1), "255"],
    [host(0x1234n, 2), "4660"],
    [host(65535n, 2), "65535"],
    [host(0xdeadbeefn, 4), "3735928559"],
    [host(4294967295n, 4), "4294967295"],
    [host(0n, 8), "0"],
    [host(4294967296n, 8), "4294967296"],
    [host(9007199254740991n, 8), "9007199254740991"],
    [host(9007199254740993n, 8), "9007199254740993"],
    [host(0x123456789abcdef0n, 8), "1311768467463790320"],
    [host(18446744073709551615n, 8), "18446744073709551615"],
    [host(18446744073709551614n, 8), "18446744073709551614"],
  ];
  for (const [input, want] of cases) {
    assert.equal(decode(input), want, `input ${input}`);
  }
});

Deno.test("uint: little-endian host reads the first byte as least significant", () => {
  if (!HOST_LITTLE_ENDIAN) return;
  assert.equal(decode(new Uint8Array([0x01, 0x02])), "513");
  assert.equal(
    decode(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0x80])),
    "9223372036854775809",
  );
});

Deno.test("uint: subarray input honours its offset", () => {
  const big = new Uint8Array(12);
  big.set(host(7n, 4), 8);
  assert.equal(decode(big.subarray(8)), "7");
});

Deno.test("uint: other sizes throw DecodeError", () => {
  for (const size of [0, 3, 5, 6, 7, 9, 16]) {
    assert.throws(
      () => decode(new Uint8Array(size)),
      DecodeError,
      `size ${size}`,
    );
  }
});

Deno.test("uint: helpers", () => {
  assert.equal(readU32(host(0xfffffffen, 4)), 0xfffffffe);
  assert.equal(readU64(host(18446744073709551615n, 8)), 18446744073709551615n);
  assert.equal(u64HalvesToDecimal(0x1fffff, 0xffffffff), "9007199254740991");
  assert.equal(u64HalvesToDecimal(0x200000, 1), "9007199254740993");
});
