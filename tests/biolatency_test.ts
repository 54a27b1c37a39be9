import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { diskOf } from "./helpers/host.ts";
import { kernelTest } from "./helpers/kernel.ts";
import { promtoolCheckMetrics } from "./helpers/promtool.ts";

async function dd(args: string[]): Promise<void> {
  const out = await new Deno.Command("dd", { args, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`dd ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

kernelTest("biolatency: direct writes and reads land in the device's histogram", [
  "examples/biolatency.bpf.o",
], async () => {
  const dir = Deno.makeTempDirSync({ dir: "/var/tmp" });
  const file = `${dir}/io`;
  const device = diskOf(dir);
  const exporter = await ExporterProcess.start("biolatency");
  try {
    const count = (m: Map<string, number>, op: string) =>
      m.get(`ebpf_exporter_bio_latency_seconds_count{device="${device}",operation="${op}"}`) ?? 0;
    const before = parseSamples(await exporter.scrape());
    await dd(["if=/dev/zero", `of=${file}`, "bs=1M", "count=16", "oflag=direct", "conv=fsync"]);
    await dd([`if=${file}`, "of=/dev/null", "bs=1M", "count=16", "iflag=direct"]);
    const text = await exporter.scrape();
    const after = parseSamples(text);

    const writes = count(after, "write") - count(before, "write");
    const reads = count(after, "read") - count(before, "read");
    ok(writes >= 16, `expected >= 16 writes on ${device}, saw ${writes}`);
    ok(reads >= 16, `expected >= 16 reads on ${device}, saw ${reads}`);

    const base = `ebpf_exporter_bio_latency_seconds`;
    const labels = `device="${device}",operation="write"`;
    equal(after.get(`${base}_bucket{${labels},le="+Inf"}`), count(after, "write"));
    ok((after.get(`${base}_sum{${labels}}`) ?? 0) > 0, "write latency sum is 0");
    ok(after.has(`${base}_bucket{${labels},le="1e-06"}`), "first bucket bound is not 1e-06");
    ok(after.has(`${base}_bucket{${labels},le="67.108864"}`), "last bucket bound is not 2^26 us");
    let previous = 0;
    for (const [series, value] of after) {
      if (!series.startsWith(`${base}_bucket{${labels},`)) continue;
      ok(value >= previous, `${series} is not cumulative`);
      previous = value;
    }

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
