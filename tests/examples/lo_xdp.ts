/**
 * Starting an exporter whose config attaches XDP to lo. An interface has one XDP program at a
 * time: while another test holds lo (tests/xdp_test.ts, or the other of xdp_lo_packets and
 * dns_queries), the attach fails with EBUSY and, under --config.strict, the exporter exits. Such a
 * start is retried for a while instead of failing at once. Also: UDP datagrams sent over loopback.
 * @module
 */

import { ExporterProcess } from "../helpers/exporter_process.ts";

/** Starts `config` under --config.strict, retrying for up to 15 s while lo's XDP slot is busy. */
export async function startOnLo(config: string): Promise<ExporterProcess> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await ExporterProcess.start(config, { extraArgs: ["--config.strict"] });
    } catch (e) {
      const busy = /attach xdp\/lo .*Device or resource busy/.test(String(e));
      if (!busy || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Sends `count` UDP datagrams to a fresh receiver on `hostname` and waits until all arrived;
 * returns the receiver's port.
 */
export async function sendDatagrams(hostname: string, count: number): Promise<number> {
  const receiver = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
  const sender = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
  const port = (receiver.addr as Deno.NetAddr).port;
  try {
    for (let i = 0; i < count; i++) {
      await sender.send(new TextEncoder().encode(`datagram ${i}`), {
        transport: "udp",
        hostname,
        port,
      });
    }
    for (let i = 0; i < count; i++) await receiver.receive();
  } finally {
    sender.close();
    receiver.close();
  }
  return port;
}
