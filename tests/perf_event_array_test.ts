import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";
import { withNamedBinary } from "./helpers/named_binary.ts";

const FIXTURES = "tests/fixtures/bpf";
const OBJECT = `${FIXTURES}/perf_events.bpf.o`;

/** Runs a copy of `true` named `name` `times` times (each run ends in one exit_group). */
function runAs(name: string, times: number): Promise<void> {
  return withNamedBinary("/usr/bin/true", name, async (exe) => {
    for (let i = 0; i < times; i++) ok((await new Deno.Command(exe).output()).success);
  });
}

/**
 * Runs processes named `${prefix}N` 6 times and scrapes until one attempt's count is exactly 6
 * (flush_interval is 2 s: a flush can fall between the events and the scrape). Returns the
 * number of processes run.
 */
async function countExactly(exporter: ExporterProcess, prefix: string): Promise<number> {
  let runs = 0;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const comm = `${prefix}${attempt}`;
    await runAs(comm, 6);
    runs += 6;
    const samples = parseSamples(await exporter.scrape());
    // The 4-byte events of test_short_events_total are shorter than their 8-byte label.
    ok(![...samples.keys()].some((k) => k.startsWith("ebpf_exporter_test_short_events_total")));
    if (samples.get(`ebpf_exporter_test_exits_total{comm="${comm}",syscall="exit"}`) === 6) {
      return runs;
    }
  }
  throw new Error(`no attempt of ${prefix} saw exactly 6 events`);
}

kernelTest("perf_event_array counter: one count per event, exact; flush_interval empties it", [
  OBJECT,
], async () => {
  const exporter = await ExporterProcess.start("perf_events", {
    configDir: FIXTURES,
    extraArgs: ["--config.strict"],
  });
  try {
    let runs = await countExactly(exporter, "ebpfperf");
    let samples = parseSamples(await exporter.scrape());
    equal(samples.get('ebpf_exporter_decoder_errors_total{config="perf_events"}'), runs);
    equal(
      samples.get(
        'ebpf_exporter_perf_event_array_lost_total{config="perf_events",map="test_exits_total"}',
      ),
      0,
    );

    // No new events: within one flush interval (2 s) the family is gone, HELP and TYPE included.
    const deadline = Date.now() + 5000;
    let text = await exporter.scrape();
    while (text.includes("ebpf_exporter_test_exits_total") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      text = await exporter.scrape();
    }
    ok(!text.includes("ebpf_exporter_test_exits_total"), text);

    // New events bring it back, counted from zero; decode errors are never reset.
    runs += await countExactly(exporter, "ebpfperfnew");
    samples = parseSamples(await exporter.scrape());
    equal(samples.get('ebpf_exporter_decoder_errors_total{config="perf_events"}'), runs);
  } finally {
    const status = await exporter.stop();
    equal(status.code, 0, exporter.stderr);
  }
});

kernelTest("a config with event maps replays from a /maps dump (no event counts in it)", [
  OBJECT,
], async () => {
  const live = await ExporterProcess.start("perf_events", {
    configDir: FIXTURES,
    extraArgs: ["--debug"],
  });
  const dumpFile = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    Deno.writeTextFileSync(dumpFile, await live.scrape("/maps?format=json"));
  } finally {
    await live.stop();
  }
  const replay = await ExporterProcess.start("perf_events", {
    configDir: FIXTURES,
    extraArgs: [`--maps.replay=${dumpFile}`],
    permissions: { ffi: false, read: [dumpFile] },
  });
  try {
    const samples = parseSamples(await replay.scrape());
    equal(samples.get('ebpf_exporter_decoder_errors_total{config="perf_events"}'), 0);
    ok(![...samples.keys()].some((k) => k.startsWith("ebpf_exporter_test_exits_total")));
  } finally {
    await replay.stop();
    Deno.removeSync(dumpFile);
  }
});
