import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { diskOf, run, seriesWith, value } from "./process_helpers.ts";

const METRIC = "ebpf_exporter_bio_size_bytes";
const WRITES = 16;

kernelTest("bio_sizes: 64 KiB direct writes land in the device's 64 KiB bucket", [
  "examples/bio_sizes.bpf.o",
], async () => {
  const dir = Deno.makeTempDirSync({ dir: "/var/tmp", prefix: "ebpf-example-" });
  const device = diskOf(dir);
  const exporter = await ExporterProcess.start("bio_sizes", { extraArgs: ["--config.strict"] });
  try {
    const write = `device="${device}",operation="write"`;
    const before = parseSamples(await exporter.scrape());
    await run("dd", [
      "if=/dev/zero",
      `of=${dir}/io`,
      "bs=64k",
      `count=${WRITES}`,
      "oflag=direct",
      "conv=fsync",
    ]);
    const text = await exporter.scrape();
    const after = parseSamples(text);
    const grew = (series: string) => value(after, series) - value(before, series);

    // Direct 64 KiB writes are issued one at a time: each is one request of exactly 65536 bytes.
    const in64k = grew(`${METRIC}_bucket{${write},le="65536"}`) -
      grew(`${METRIC}_bucket{${write},le="32768"}`);
    ok(in64k >= WRITES, `${in64k} writes in (32768, 65536] bytes on ${device}`);
    ok(grew(`${METRIC}_count{${write}}`) >= WRITES);
    ok(grew(`${METRIC}_sum{${write}}`) >= WRITES * 65536, "sum did not grow by the bytes written");

    // bucket_min 9: the first bound is one sector, the last 2^27 bytes.
    ok(after.has(`${METRIC}_bucket{${write},le="512"}`), "first bound is not 512");
    ok(after.has(`${METRIC}_bucket{${write},le="1.34217728e+08"}`), "last bound is not 2^27");
    ok(!after.has(`${METRIC}_bucket{${write},le="256"}`), "a bucket below bucket_min");
    // Flushes (conv=fsync on a disk with a write-back cache) carry no data: all of them are
    // counted in the lowest bucket, and add nothing to the sum.
    const flush = `device="${device}",operation="flush"`;
    equal(
      value(after, `${METRIC}_bucket{${flush},le="512"}`),
      value(after, `${METRIC}_count{${flush}}`),
    );
    equal(value(after, `${METRIC}_sum{${flush}}`), 0);
    for (const [series] of seriesWith(after, `${METRIC}_count{`)) {
      ok(/operation="[a-z_]+"/.test(series) && !series.includes("unknown"), series);
    }
    equal(after.get('ebpf_exporter_decoder_errors_total{config="bio_sizes"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
