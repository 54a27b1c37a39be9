import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples, runExporter } from "./helpers/exporter_process.ts";
import { onlineCpus } from "./helpers/host.ts";
import { kernelTest } from "./helpers/kernel.ts";

const FIXTURES = "tests/fixtures/bpf";

/** `bpftool -j link` entries. */
async function bpfLinks(): Promise<{ type: string; prog_id: number }[]> {
  const out = await new Deno.Command("bpftool", { args: ["-j", "link"], stdout: "piped" }).output();
  ok(out.success, "bpftool link failed");
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

kernelTest("perf_event/type=1,config=0,frequency=99 samples on every online CPU", [
  `${FIXTURES}/perf_event_cpu_clock.bpf.o`,
], async () => {
  const cpus = onlineCpus();
  const exporter = await ExporterProcess.start("perf_event_cpu_clock", {
    configDir: FIXTURES,
    extraArgs: ["--config.strict"],
  });
  let id: string | undefined;
  // cpu-clock samples only while a CPU runs something (an idle CPU may take none): keep every
  // CPU busy with a pinned loop for the measured window.
  const busy = cpus.map((cpu) =>
    new Deno.Command("taskset", {
      args: ["-c", String(cpu), "timeout", "1.5", "sh", "-c", "while :; do :; done"],
    }).spawn()
  );
  try {
    await Promise.all(busy.map((b) => b.status));
    const samples = parseSamples(await exporter.scrape());
    id = [...samples.keys()].find((k) => k.includes(`program="count_cpu_clock"`))
      ?.match(/id="(\d+)"/)?.[1];
    ok(id, "no program info for count_cpu_clock");
    equal(samples.get(`ebpf_exporter_ebpf_program_attached{id="${id}"}`), 1);
    for (const cpu of cpus) {
      const n = samples.get(`ebpf_exporter_cpu_clock_samples_total{cpu="${cpu}"}`) ?? 0;
      ok(n > 0, `no CPU clock samples on CPU ${cpu}`);
    }
    // One perf event link per online CPU.
    const links = (await bpfLinks()).filter((l) => l.prog_id === Number(id));
    equal(links.length, cpus.length);
    ok(links.every((l) => l.type === "perf_event"), JSON.stringify(links));
  } finally {
    await exporter.stop();
  }
  // Detached (and the events closed) on shutdown.
  equal((await bpfLinks()).filter((l) => l.prog_id === Number(id)).length, 0);
});

kernelTest("perf_event and xdp sections that cannot attach say why, as attached 0", [
  `${FIXTURES}/custom_attach_fail.bpf.o`,
], async () => {
  const exporter = await ExporterProcess.start("custom_attach_fail", { configDir: FIXTURES });
  try {
    const samples = parseSamples(await exporter.scrape());
    const attached = (program: string) => {
      const id = [...samples.keys()].find((k) => k.includes(`program="${program}"`))
        ?.match(/id="(\d+)"/)?.[1];
      return samples.get(`ebpf_exporter_ebpf_program_attached{id="${id}"}`);
    };
    equal(attached("count_syscalls"), 1);
    equal(attached("no_sample_rate"), 0);
    equal(attached("no_such_interface"), 0);
    match(
      exporter.stderr,
      /program no_sample_rate: attach perf_event\/type=1,config=0: perf_event needs frequency=HZ or sample_period=N/,
    );
    match(
      exporter.stderr,
      /program no_such_interface: attach xdp\/ebpfexp_nosuch: no network interface named "ebpfexp_nosuch"/,
    );
  } finally {
    await exporter.stop();
  }
  const strict = await runExporter(
    [
      "--config.names=custom_attach_fail",
      "--config.check",
      "--config.strict",
    ],
    FIXTURES,
  );
  equal(strict.code, 1);
  match(strict.stderr, /2 program\(s\) not attached under --config.strict: no_sample_rate/);
});
