import { equal, ok } from "#assert";
import { parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { sendDatagrams, startOnLo } from "./lo_xdp.ts";

// XDP on lo: one program at a time. startOnLo waits while another test (tests/xdp_test.ts,
// dns_queries_test.ts) holds it.
const V4_DATAGRAMS = 9;
const V6_DATAGRAMS = 4;

kernelTest("xdp_lo_packets: counts exactly the UDP datagrams sent to 127.0.0.1 and ::1", [
  "examples/xdp_lo_packets.bpf.o",
], async () => {
  const exporter = await startOnLo("xdp_lo_packets");
  try {
    const v4Port = await sendDatagrams("127.0.0.1", V4_DATAGRAMS);
    const v6Port = await sendDatagrams("::1", V6_DATAGRAMS);
    const samples = parseSamples(await exporter.scrape());
    const series = (family: string, protocol: string, port: number | string) =>
      `ebpf_exporter_xdp_lo_packets_total{family="${family}",port="${port}",protocol="${protocol}"}`;
    equal(samples.get(series("ipv4", "udp", v4Port)), V4_DATAGRAMS);
    equal(samples.get(series("ipv6", "udp", v6Port)), V6_DATAGRAMS);
    // The scrape is TCP over lo to the exporter's own port.
    const exporterPort = new URL(exporter.url).port;
    ok((samples.get(series("ipv4", "tcp", exporterPort)) ?? 0) > 0, "no TCP to the exporter");
    const attached = [...samples].filter(([k]) =>
      k.startsWith("ebpf_exporter_ebpf_program_attached")
    );
    equal(attached.length, 1);
    equal(attached[0][1], 1);
    equal(samples.get('ebpf_exporter_decoder_errors_total{config="xdp_lo_packets"}'), 0);
  } finally {
    await exporter.stop();
  }
});
