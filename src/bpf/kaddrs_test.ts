import { deepEqual, equal, throws } from "#assert";
import { applyKaddrs, KaddrError, kaddrVariable, resolveKaddrs } from "./kaddrs.ts";

const KALLSYMS = [
  "ffffffff81000000 T _stext",
  "ffffffff8141a310 t helper",
  "ffffffff821fb620 T schedule",
  "ffffffff816bab70 T vfs_read",
  "ffffffff81900000 T helper",
  "ffffffffc0a01000 t mod_fn\t[some_module]",
  "0000000000000000 T hidden",
  "",
].join("\n");

Deno.test("resolveKaddrs: exact names, first occurrence, module symbols by name", () => {
  deepEqual(
    resolveKaddrs(KALLSYMS, ["schedule", "helper", "mod_fn"]),
    new Map([
      ["schedule", 0xffffffff821fb620n],
      ["helper", 0xffffffff8141a310n],
      ["mod_fn", 0xffffffffc0a01000n],
    ]),
  );
  deepEqual(resolveKaddrs(KALLSYMS, []), new Map());
});

Deno.test("resolveKaddrs: a missing symbol and a zero address name the symbol", () => {
  throws(
    () => resolveKaddrs(KALLSYMS, ["schedule", "sched"]),
    (e: unknown) =>
      e instanceof KaddrError && e.symbol === "sched" &&
      e.message === 'kaddrs: kernel symbol "sched" is not in /proc/kallsyms',
  );
  throws(
    () => resolveKaddrs(KALLSYMS, ["hidden"]),
    /address 0 for "hidden".*CAP_SYSLOG.*kptr_restrict/,
  );
});

Deno.test("applyKaddrs writes kaddr_<symbol> for each symbol and names a missing global", () => {
  const written: [string, bigint][] = [];
  const object = {
    setGlobalU64(name: string, value: bigint) {
      if (name === "kaddr_vfs_read") throw new Error("obj.bpf.o has no global variable " + name);
      written.push([name, value]);
    },
  };
  applyKaddrs(object, ["schedule", "mod_fn"], () => KALLSYMS);
  deepEqual(written, [["kaddr_schedule", 0xffffffff821fb620n], [
    "kaddr_mod_fn",
    0xffffffffc0a01000n,
  ]]);
  throws(
    () => applyKaddrs(object, ["vfs_read"], () => KALLSYMS),
    /cannot set "const volatile u64 kaddr_vfs_read" for symbol "vfs_read": obj.bpf.o has no global/,
  );
  let read = false;
  applyKaddrs(object, [], () => {
    read = true;
    return "";
  });
  equal(read, false, "kallsyms read although no kaddrs are configured");
  equal(kaddrVariable("jiffies"), "kaddr_jiffies");
});
