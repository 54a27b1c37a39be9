import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";

const DATAGRAMS = 40;
const PAYLOAD = 1200;
const UDP_IP = 8 + 20; // UDP + IPv4 headers
const ETHERNET = 14;

kernelTest("netdev_packets: loopback datagrams count as lo rx and tx packets and bytes", [
  "examples/netdev_packets.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("netdev_packets", {
    extraArgs: ["--config.strict"],
  });
  const receiver = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const sender = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (receiver.addr as Deno.NetAddr).port;
  try {
    const metric = (m: Map<string, number>, name: string, direction: string) =>
      m.get(`ebpf_exporter_netdev_${name}_total{device="lo",direction="${direction}"}`) ?? 0;
    const before = parseSamples(await exporter.scrape());
    for (let i = 0; i < DATAGRAMS; i++) {
      await sender.send(new Uint8Array(PAYLOAD), { transport: "udp", hostname: "127.0.0.1", port });
    }
    for (let i = 0; i < DATAGRAMS; i++) await receiver.receive();
    const after = parseSamples(await exporter.scrape());
    const grew = (name: string, direction: string) =>
      metric(after, name, direction) - metric(before, name, direction);

    // Other loopback traffic (including the scrape itself) adds to it.
    ok(grew("packets", "tx") >= DATAGRAMS, `lo tx packets grew by ${grew("packets", "tx")}`);
    ok(grew("packets", "rx") >= DATAGRAMS, `lo rx packets grew by ${grew("packets", "rx")}`);
    const txBytes = DATAGRAMS * (PAYLOAD + UDP_IP + ETHERNET);
    const rxBytes = DATAGRAMS * (PAYLOAD + UDP_IP);
    ok(grew("bytes", "tx") >= txBytes, `lo tx bytes grew by ${grew("bytes", "tx")} < ${txBytes}`);
    ok(grew("bytes", "rx") >= rxBytes, `lo rx bytes grew by ${grew("bytes", "rx")} < ${rxBytes}`);

    // Devices are names, directions rx / tx.
    for (const [name] of after) {
      if (!name.startsWith("ebpf_exporter_netdev_")) continue;
      ok(/\{device="[^"]+",direction="(rx|tx)"\}$/.test(name), name);
      ok(!/device="unknown:/.test(name), name);
    }
    equal(after.get('ebpf_exporter_decoder_errors_total{config="netdev_packets"}'), 0);
  } finally {
    sender.close();
    receiver.close();
    await exporter.stop();
  }
});
