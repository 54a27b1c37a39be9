import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { diskOf, run, uniqueBinary, value } from "./process_helpers.ts";

const PAGES = 2048; // the 8 MiB file in 4 KiB pages

kernelTest("page_cache: a written, dropped and re-read file is counted in pages per command", [
  "examples/page_cache.bpf.o",
], async () => {
  // Three copies of dd under unique names: the writer, the one that drops the file from the
  // cache, and the reader, so each step has series of its own.
  const writer = uniqueBinary("/usr/bin/dd", "ebpfpcw");
  const dropper = uniqueBinary("/usr/bin/dd", "ebpfpcd");
  const reader = uniqueBinary("/usr/bin/dd", "ebpfpcr");
  const dir = Deno.makeTempDirSync({ dir: "/var/tmp", prefix: "ebpf-example-" });
  const file = `${dir}/cached`;
  const device = diskOf(dir);
  const exporter = await ExporterProcess.start("page_cache", { extraArgs: ["--config.strict"] });
  try {
    // Buffered write of a new 8 MiB file, written back before dd exits (so it can be dropped).
    await run(writer.path, ["if=/dev/zero", `of=${file}`, "bs=1M", "count=8", "conv=fsync"]);
    // iflag=nocache with count=0: posix_fadvise(DONTNEED) over the whole file.
    await run(dropper.path, [`if=${file}`, "iflag=nocache", "count=0"]);
    await run(reader.path, [`if=${file}`, "of=/dev/null", "bs=1M"]);
    const text = await exporter.scrape();
    const after = parseSamples(text);

    const pages = (what: string, comm: string) =>
      value(
        after,
        `ebpf_exporter_page_cache_pages_${what}_total{comm="${comm}",device="${device}"}`,
      );
    // Every page of the new file is created, dirtied, dropped and read back exactly once
    // (a large folio counts all of its pages).
    // "added" may also count the pages of the process's own freshly copied executable, when they
    // were evicted between the copy and the exec: a few dozen at most.
    const within = (n: number, what: string) =>
      ok(n >= PAGES && n <= PAGES + 64, `${what}: ${n} pages, expected ${PAGES} (+ <= 64)`);
    within(pages("added", writer.comm), "pages the writer created");
    equal(pages("dirtied", writer.comm), PAGES, "pages the writer dirtied");
    equal(pages("removed", dropper.comm), PAGES, "pages fadvise(DONTNEED) removed");
    within(pages("added", reader.comm), "pages reading the dropped file added");
    // The reader only reads: it dirtied nothing, and dropped nothing.
    equal(pages("dirtied", reader.comm), 0);
    equal(pages("removed", reader.comm), 0);
    equal(after.get('ebpf_exporter_decoder_errors_total{config="page_cache"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    Deno.removeSync(dir, { recursive: true });
    for (const copy of [writer, dropper, reader]) copy.remove();
  }
});
