import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";

const DATAGRAMS = 3000;

/** The `drops` column of /proc/net/udp for the socket bound to 127.0.0.1:`port`. */
function kernelDrops(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of Deno.readTextFileSync("/proc/net/udp").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local) return Number(fields.at(-1));
  }
  throw new Error(`no socket on ${local} in /proc/net/udp`);
}

/** Reads whatever is queued on `socket`, stopping after 200 ms without a datagram. */
async function drain(socket: Deno.DatagramConn): Promise<number> {
  let received = 0;
  for (;;) {
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), 200));
    const got = await Promise.race([socket.receive(), timeout]);
    if (got === null) return received;
    received++;
  }
}

kernelTest("udp_drops: a receiver that never reads loses the datagrams beyond its buffer", [
  "examples/udp_drops.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("udp_drops", { extraArgs: ["--config.strict"] });
  const receiver = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const sender = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (receiver.addr as Deno.NetAddr).port;
  try {
    const payload = new Uint8Array(1000);
    for (let i = 0; i < DATAGRAMS; i++) {
      await sender.send(payload, { transport: "udp", hostname: "127.0.0.1", port });
    }
    // Under load the stack may still be delivering (softirqs deferred to ksoftirqd): wait until
    // the socket's own drop count is stable, then compare with the exporter's.
    let drops = kernelDrops(port);
    for (let stable = 0; stable < 3;) {
      await new Promise((r) => setTimeout(r, 30));
      const now = kernelDrops(port);
      stable = now === drops ? stable + 1 : 0;
      drops = now;
    }
    const samples = parseSamples(await exporter.scrape());
    const ours = [...samples].filter(([k]) =>
      k.startsWith("ebpf_exporter_udp_receive_drops_total{") && k.includes(`port="${port}"`)
    );
    // The default receive buffer (net.core.rmem_default, ~208 KiB) holds a few hundred.
    ok(drops > 0, `the kernel dropped nothing out of ${DATAGRAMS}`);
    equal(ours.reduce((n, [, v]) => n + v, 0), drops, `the kernel's drops column says ${drops}`);
    // -ENOMEM: the receive buffer is full (-ENOBUFS if UDP's global memory ran out first).
    for (const [k] of ours) ok(/error="(ENOMEM|ENOBUFS)"/.test(k), k);
    ok(ours.some(([k]) => k.includes('error="ENOMEM"')), ours.join(", "));
    const received = await drain(receiver);
    // Exact unless the loopback backlog itself overflowed (a CPU_BACKLOG drop, not a UDP one).
    ok(received + drops <= DATAGRAMS, `received ${received}, dropped ${drops}`);
    ok(received + drops >= DATAGRAMS * 0.9, `received ${received}, dropped ${drops}`);
    equal(samples.get('ebpf_exporter_decoder_errors_total{config="udp_drops"}'), 0);
  } finally {
    sender.close();
    receiver.close();
    await exporter.stop();
  }
});
