import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { DecodeError } from "./decoder.ts";
import { kstackDecoder } from "./kstack.ts";
import { HOST_LITTLE_ENDIAN } from "./uint.ts";

/** Symbol starts, ascending; a frame resolves to the last start at or below it. */
const STARTS: [bigint, string][] = [
  [0xffffffff81000000n, "_text"],
  [0xffffffff81234560n, "tcp_v4_connect"],
  [0xffffffff81234800n, "__sys_connect"],
  [0xffffffffc0a01000n, "nft_do_chain\t[nf_tables]"],
];
const lookups: bigint[] = [];
const env = emptyEnv({
  symbols: {
    exact: () => undefined,
    nearest: (addr) => {
      lookups.push(addr);
      let found: string | undefined;
      for (const [start, name] of STARTS) if (start <= addr) found = name;
      return found;
    },
  },
});
const decode = kstackDecoder({ name: "kstack" }, env);

/** Host-order u64 frames. */
function frames(...addrs: bigint[]): Uint8Array {
  const out = new Uint8Array(addrs.length * 8);
  const view = new DataView(out.buffer);
  addrs.forEach((a, i) => view.setBigUint64(i * 8, a, HOST_LITTLE_ENDIAN));
  return out;
}

Deno.test("kstack: nearest symbol per frame, joined by newlines", () => {
  const cases: [string, Uint8Array, string][] = [
    ["one exact frame", frames(0xffffffff81234560n), "tcp_v4_connect"],
    ["inside a function", frames(0xffffffff81234567n), "tcp_v4_connect"],
    [
      "several frames",
      frames(0xffffffff81234801n, 0xffffffff81234570n, 0xffffffff81000010n),
      "__sys_connect\ntcp_v4_connect\n_text",
    ],
    [
      "module symbols keep their suffix",
      frames(0xffffffffc0a01234n, 0xffffffff81234800n),
      "nft_do_chain\t[nf_tables]\n__sys_connect",
    ],
    ["below every symbol", frames(0x1000n, 0xffffffff81234560n), "??\ntcp_v4_connect"],
    [
      "stops at the first zero",
      frames(0xffffffff81234560n, 0n, 0xffffffff81234800n),
      "tcp_v4_connect",
    ],
    ["zero padding after the stack", frames(0xffffffff81000000n, 0n, 0n, 0n), "_text"],
    ["all zero", frames(0n, 0n), ""],
    ["empty", new Uint8Array(0), ""],
  ];
  for (const [what, input, want] of cases) assert.equal(decode(input), want, what);
});

Deno.test("kstack: frames after the first zero are not looked up", () => {
  lookups.length = 0;
  decode(frames(0xffffffff81234560n, 0n, 0xffffffff81234800n, 0xffffffff81000000n));
  assert.deepEqual(lookups, [0xffffffff81234560n]);
});

Deno.test("kstack: a length that is not a multiple of 8 throws", () => {
  assert.throws(() => decode(new Uint8Array(12)), DecodeError);
  assert.throws(() => decode(new Uint8Array(7)), DecodeError);
});
