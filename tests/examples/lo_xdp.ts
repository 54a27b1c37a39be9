/**
 * Starting an exporter whose config attaches XDP to lo. An interface has one XDP program at a
 * time: while another test holds lo (tests/xdp_test.ts, or the other of xdp_lo_packets and
 * dns_queries), the attach fails with EBUSY and, under --config.strict, the exporter exits. Such a
 * start is retried for a while instead of failing at once.
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
