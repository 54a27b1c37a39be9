import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";

const DATAGRAMS = 25;

/** A UDP port on 127.0.0.1 that nothing listens on (bound, then released). */
function closedUdpPort(): number {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  socket.close();
  return port;
}

kernelTest("skb_drops: UDP datagrams to a closed port are dropped as NO_SOCKET", [
  "examples/skb_drops.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("skb_drops", { extraArgs: ["--config.strict"] });
  const sender = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    const noSocket = 'ebpf_exporter_skb_drops_total{reason="NO_SOCKET"}';
    const before = parseSamples(await exporter.scrape());
    const port = closedUdpPort();
    for (let i = 0; i < DATAGRAMS; i++) {
      await sender.send(new TextEncoder().encode(`nobody listens ${i}`), {
        transport: "udp",
        hostname: "127.0.0.1",
        port,
      });
    }
    const after = parseSamples(await exporter.scrape());
    const dropped = (after.get(noSocket) ?? 0) - (before.get(noSocket) ?? 0);
    // Other traffic to closed ports may add to it; ours is all there.
    ok(dropped >= DATAGRAMS, `NO_SOCKET grew by ${dropped}, expected >= ${DATAGRAMS}`);
    for (const [name] of after) {
      if (!name.startsWith("ebpf_exporter_skb_drops_total{")) continue;
      // Core reasons are names; only subsystem reasons (>= 65536) may stay numbers.
      const reason = name.match(/reason="([^"]*)"/)![1];
      ok(/^[A-Z][A-Z0-9_]*$/.test(reason) || Number(reason) >= 65536, name);
    }
    equal(after.get('ebpf_exporter_decoder_errors_total{config="skb_drops"}'), 0);
  } finally {
    sender.close();
    await exporter.stop();
  }
});
