import { equal, match } from "#assert";
import { explainAttachFailure, explainLoadFailure, type HostProbe } from "./diagnose.ts";

const host = (paths: string[], functions: string[] = []): HostProbe => ({
  exists: (p) => paths.includes(p),
  hasKernelFunction: (f) => functions.includes(f),
});

Deno.test("a kprobe that cannot attach on a kernel without kprobes says so", () => {
  const why = explainAttachFailure({ section: "kprobe/do_sys_openat2" }, 2, host([]));
  match(why!, /the kernel lacks kprobes/);
  match(explainAttachFailure({ section: "kretprobe/tcp_sendmsg" }, 2, host([]))!, /lacks kprobes/);
  match(explainAttachFailure({ section: "ksyscall/openat" }, 2, host([]))!, /lacks kprobes/);
});

Deno.test("a kprobe on a missing function names it when kprobes exist", () => {
  const kprobes = host(["/sys/bus/event_source/devices/kprobe/type"], ["do_sys_openat2"]);
  equal(explainAttachFailure({ section: "kprobe/do_sys_openat2" }, 2, kprobes), undefined);
  equal(
    explainAttachFailure({ section: "kprobe/no_such_fn+0x10" }, 2, kprobes),
    "the kernel has no function named no_such_fn",
  );
});

Deno.test("other sections and errnos are left to the errno text", () => {
  equal(explainAttachFailure({ section: "tp_btf/sched_switch" }, 2, host([])), undefined);
  equal(explainAttachFailure({ section: "kprobe/x" }, 13, host([])), undefined);
});

Deno.test("EPERM on an object with fentry programs explains the refusal and names them", () => {
  const why = explainLoadFailure(
    [{ name: "fe_open", section: "fentry/do_sys_openat2" }, { name: "t", section: "tp_btf/x" }],
    1,
  );
  match(
    why!,
    /refuses fentry\/fexit\/fmod_ret\/lsm programs \(fe_open in fentry\/do_sys_openat2\)/,
  );
  equal(explainLoadFailure([{ name: "t", section: "tp_btf/x" }], 1), undefined);
  equal(explainLoadFailure([{ name: "f", section: "fentry/x" }], 13), undefined);
});

Deno.test("a classic tracepoint that cannot attach names a missing tracefs or tracepoint", () => {
  const section = "tracepoint/syscalls/sys_enter_openat";
  match(explainAttachFailure({ section }, 2, host([]))!, /tracefs is not mounted/);
  const mounted = host(["/sys/kernel/tracing/events"]);
  equal(
    explainAttachFailure({ section }, 2, mounted),
    "the kernel has no tracepoint syscalls/sys_enter_openat",
  );
  const present = host([
    "/sys/kernel/tracing/events",
    "/sys/kernel/tracing/events/syscalls/sys_enter_openat",
  ]);
  equal(explainAttachFailure({ section }, 2, present), undefined);
});
