import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";
import { promtoolCheckMetrics } from "./helpers/promtool.ts";

function kernelTextSymbols(): Set<string> {
  const names = new Set<string>();
  for (const line of Deno.readTextFileSync("/proc/kallsyms").split("\n")) {
    const [, type, name] = line.split(/\s+/);
    if (type === "t" || type === "T") names.add(name);
  }
  return names;
}

kernelTest("timers: counts timer_start by real kernel function names", [
  "examples/timers.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("timers");
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const first = parseSamples(await exporter.scrape());
    const timers = [...first].filter(([k]) => k.startsWith("ebpf_exporter_timer_starts_total{"));
    ok(timers.length > 0, "no timer_starts_total series after 1.5 s");
    const symbols = kernelTextSymbols();
    for (const [series, value] of timers) {
      const fn = series.match(/function="([^"]*)"/)![1];
      ok(symbols.has(fn), `${fn} is not a kernel text symbol`);
      ok(value > 0, `${series} is ${value}`);
    }

    await new Promise((r) => setTimeout(r, 1000));
    const text = await exporter.scrape();
    const second = parseSamples(text);
    const total = (m: Map<string, number>) =>
      [...m].filter(([k]) => k.startsWith("ebpf_exporter_timer_starts_total{"))
        .reduce((n, [, v]) => n + v, 0);
    ok(total(second) > total(first), "timer counts did not grow");
    for (const [series, value] of timers) {
      ok((second.get(series) ?? 0) >= value, `${series} went backwards`);
    }

    equal(second.get('ebpf_exporter_enabled_configs{name="timers"}'), 1);
    equal(second.get('ebpf_exporter_decoder_errors_total{config="timers"}'), 0);
    const info = [...second.keys()].find((k) => k.startsWith("ebpf_exporter_ebpf_program_info{"));
    ok(info, "no ebpf_program_info");
    ok(/config="timers",id="\d+",program="count_timer_start",tag="[0-9a-f]{16}"/.test(info!), info);
    const id = info!.match(/id="(\d+)"/)![1];
    equal(second.get(`ebpf_exporter_ebpf_program_attached{id="${id}"}`), 1);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
  }
});

kernelTest("SIGTERM detaches every program and exits 0", ["examples/timers.bpf.o"], async () => {
  const exporter = await ExporterProcess.start("timers");
  const text = await exporter.scrape();
  const id = text.match(/ebpf_exporter_ebpf_program_attached\{id="(\d+)"\} 1/)?.[1];
  ok(id, "no attached program");
  const status = await exporter.stop("SIGTERM");
  equal(status.code, 0, exporter.stderr);
  ok(exporter.stderr.includes("detaching programs"), exporter.stderr);
  // The kernel frees a program after an RCU grace period: poll briefly.
  let loaded = true;
  for (let i = 0; i < 50 && loaded; i++) {
    const show = await new Deno.Command("bpftool", { args: ["prog", "show", "id", id!] }).output();
    loaded = show.success;
    if (loaded) await new Promise((r) => setTimeout(r, 100));
  }
  ok(!loaded, `program ${id} is still loaded 5 s after exit`);
});
