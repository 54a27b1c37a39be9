import { equal, ok } from "#assert";
import { parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { startOnLo } from "./lo_xdp.ts";

// XDP on lo: one program at a time. startOnLo waits while another test (tests/xdp_test.ts,
// xdp_lo_packets_test.ts) holds it.
const A_QUERIES = 6;
const AAAA_QUERIES = 3;
const TYPE_A = 1;
const TYPE_AAAA = 28;

/** A DNS message with one question (no server needed: XDP sees it on the way in). */
function dnsMessage(name: string, qtype: number, response = false): Uint8Array {
  const labels = name.split(".").map((l) => new TextEncoder().encode(l));
  const out = new Uint8Array(12 + labels.reduce((n, l) => n + 1 + l.length, 0) + 1 + 4);
  const view = new DataView(out.buffer);
  view.setUint16(0, Math.floor(Math.random() * 65536)); // id
  view.setUint16(2, response ? 0x8180 : 0x0100); // QR, RD (and RA for the response)
  view.setUint16(4, 1); // QDCOUNT
  let off = 12;
  for (const label of labels) {
    out[off++] = label.length;
    out.set(label, off);
    off += label.length;
  }
  out[off++] = 0;
  view.setUint16(off, qtype);
  view.setUint16(off + 2, 1); // class IN
  return out;
}

async function send(hostname: string, message: Uint8Array, times: number): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname, port: 0 });
  try {
    for (let i = 0; i < times; i++) {
      await socket.send(message, { transport: "udp", hostname, port: 53 });
    }
  } finally {
    socket.close();
  }
}

kernelTest("dns_queries: DNS questions sent to port 53 on lo, by decoded name and type", [
  "examples/dns_queries.bpf.o",
], async () => {
  const exporter = await startOnLo("dns_queries");
  try {
    const unique = `q${Deno.pid}-${Date.now().toString(36)}`;
    const name = `${unique}.example.com`;
    // 40 + 30 characters: only the first label fits whole into the 64-byte field.
    const longFirst = `l${unique}`.padEnd(40, "x");
    const longName = `${longFirst}.${"y".repeat(30)}.example.com`;
    await send("127.0.0.1", dnsMessage(name, TYPE_A), A_QUERIES);
    await send("::1", dnsMessage(name, TYPE_AAAA), AAAA_QUERIES);
    await send("127.0.0.1", dnsMessage(longName, TYPE_A), 1);
    // The longest names that fit: 62 characters with their type, 63 without it.
    const fits62 = `${unique}.`.padEnd(62, "z");
    const fits63 = `${unique}.`.padEnd(63, "z");
    await send("127.0.0.1", dnsMessage(fits62, TYPE_A), 1);
    await send("127.0.0.1", dnsMessage(fits63, TYPE_A), 1);
    await send("127.0.0.1", dnsMessage(`r${unique}.example.com`, TYPE_A, true), 2); // responses

    const samples = parseSamples(await exporter.scrape());
    const series = (n: string, type: string) =>
      `ebpf_exporter_dns_queries_total{name="${n}",type="${type}"}`;
    equal(samples.get(series(name, "A")), A_QUERIES);
    equal(samples.get(series(name, "AAAA")), AAAA_QUERIES);
    equal(samples.get(series(longFirst, "0")), 1);
    equal(samples.get(series(fits62, "A")), 1);
    equal(samples.get(series(fits63, "0")), 1);
    const ours = [...samples.keys()].filter((k) => k.includes(unique));
    equal(ours.length, 5, `responses must not count: ${ours.join(", ")}`);
    equal(samples.get('ebpf_exporter_decoder_errors_total{config="dns_queries"}'), 0);
    ok(!exporter.stderr.includes("ERROR"), exporter.stderr);
  } finally {
    await exporter.stop();
  }
});
