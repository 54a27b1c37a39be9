import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { DecodeError } from "./decoder.ts";
import { ksymDecoder } from "./ksym.ts";
import { HOST_LITTLE_ENDIAN } from "./uint.ts";

const symbols = new Map<bigint, string>([
  [0xffffffff81234560n, "tcp_v4_connect"],
  [0xffffffffc0a01000n, "foo_bar\t[nf_tables]"],
]);
const env = emptyEnv({
  symbols: { exact: (addr) => symbols.get(addr), nearest: () => undefined },
});
const decode = ksymDecoder({ name: "ksym" }, env);

function host64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, HOST_LITTLE_ENDIAN);
  return out;
}

Deno.test("ksym: exact symbol or unknown_addr", () => {
  const cases: [Uint8Array, string][] = [
    [host64(0xffffffff81234560n), "tcp_v4_connect"],
    [host64(0xffffffffc0a01000n), "foo_bar\t[nf_tables]"],
    [host64(0xffffffff81234561n), "unknown_addr:0xffffffff81234561"],
    [host64(0n), "unknown_addr:0x0"],
    [host64(0xabcn), "unknown_addr:0xabc"],
  ];
  for (const [input, want] of cases) assert.equal(decode(input), want);
});

Deno.test("ksym: reads the first 8 bytes; shorter input throws", () => {
  const long = new Uint8Array(16);
  long.set(host64(0xffffffff81234560n));
  assert.equal(decode(long), "tcp_v4_connect");
  assert.throws(() => decode(new Uint8Array(4)), DecodeError);
});
