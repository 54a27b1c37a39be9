import { equal } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";

const FIXTURES = "tests/fixtures/bpf";
const MARK_LIBRARY = "ffi/mark/libebpf_exporter_mark.so";

const marks = async (exporter: ExporterProcess) =>
  parseSamples(await exporter.scrape()).get("ebpf_exporter_post_attach_marks_total");

kernelTest("uprobe//proc/self/exe:post_attach_mark runs exactly once, after attach", [
  `${FIXTURES}/post_attach_mark.bpf.o`,
  MARK_LIBRARY,
], async () => {
  const first = await ExporterProcess.start("post_attach_mark", {
    configDir: FIXTURES,
    extraArgs: ["--config.strict"],
  });
  try {
    equal(await marks(first), 1);
    equal(await marks(first), 1);
    // A second exporter's mark fires its own uprobe only (the uprobe is per process).
    const second = await ExporterProcess.start("post_attach_mark", { configDir: FIXTURES });
    try {
      equal(await marks(second), 1);
      equal(await marks(first), 1);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});
