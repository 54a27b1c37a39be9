import { equal, match, ok } from "#assert";
import { ExporterProcess, runExporter } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";

/** CapPrm and CapEff of every thread of a process, from /proc/<pid>/task/*\/status. */
function threadCapabilities(pid: number): { tid: string; prm: bigint; eff: bigint }[] {
  const out = [];
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    const status = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/status`);
    const field = (name: string) =>
      BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)$`, "m").exec(status)![1]}`);
    out.push({ tid: task.name, prm: field("CapPrm"), eff: field("CapEff") });
  }
  return out;
}

const CAP_SYSLOG = 1n << 34n;

for (const [keep, expected] of [["cap_syslog", CAP_SYSLOG], ["none", 0n]] as const) {
  kernelTest(`--capabilities.keep=${keep} reduces every thread's sets, and scrapes still work`, [
    "examples/timers.bpf.o",
  ], async () => {
    const exporter = await ExporterProcess.start("timers", {
      extraArgs: [`--capabilities.keep=${keep}`],
    });
    try {
      const threads = threadCapabilities(exporter.child.pid);
      ok(threads.length >= 4, `only ${threads.length} threads`);
      for (const t of threads) {
        equal(t.prm, expected, `thread ${t.tid} CapPrm ${t.prm.toString(16)}`);
        equal(t.eff, expected, `thread ${t.tid} CapEff ${t.eff.toString(16)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
      const text = await exporter.scrape();
      // Map reads keep working, and kernel symbols were snapshotted before CAP_SYSLOG went.
      match(text, /ebpf_exporter_timer_starts_total\{function="[a-z_][a-z0-9_.]*"\} \d+/);
      ok(!text.includes("unknown_addr"), "symbols no longer resolve");
      match(exporter.stderr, new RegExp(`capabilities kept on every thread: ${keep}`));
    } finally {
      await exporter.stop();
    }
  });
}

kernelTest("without --capabilities.keep every thread keeps what it started with", [
  "examples/timers.bpf.o",
], async () => {
  const own = threadCapabilities(Deno.pid)[0].prm;
  const exporter = await ExporterProcess.start("timers");
  try {
    for (const t of threadCapabilities(exporter.child.pid)) equal(t.prm, own, `thread ${t.tid}`);
  } finally {
    await exporter.stop();
  }
});

Deno.test("an unknown capability is a one-line usage error", async () => {
  const out = await runExporter([
    "--config.names=timers",
    "--capabilities.keep=cap_sys_bpf",
  ]);
  equal(out.code, 2);
  match(out.stderr, /unknown capability "cap_sys_bpf"/);
});
