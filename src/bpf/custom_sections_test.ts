import { deepEqual, equal, throws } from "#assert";
import {
  BPF_PROG_TYPE_PERF_EVENT,
  BPF_PROG_TYPE_UNSPEC,
  BPF_PROG_TYPE_XDP,
  customAttach,
  describePerfEvent,
  isPostAttachMarkSection,
  parsePerfEventSection,
  PERF_ATTR_SIZE,
  perfEventAttr,
  validInterfaceName,
} from "./custom_sections.ts";

const KPROBE = 2;

Deno.test("customAttach: perf_event sections, parsed or with the reason they cannot attach", () => {
  deepEqual(customAttach("perf_event/type=1,config=0,frequency=99", BPF_PROG_TYPE_UNSPEC), {
    kind: "perf_event",
    spec: { type: 1, config: 0n, frequency: 99n, samplePeriod: undefined },
  });
  deepEqual(
    customAttach("perf_event/type=0,config=0x3,sample_period=10000", BPF_PROG_TYPE_PERF_EVENT),
    {
      kind: "perf_event",
      spec: { type: 0, config: 3n, frequency: undefined, samplePeriod: 10000n },
    },
  );
  deepEqual(customAttach("perf_event/type=1,config=0", BPF_PROG_TYPE_UNSPEC), {
    kind: "perf_event",
    error: "perf_event needs frequency=HZ or sample_period=N (greater than 0)",
  });
  equal(customAttach("perf_event", BPF_PROG_TYPE_PERF_EVENT), undefined); // libbpf's own
});

Deno.test("customAttach: xdp/IFNAME only when libbpf does not know the section", () => {
  deepEqual(customAttach("xdp/eth0", BPF_PROG_TYPE_UNSPEC), { kind: "xdp", interface: "eth0" });
  equal(customAttach("xdp/devmap", BPF_PROG_TYPE_XDP), undefined);
  equal(customAttach("xdp", BPF_PROG_TYPE_XDP), undefined);
});

Deno.test("customAttach: uprobes on post_attach_mark of the exporter itself", () => {
  const mark = "/opt/exporter/ffi/mark/libebpf_exporter_mark.so";
  deepEqual(customAttach("uprobe//proc/self/exe:post_attach_mark", KPROBE, mark), {
    kind: "post_attach_mark",
    retprobe: false,
  });
  deepEqual(customAttach("uretprobe//proc/self/exe:post_attach_mark", KPROBE), {
    kind: "post_attach_mark",
    retprobe: true,
  });
  equal(customAttach(`uprobe.s/${mark}:post_attach_mark`, KPROBE, mark)?.kind, "post_attach_mark");
  equal(customAttach("uprobe//proc/self/exe:main", KPROBE), undefined);
  equal(customAttach("uprobe//usr/lib/libfoo.so:post_attach_mark", KPROBE), undefined);
  equal(customAttach("uprobe/libc.so.6:malloc", KPROBE), undefined);
  equal(isPostAttachMarkSection("uprobe//proc/self/exe:post_attach_mark"), true);
  equal(isPostAttachMarkSection("tp_btf/sched_switch"), false);
});

Deno.test("parsePerfEventSection: upstream's keys, decimal or hex, and clear errors", () => {
  deepEqual(parsePerfEventSection("frequency=1,type=4,config=0x1234567890"), {
    type: 4,
    config: 0x1234567890n,
    frequency: 1n,
    samplePeriod: undefined,
  });
  throws(
    () => parsePerfEventSection("type=1,config=0,frequency=99,cpu=1"),
    /unknown perf_event item "cpu=1"/,
  );
  throws(() => parsePerfEventSection("type=1,frequency"), /invalid perf_event item "frequency"/);
  throws(() => parsePerfEventSection("type=-1,frequency=9"), /"-1" is not a non-negative integer/);
  throws(() => parsePerfEventSection("type=1,type=2,frequency=9"), /"type" given twice/);
  throws(() => parsePerfEventSection("frequency=9,sample_period=9"), /not both/);
  throws(() => parsePerfEventSection("type=1,frequency=0"), /needs frequency=HZ or sample_period/);
  throws(() => parsePerfEventSection("type=4294967296,frequency=1"), /does not fit in u32/);
});

Deno.test("perfEventAttr lays out type, size, config, the rate and the freq bit", () => {
  const attr = perfEventAttr({ type: 1, config: 0x0102030405n, frequency: 99n });
  const v = new DataView(attr.buffer);
  equal(attr.length, PERF_ATTR_SIZE);
  equal(v.getUint32(0, true), 1);
  equal(v.getUint32(4, true), PERF_ATTR_SIZE);
  equal(v.getBigUint64(8, true), 0x0102030405n);
  equal(v.getBigUint64(16, true), 99n);
  equal(v.getBigUint64(40, true), 1n << 10n);
  equal(attr.subarray(48).every((b) => b === 0), true);
  const period = new DataView(perfEventAttr({ type: 0, config: 0n, samplePeriod: 5000n }).buffer);
  equal(period.getBigUint64(16, true), 5000n);
  equal(period.getBigUint64(40, true), 0n);
  equal(describePerfEvent({ type: 1, config: 0n, frequency: 99n }), "type=1,config=0,frequency=99");
  equal(
    describePerfEvent({ type: 0, config: 3n, samplePeriod: 7n }),
    "type=0,config=3,sample_period=7",
  );
});

Deno.test("validInterfaceName follows Linux's rules", () => {
  equal(validInterfaceName("lo"), true);
  equal(validInterfaceName("enp0s31f6"), true);
  equal(validInterfaceName(""), false);
  equal(validInterfaceName("a-very-long-name0"), false);
  equal(validInterfaceName("eth0/1"), false);
  equal(validInterfaceName(".."), false);
});
