import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { labelsOf, run, seriesWith, uniqueBinary, value } from "./process_helpers.ts";

const METRIC = "ebpf_exporter_page_faults_total";
const BUFFER_PAGES = 4096; // dd's 16 MiB buffer in 4 KiB pages

kernelTest("page_faults: a fresh 16 MiB buffer faults in at least once per page", [
  "examples/page_faults.bpf.o",
], async () => {
  // dd allocates its 16 MiB buffer with malloc (a fresh mmap): reading /dev/zero into it
  // faults every page in, in kernel mode (the kernel zeroes the user buffer).
  const dd = uniqueBinary("/usr/bin/dd", "ebpfpf");
  const exporter = await ExporterProcess.start("page_faults", { extraArgs: ["--config.strict"] });
  try {
    await run(dd.path, ["if=/dev/zero", "of=/dev/null", "bs=16M", "count=1"]);
    const text = await exporter.scrape();
    const after = parseSamples(text);

    const mine = seriesWith(after, `${METRIC}{`).filter(([s]) => labelsOf(s).comm === dd.comm);
    const total = mine.reduce((n, [, v]) => n + v, 0);
    ok(total >= BUFFER_PAGES, `${dd.comm} took ${total} page faults`);
    const kernelWrites = value(after, `${METRIC}{access="write",comm="${dd.comm}",mode="kernel"}`);
    ok(kernelWrites >= BUFFER_PAGES, `${kernelWrites} kernel-mode write faults`);
    // Starting any program: its code is faulted in by instruction fetches in user mode.
    ok(value(after, `${METRIC}{access="instruction",comm="${dd.comm}",mode="user"}`) > 0);
    for (const [series] of mine) {
      const { mode, access } = labelsOf(series);
      ok(["user", "kernel"].includes(mode), series);
      ok(["read", "write", "instruction"].includes(access), series);
    }
    equal(after.get('ebpf_exporter_decoder_errors_total{config="page_faults"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    dd.remove();
  }
});
