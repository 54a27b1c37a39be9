import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { diskOf, run, seriesWith, value } from "./process_helpers.ts";

const METRIC = "ebpf_exporter_bio_queue_depth_requests";
const WRITERS = 6;
const WRITES = 16;

kernelTest("bio_queue_depth: concurrent direct writers are sampled on the device", [
  "examples/bio_queue_depth.bpf.o",
], async () => {
  const dir = Deno.makeTempDirSync({ dir: "/var/tmp", prefix: "ebpf-example-" });
  const device = diskOf(dir);
  const exporter = await ExporterProcess.start("bio_queue_depth", {
    extraArgs: ["--config.strict"],
  });
  try {
    const labels = `device="${device}"`;
    const before = parseSamples(await exporter.scrape());
    await Promise.all(Array.from({ length: WRITERS }, (_, i) =>
      run("dd", [
        "if=/dev/zero",
        `of=${dir}/io${i}`,
        "bs=64k",
        `count=${WRITES}`,
        "oflag=direct",
      ])));
    const text = await exporter.scrape();
    const after = parseSamples(text);
    const grew = (series: string) => value(after, series) - value(before, series);

    const samples = grew(`${METRIC}_count{${labels}}`);
    ok(samples >= WRITERS * WRITES, `${samples} requests sampled on ${device}`);
    // Every sample counts the request itself: depth >= 1, so the mean is >= 1.
    ok(grew(`${METRIC}_sum{${labels}}`) >= samples, "a sample below depth 1");
    // Six writers at once: some requests found others in flight; none found more than the
    // writers plus a little background IO (a missed completion would make the count drift up).
    ok(grew(`${METRIC}_bucket{${labels},le="1"}`) < samples, "no sample deeper than 1");
    equal(grew(`${METRIC}_bucket{${labels},le="32"}`), samples, "samples deeper than 32");

    // Then one writer alone: its requests see the queue drained again (depth 1).
    const serial = parseSamples(await exporter.scrape());
    await run("dd", [
      "if=/dev/zero",
      `of=${dir}/serial`,
      "bs=64k",
      `count=${WRITES}`,
      "oflag=direct",
    ]);
    const drained = parseSamples(await exporter.scrape());
    const ones = value(drained, `${METRIC}_bucket{${labels},le="1"}`) -
      value(serial, `${METRIC}_bucket{${labels},le="1"}`);
    ok(ones >= WRITES / 2, `only ${ones} of ${WRITES} serial writes saw an empty queue`);

    // linear buckets 1..64: le="1", le="2", ..., le="64", +Inf, cumulative.
    const buckets = seriesWith(after, `${METRIC}_bucket{${labels},`);
    equal(buckets.length, 65);
    equal(buckets[0][0], `${METRIC}_bucket{${labels},le="1"}`);
    equal(buckets[63][0], `${METRIC}_bucket{${labels},le="64"}`);
    for (let i = 1; i < buckets.length; i++) ok(buckets[i][1] >= buckets[i - 1][1], buckets[i][0]);
    equal(buckets[64][1], value(after, `${METRIC}_count{${labels}}`));
    equal(after.get('ebpf_exporter_decoder_errors_total{config="bio_queue_depth"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
