import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { DecodeError } from "./decoder.ts";
import { parseGoInt, syscallDecoder } from "./syscall.ts";
import { syscallName } from "../kernel/syscall_table.ts";

const env = emptyEnv();
const decode = syscallDecoder({ name: "syscall" }, env);

Deno.test("syscall: names, upstream spellings and unknowns", () => {
  const cases: [string, string][] = [
    ["0", "read"],
    ["1", "write"],
    ["59", "execve"],
    ["257", "openat"],
    ["334", "rseq"],
    ["424", "pidfd_send_signal"],
    ["450", "set_mempolicy_home_node"],
    ["451", "cachestat"],
    ["461", "lsm_list_modules"],
    ["335", "unknown_syscall:335"],
    ["423", "unknown_syscall:423"],
    ["100000", "unknown_syscall:100000"],
    ["4294967296", "unknown_syscall:4294967296"],
    ["007", "poll_time64"],
    ["+1", "write"],
    ["-1", "unknown_syscall:18446744073709551615"],
    ["9223372036854775807", "unknown_syscall:9223372036854775807"],
  ];
  for (const [input, want] of cases) {
    assert.equal(decode(input), want, `input ${input}`);
  }
});

Deno.test("syscall: every upstream rename of compat.md", () => {
  const renames: [number, string][] = [
    [7, "poll_time64"],
    [17, "pread"],
    [18, "pwrite"],
    [35, "nanosleep_time64"],
    [40, "sendfile64"],
    [94, "chown"],
    [128, "rt_sigtimedwait_time64"],
    [148, "sched_rr_get_interval_time64"],
    [155, "pivotroot"],
    [156, "sysctl"],
    [159, "adjtimex64"],
    [189, "setxattr"],
    [192, "getxattr"],
    [195, "listxattr"],
    [198, "removexattr"],
    [202, "futex_time64"],
    [208, "io_getevents_time64"],
    [214, "printargs"],
    [215, "printargs"],
    [220, "semtimedop_time64"],
    [223, "timer_settime64"],
    [224, "timer_gettime64"],
    [227, "clock_settime64"],
    [228, "clock_gettime64"],
    [229, "clock_getres_time64"],
    [230, "clock_nanosleep_time64"],
    [231, "exit"],
    [242, "mq_timedsend_time64"],
    [243, "mq_timedreceive_time64"],
    [270, "pselect6_time64"],
    [271, "ppoll_time64"],
    [280, "utimensat_time64"],
    [286, "timerfd_settime64"],
    [287, "timerfd_gettime64"],
    [299, "recvmmsg_time64"],
    [305, "clock_adjtime64"],
    [333, "io_pgetevents_time64"],
  ];
  for (const [n, want] of renames) {
    assert.equal(syscallName(n), want, `syscall ${n}`);
    assert.equal(decode(String(n)), want);
  }
});

Deno.test("syscall: the table covers 0..334 and 424..461 and nothing else", () => {
  let count = 0;
  for (let n = -5; n < 1000; n++) {
    const known = syscallName(n) !== undefined;
    assert.equal(
      known,
      (n >= 0 && n <= 334) || (n >= 424 && n <= 461),
      `syscall ${n}`,
    );
    if (known) count++;
  }
  assert.equal(count, 373);
});

Deno.test("syscall: non-integers throw DecodeError", () => {
  for (
    const bad of [
      "",
      "abc",
      "1.5",
      " 1",
      "0x10",
      "1_000",
      "9223372036854775808",
    ]
  ) {
    assert.throws(
      () => decode(bad),
      DecodeError,
      `input ${JSON.stringify(bad)}`,
    );
  }
  assert.equal(parseGoInt("-9223372036854775808"), -9223372036854775808n);
  assert.equal(parseGoInt("9223372036854775808"), undefined);
});
