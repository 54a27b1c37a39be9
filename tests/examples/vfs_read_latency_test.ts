import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples, runExporter } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";

// Needs fentry/fexit. On a kernel that refuses them (like the one this was written on) the test
// asserts the exporter's diagnosis; on a kernel that allows them it checks the histogram.

const READS = 64;

kernelTest("vfs_read_latency: reads land in the histogram, or the kernel refuses fentry", [
  "examples/vfs_read_latency.bpf.o",
], async () => {
  const check = await runExporter([
    "--config.names=vfs_read_latency",
    "--config.check",
    "--config.strict",
  ]);
  if (check.code !== 0) {
    match(
      check.stderr,
      /the kernel refuses fentry\/fexit\/fmod_ret\/lsm programs \(vfs_read_enter in fentry\/vfs_read, vfs_read_exit in fexit\/vfs_read\)/,
    );
    return;
  }
  match(check.stderr, /config check passed: vfs_read_latency/);

  // A kernel that allows fentry: READS reads of 1 byte each (dd bs=1) from /dev/zero, plus dd's own.
  const exporter = await ExporterProcess.start("vfs_read_latency");
  try {
    const count = (m: Map<string, number>) =>
      m.get("ebpf_exporter_vfs_read_latency_seconds_count") ?? 0;
    const before = parseSamples(await exporter.scrape());
    const dd = await new Deno.Command("dd", {
      args: ["if=/dev/zero", "of=/dev/null", "bs=1", `count=${READS}`],
      stderr: "null",
    }).output();
    ok(dd.success);
    const after = parseSamples(await exporter.scrape());
    ok(count(after) - count(before) >= READS, `${count(after) - count(before)} reads counted`);
    equal(after.get('ebpf_exporter_vfs_read_latency_seconds_bucket{le="+Inf"}'), count(after));
    ok(after.has('ebpf_exporter_vfs_read_latency_seconds_bucket{le="1e-06"}'));
  } finally {
    await exporter.stop();
  }
});
