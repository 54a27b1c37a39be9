import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";
import { sendDatagrams } from "./examples/lo_xdp.ts";

const FIXTURES = "tests/fixtures/bpf";
const DATAGRAMS = 7;

async function ipLinkLo(): Promise<string> {
  const out = await new Deno.Command("ip", { args: ["link", "show", "lo"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

kernelTest("xdp/lo counts exactly the UDP datagrams sent over loopback", [
  `${FIXTURES}/xdp_lo.bpf.o`,
], async () => {
  const exporter = await ExporterProcess.start("xdp_lo", {
    configDir: FIXTURES,
    extraArgs: ["--config.strict"],
  });
  let id: string | undefined;
  try {
    const port = await sendDatagrams("127.0.0.1", DATAGRAMS);
    const samples = parseSamples(await exporter.scrape());
    equal(samples.get(`ebpf_exporter_lo_packets_total{port="${port}",protocol="udp"}`), DATAGRAMS);
    id = [...samples.keys()].find((k) => k.includes(`program="count_lo_packets"`))
      ?.match(/id="(\d+)"/)?.[1];
    equal(samples.get(`ebpf_exporter_ebpf_program_attached{id="${id}"}`), 1);
    // The scrapes themselves are TCP over lo, to the exporter's port.
    const exporterPort = new URL(exporter.url).port;
    ok(
      (samples.get(`ebpf_exporter_lo_packets_total{port="${exporterPort}",protocol="tcp"}`) ?? 0) >
        0,
    );
    match(await ipLinkLo(), new RegExp(`prog/xdp id ${id} `));
  } finally {
    await exporter.stop();
  }
  ok(!/prog\/xdp/.test(await ipLinkLo()), "XDP still attached to lo after shutdown");
});
