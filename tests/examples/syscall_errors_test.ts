import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { labelsOf, run, seriesWith, uniqueBinary, value } from "./process_helpers.ts";

const FAILURES = 9;

kernelTest("syscall_errors: failed opens counted exactly, by syscall and errno name", [
  "examples/syscall_errors.bpf.o",
], async () => {
  // A bash under a unique name: each `: < missing` is one openat() that fails with ENOENT.
  const bash = uniqueBinary("/bin/bash", "ebpferr");
  const missing = `/nonexistent-ebpf-example-${Deno.pid}`;
  const exporter = await ExporterProcess.start("syscall_errors", {
    extraArgs: ["--config.strict"],
  });
  try {
    const script = `for i in {1..${FAILURES}}; do : < ${missing}; done 2>/dev/null; exit 0`;
    await run(bash.path, ["-c", script]);
    const text = await exporter.scrape();
    const after = parseSamples(text);

    const metric = "ebpf_exporter_syscall_errors_total";
    equal(
      value(after, `${metric}{comm="${bash.comm}",errno="ENOENT",syscall="openat"}`),
      FAILURES,
    );
    for (const [series] of seriesWith(after, `${metric}{comm="${bash.comm}",`)) {
      const { errno, syscall } = labelsOf(series);
      ok(/^E[A-Z0-9]+$/.test(errno), `${series}: errno is not a name`);
      ok(/^[a-z_][a-z0-9_]*$/.test(syscall), `${series}: syscall is not a name`);
    }
    equal(after.get('ebpf_exporter_decoder_errors_total{config="syscall_errors"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    bash.remove();
  }
});
