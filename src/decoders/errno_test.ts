import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { DecodeError } from "./decoder.ts";
import { errnoDecoder, parseGoUint } from "./errno.ts";
import { errnoName } from "../kernel/errno_table.ts";

const env = emptyEnv();
const decode = errnoDecoder({ name: "errno" }, env);

Deno.test("errno: Go's names; 0 and unassigned are unknown", () => {
  const cases: [string, string][] = [
    ["1", "EPERM"],
    ["2", "ENOENT"],
    ["11", "EAGAIN"],
    ["32", "EPIPE"],
    ["35", "EDEADLK"],
    ["95", "ENOTSUP"],
    ["110", "ETIMEDOUT"],
    ["133", "EHWPOISON"],
    ["0", "unknown:0"],
    ["41", "unknown:41"],
    ["58", "unknown:58"],
    ["134", "unknown:134"],
    ["4294967296", "unknown:4294967296"],
    ["18446744073709551615", "unknown:18446744073709551615"],
    ["0011", "EAGAIN"],
    ["00000000000000000000011", "EAGAIN"],
  ];
  for (const [input, want] of cases) {
    assert.equal(decode(input), want, `input ${input}`);
  }
});

Deno.test("errno: table has 131 names, 1..133 without 41 and 58", () => {
  for (let n = 0; n < 200; n++) {
    const want = n >= 1 && n <= 133 && n !== 41 && n !== 58;
    assert.equal(errnoName(n) !== undefined, want, `errno ${n}`);
  }
});

Deno.test("errno: non-unsigned text throws DecodeError", () => {
  for (const bad of ["", "-1", "+1", "abc", "1.0", "18446744073709551616"]) {
    assert.throws(
      () => decode(bad),
      DecodeError,
      `input ${JSON.stringify(bad)}`,
    );
  }
  assert.equal(parseGoUint("18446744073709551615"), 18446744073709551615n);
});
