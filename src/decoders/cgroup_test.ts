import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { cgroupDecoder } from "./cgroup.ts";
import { DecodeError, type DecoderEnv, type DecoderInput } from "./decoder.ts";
import { createDecoderStep } from "./registry.ts";
import { HOST_LITTLE_ENDIAN } from "./uint.ts";

const U64_MAX = (1n << 64n) - 1n;
const cgroups = new Map<bigint, string>([
  [1n, "/sys/fs/cgroup"],
  [4242n, "/sys/fs/cgroup/system.slice/ssh.service"],
  [U64_MAX, "/sys/fs/cgroup/max"],
]);
const asked: bigint[] = [];
const env = emptyEnv({
  cgroups: {
    path: (id) => {
      asked.push(id);
      return cgroups.get(id);
    },
  },
});
const decode = cgroupDecoder({ name: "cgroup" }, env);

Deno.test("cgroup: decimal id -> path, unknown ids keep their number", () => {
  const cases: [DecoderInput, string][] = [
    ["1", "/sys/fs/cgroup"],
    ["4242", "/sys/fs/cgroup/system.slice/ssh.service"],
    ["18446744073709551615", "/sys/fs/cgroup/max"],
    ["0", "unknown_cgroup_id:0"],
    ["7", "unknown_cgroup_id:7"],
    ["007", "unknown_cgroup_id:7"],
    ["04242", "/sys/fs/cgroup/system.slice/ssh.service"],
    ["9007199254740993", "unknown_cgroup_id:9007199254740993"], // above 2^53: exact
    [new TextEncoder().encode("4242"), "/sys/fs/cgroup/system.slice/ssh.service"],
  ];
  for (const [input, want] of cases) assert.equal(decode(input), want, String(input));
  assert.ok(asked.includes(9007199254740993n));
});

Deno.test("cgroup: input that is not a decimal u64 throws DecodeError", () => {
  const bad: DecoderInput[] = [
    "",
    "-1",
    "+1",
    " 1",
    "1 ",
    "0x10",
    "1.5",
    "1e3",
    "abc",
    "18446744073709551616",
    new Uint8Array([0x92, 0x10, 0, 0, 0, 0, 0, 0]), // raw bytes: uint must come first
  ];
  for (const input of bad) assert.throws(() => decode(input), DecodeError, String(input));
  assert.throws(() => decode("x"), /put uint before cgroup/);
});

Deno.test("cgroup: an env without cgroups prints every id as unknown", () => {
  const bare: DecoderEnv = { ...env, cgroups: undefined };
  assert.equal(cgroupDecoder({ name: "cgroup" }, bare)("4242"), "unknown_cgroup_id:4242");
});

Deno.test("cgroup: registered, and chained after uint on a u64 key", () => {
  const uint = createDecoderStep({ name: "uint" }, env);
  const cgroup = createDecoderStep({ name: "cgroup" }, env);
  const key = (id: bigint) => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, id, HOST_LITTLE_ENDIAN);
    return out;
  };
  const chain = (id: bigint) => cgroup(uint(key(id))!);
  assert.equal(chain(4242n), "/sys/fs/cgroup/system.slice/ssh.service");
  assert.equal(chain(U64_MAX), "/sys/fs/cgroup/max");
  assert.equal(chain(99n), "unknown_cgroup_id:99");
});
