import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";

/**
 * The retransmissions are caused deterministically and privately, without touching lo for anyone
 * else: a listener with backlog 0 (through libc; Deno.listen has no backlog option) takes one
 * connection into its accept queue and never accepts it, so the queue is full and the kernel drops
 * the next client's SYN. That client retransmits its SYN after the initial RTO (1 s), in state
 * SYN_SENT, and each retransmission fires tcp/tcp_retransmit_skb.
 */
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM_NONBLOCK = 1 | 0o4000;

const libc = Deno.dlopen("libc.so.6", {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
});

/** sockaddr_in / sockaddr_in6 for the loopback address of `family` and `port`. */
function loopback(family: number, port: number): Uint8Array {
  const addr = new Uint8Array(family === AF_INET ? 16 : 28);
  const view = new DataView(addr.buffer);
  view.setUint16(0, family, true);
  view.setUint16(2, port, false);
  if (family === AF_INET) addr.set([127, 0, 0, 1], 4);
  else addr[8 + 15] = 1; // ::1
  return addr;
}

function localPort(fd: number, family: number): number {
  const addr = new Uint8Array(family === AF_INET ? 16 : 28);
  const len = new Uint32Array([addr.length]);
  if (libc.symbols.getsockname(fd, addr, new Uint8Array(len.buffer)) !== 0) {
    throw new Error("getsockname failed");
  }
  return new DataView(addr.buffer).getUint16(2, false);
}

function socket(family: number): number {
  const fd = libc.symbols.socket(family, SOCK_STREAM_NONBLOCK, 0);
  if (fd < 0) throw new Error("socket failed");
  return fd;
}

/** A listener with a full accept queue and a client stuck in SYN_SENT; close() releases all. */
async function stuckHandshake(family: number) {
  const fds: number[] = [];
  try {
    const server = socket(family);
    fds.push(server);
    const bound = loopback(family, 0);
    if (libc.symbols.bind(server, bound, bound.length) !== 0) throw new Error("bind failed");
    if (libc.symbols.listen(server, 0) !== 0) throw new Error("listen failed");
    const port = localPort(server, family);
    const target = loopback(family, port);
    const queued = socket(family); // completes the handshake and fills the accept queue
    fds.push(queued);
    libc.symbols.connect(queued, target, target.length); // EINPROGRESS
    await new Promise((r) => setTimeout(r, 50));
    const stuck = socket(family); // its SYN is dropped: the queue is full
    fds.push(stuck);
    libc.symbols.connect(stuck, target, target.length);
    return {
      serverPort: port,
      clientPort: localPort(stuck, family),
      close: () => fds.forEach((fd) => libc.symbols.close(fd)),
    };
  } catch (e) {
    fds.forEach((fd) => libc.symbols.close(fd));
    throw e;
  }
}

kernelTest("tcp_retransmits: SYN retransmissions by exact IPv4 and IPv6 address and port", [
  "examples/tcp_retransmits.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("tcp_retransmits", {
    extraArgs: ["--config.strict"],
  });
  const v4 = await stuckHandshake(AF_INET);
  let v6: Awaited<ReturnType<typeof stuckHandshake>> | undefined;
  try {
    v6 = await stuckHandshake(AF_INET6);
    const series = (addr: string, c: { clientPort: number; serverPort: number }) =>
      `ebpf_exporter_tcp_retransmits_total{daddr="${addr}",dport="${c.serverPort}",` +
      `saddr="${addr}",sport="${c.clientPort}",state="SYN_SENT"}`;
    const v4Series = series("127.0.0.1", v4);
    const v6Series = series("::1", v6);
    let samples = new Map<string, number>();
    // The first SYN retransmission comes after the initial RTO of 1 s (the next one after 3 s).
    for (let i = 0; i < 30; i++) {
      samples = parseSamples(await exporter.scrape());
      if (samples.has(v4Series) && samples.has(v6Series)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // One retransmission each by now (the second comes 3 s after connect; a slow scrape may see it).
    for (const s of [v4Series, v6Series]) {
      const value = samples.get(s) ?? 0;
      ok(value >= 1 && value <= 2, `${s} is ${value}`);
    }
    // Nothing else retransmitted on these private connections (e.g. in another state).
    for (const [name] of samples) {
      if (!name.startsWith("ebpf_exporter_tcp_retransmits_total{")) continue;
      if (name.includes(`sport="${v4.clientPort}"`) && name.includes(`dport="${v4.serverPort}"`)) {
        equal(name, v4Series);
      }
    }
    equal(samples.get('ebpf_exporter_decoder_errors_total{config="tcp_retransmits"}'), 0);
    ok(!exporter.stderr.includes("ERROR"), exporter.stderr);
  } finally {
    v4.close();
    v6?.close();
    await exporter.stop();
  }
});
