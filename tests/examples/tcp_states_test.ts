import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";

const CONNECTIONS = 10;

/** Opens `CONNECTIONS` connections to a local server; the client closes first, then the server. */
async function connectAndClose(): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    for (let i = 0; i < CONNECTIONS; i++) {
      const client = await Deno.connect({ hostname: "127.0.0.1", port });
      const server = await listener.accept();
      await client.write(new TextEncoder().encode("hello"));
      await server.read(new Uint8Array(16));
      client.close(); // active close: ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2
      // the server sees EOF (CLOSE_WAIT), then closes: LAST_ACK -> CLOSE
      equal(await server.read(new Uint8Array(16)), null);
      server.close();
    }
  } finally {
    listener.close();
  }
}

kernelTest("tcp_states: connections to a local server move through named TCP states", [
  "examples/tcp_states.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("tcp_states", { extraArgs: ["--config.strict"] });
  try {
    const series = (from: string, to: string) =>
      `ebpf_exporter_tcp_state_changes_total{new_state="${to}",old_state="${from}"}`;
    const before = parseSamples(await exporter.scrape());
    await connectAndClose();
    await new Promise((r) => setTimeout(r, 100)); // the last LAST_ACK -> CLOSE
    const after = parseSamples(await exporter.scrape());
    const grew = (from: string, to: string) =>
      (after.get(series(from, to)) ?? 0) - (before.get(series(from, to)) ?? 0);

    // Other processes may open TCP connections meanwhile: at least ours are counted.
    for (
      const [from, to] of [
        ["CLOSE", "SYN_SENT"], // connect()
        ["SYN_SENT", "ESTABLISHED"], // the client's side of the handshake
        ["SYN_RECV", "ESTABLISHED"], // the server's accepted child socket
        ["ESTABLISHED", "FIN_WAIT1"], // client closes first
        ["FIN_WAIT1", "FIN_WAIT2"],
        ["ESTABLISHED", "CLOSE_WAIT"], // server receives the FIN
        ["CLOSE_WAIT", "LAST_ACK"], // server closes
        ["LAST_ACK", "CLOSE"],
      ]
    ) {
      ok(grew(from, to) >= CONNECTIONS, `${from} -> ${to} grew by ${grew(from, to)}`);
    }
    // Every label is a state name, never a number.
    for (const [name] of after) {
      if (!name.startsWith("ebpf_exporter_tcp_state_changes_total{")) continue;
      ok(/old_state="[A-Z_0-9]+"/.test(name) && !/state="(unknown:)?\d+"/.test(name), name);
    }
    equal(after.get('ebpf_exporter_decoder_errors_total{config="tcp_states"}'), 0);
  } finally {
    await exporter.stop();
  }
});
