import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";
import { withNamedBinary } from "./helpers/named_binary.ts";

const FIXTURES = "tests/fixtures/bpf";

/** Runs a copy of `true` named `ebpfdumptest` (the fixture counts only that comm) `times` times. */
function runTestProcess(times: number): Promise<void> {
  return withNamedBinary("/usr/bin/true", "ebpfdumptest", async (exe) => {
    for (let i = 0; i < times; i++) {
      const out = await new Deno.Command(exe).output();
      ok(out.success);
    }
  });
}

/**
 * The exposition without the program run statistics, which only the live exporter can have, and
 * the exporter's own timings, which differ from scrape to scrape.
 */
const comparable = (text: string) =>
  text.split("\n").filter((l) =>
    !/ebpf_exporter_(ebpf_program_run_|scrape_collector_duration_seconds|map_read_duration_seconds)/
      .test(l)
  ).join("\n");

kernelTest("a /maps JSON dump replays to exactly the series the exporter served", [
  `${FIXTURES}/dump_replay.bpf.o`,
], async () => {
  const live = await ExporterProcess.start("dump_replay", {
    configDir: FIXTURES,
    extraArgs: ["--debug"],
  });
  const dumpFile = Deno.makeTempFileSync({ suffix: ".json" });
  let served: string;
  try {
    await runTestProcess(5);
    served = await live.scrape();
    const samples = parseSamples(served);
    // Each run of `true` ends with exactly one exit_group (upstream's name for it: "exit").
    equal(samples.get('ebpf_exporter_test_syscalls_total{syscall="exit"}'), 5, served);
    ok([...samples.keys()].some((k) => /test_syscalls_by_cpu_total\{cpu="\d+",syscall=/.test(k)));
    ok(samples.has('ebpf_exporter_test_syscall_ids_count{parity="odd"}'));

    const text = await live.scrape("/maps");
    match(text, /map test_syscalls_total \(counter, type 1, key 4 bytes/);
    match(text, /\{syscall="exit"\} 5/);
    Deno.writeTextFileSync(dumpFile, await live.scrape("/maps?format=json"));
    equal(
      comparable(await live.scrape()),
      comparable(served),
      "the maps moved between scrape and dump",
    );
  } finally {
    await live.stop();
  }

  // No --allow-ffi: replay needs no kernel, no libbpf, no privileges.
  const replay = await ExporterProcess.start("dump_replay", {
    configDir: FIXTURES,
    extraArgs: [`--maps.replay=${dumpFile}`],
    permissions: { ffi: false, read: [dumpFile] },
  });
  try {
    equal(comparable(await replay.scrape()), comparable(served));
  } finally {
    await replay.stop();
    Deno.removeSync(dumpFile);
  }
});

kernelTest("/maps is not served without --debug", [`${FIXTURES}/dump_replay.bpf.o`], async () => {
  const exporter = await ExporterProcess.start("dump_replay", { configDir: FIXTURES });
  try {
    const res = await fetch(`${exporter.url}/maps`);
    equal(res.status, 404);
    await res.body?.cancel();
  } finally {
    await exporter.stop();
  }
});
