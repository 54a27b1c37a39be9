import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { cgroup2Root } from "./helpers/host.ts";
import { kernelTest } from "./helpers/kernel.ts";

const FIXTURES = "tests/fixtures/bpf";

kernelTest("an upstream-style classic tracepoint config loads strictly and counts exactly", [
  `${FIXTURES}/tracepoint_open.bpf.o`,
], async () => {
  const exporter = await ExporterProcess.start("tracepoint_open", {
    configDir: FIXTURES,
    extraArgs: ["--config.strict"],
  });
  try {
    const child = new Deno.Command("bash", {
      args: ["-c", "for i in $(seq 7); do : < /etc/hostname; done; echo $$"],
      stdout: "piped",
    });
    const out = await child.output();
    const pid = new TextDecoder().decode(out.stdout).trim();
    const samples = parseSamples(await exporter.scrape());
    equal(samples.get(`ebpf_exporter_hostname_opens_total{pid="${pid}"}`), 7);
  } finally {
    await exporter.stop();
  }
});

kernelTest("a cgroup created after start-up is resolved to its path without a restart", [
  `${FIXTURES}/tracepoint_open.bpf.o`,
], async () => {
  const exporter = await ExporterProcess.start("tracepoint_open", { configDir: FIXTURES });
  await exporter.scrape(); // the cgroup index is built before the cgroup exists
  const path = `${cgroup2Root()}/ebpf-exporter-e2e-${Deno.pid}`;
  Deno.mkdirSync(path);
  try {
    const out = await new Deno.Command("bash", {
      args: [
        "-c",
        `echo $$ > ${path}/cgroup.procs && for i in $(seq 4); do : < /etc/hostname; done`,
      ],
    }).output();
    ok(out.success, new TextDecoder().decode(out.stderr));
    const samples = parseSamples(await exporter.scrape());
    equal(samples.get(`ebpf_exporter_hostname_opens_by_cgroup_total{cgroup="${path}"}`), 4);
  } finally {
    await exporter.stop();
    Deno.removeSync(path);
  }
});
