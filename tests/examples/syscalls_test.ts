import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { labelsOf, run, seriesWith, uniqueBinary, value } from "./process_helpers.ts";

const RUNS = 6;

kernelTest("syscalls: a uniquely named process's syscalls counted by decoded name", [
  "examples/syscalls.bpf.o",
], async () => {
  const tru = uniqueBinary("/usr/bin/true", "ebpfsys");
  const exporter = await ExporterProcess.start("syscalls", { extraArgs: ["--config.strict"] });
  try {
    const before = parseSamples(await exporter.scrape());
    for (let i = 0; i < RUNS; i++) await run(tru.path, []);
    const text = await exporter.scrape();
    const after = parseSamples(text);

    // exit_group (231) is spelled `exit` in upstream's table; each run calls it exactly once.
    const byProcess = "ebpf_exporter_syscalls_by_process_total";
    equal(value(after, `${byProcess}{comm="${tru.comm}",syscall="exit"}`), RUNS);
    const mine = seriesWith(after, `${byProcess}{comm="${tru.comm}",`);
    ok(mine.length > 3, `only ${mine.length} syscalls seen for ${tru.comm}`);
    for (const [series] of mine) {
      const { syscall } = labelsOf(series);
      ok(/^[a-z_][a-z0-9_]*$/.test(syscall), `${series}: syscall is not a name`);
    }
    // The dynamic loader maps the C library: every run made mmap calls too.
    ok(value(after, `${byProcess}{comm="${tru.comm}",syscall="mmap"}`) >= RUNS);

    const total = "ebpf_exporter_syscalls_total";
    const exits = value(after, `${total}{syscall="exit"}`) -
      value(before, `${total}{syscall="exit"}`);
    ok(exits >= RUNS, `syscalls_total{syscall="exit"} grew by ${exits}`);
    equal(after.get('ebpf_exporter_decoder_errors_total{config="syscalls"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    tru.remove();
  }
});
