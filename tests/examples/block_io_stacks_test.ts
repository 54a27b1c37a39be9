import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";

const WRITES = 16;
const PREFIX = "ebpf_exporter_block_io_stacks_total{";

/** Stack label (frames) -> value. */
function stacks(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [series, value] of parseSamples(text)) {
    if (!series.startsWith(PREFIX)) continue;
    const label = series.slice(PREFIX.length).match(/^stack="(.*)"\}$/)![1];
    out.set(label.replaceAll("\\n", "\n"), value);
  }
  return out;
}

kernelTest("block_io_stacks: direct writes are counted under kernel stacks with symbol names", [
  "examples/block_io_stacks.bpf.o",
], async () => {
  const dir = Deno.makeTempDirSync({ dir: "/var/tmp" }); // on the disk, not tmpfs
  const exporter = await ExporterProcess.start("block_io_stacks", {
    extraArgs: ["--config.strict"],
  });
  try {
    const before = stacks(await exporter.scrape());
    const dd = await new Deno.Command("dd", {
      args: ["if=/dev/zero", `of=${dir}/io`, "bs=64k", `count=${WRITES}`, "oflag=direct"],
      stderr: "piped",
    }).output();
    ok(dd.success, new TextDecoder().decode(dd.stderr));
    const text = await exporter.scrape();
    const after = stacks(text);

    let total = 0;
    let fromWriteSyscall = 0;
    for (const [stack, value] of after) {
      const frames = stack.split("\n");
      const grew = value - (before.get(stack) ?? 0);
      total += grew;
      // The BPF program's own frame and bpf_trace_run1 are skipped: the tracepoint's caller is first.
      equal(frames[0], "blk_mq_start_request", stack);
      ok(!frames.some((f) => f === "??" || f.includes("[bpf]")), stack);
      ok(frames.length <= 20, `${frames.length} frames`);
      if (frames.includes("vfs_write")) fromWriteSyscall += grew;
    }
    ok(total >= WRITES, `${total} requests issued for ${WRITES} direct writes`);
    // Direct IO is issued from the writing process's syscall (here: dd's write(2)).
    ok(fromWriteSyscall >= 1, [...after.keys()].join("\n\n"));
    equal(
      parseSamples(text).get('ebpf_exporter_decoder_errors_total{config="block_io_stacks"}'),
      0,
    );
  } finally {
    await exporter.stop();
    Deno.removeSync(dir, { recursive: true });
  }
});
