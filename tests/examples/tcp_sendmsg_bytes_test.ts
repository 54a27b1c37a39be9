import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples, runExporter } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { namedBinary } from "../helpers/named_binary.ts";

// Needs kprobes. On a kernel without them (like the one this was written on) the test asserts the
// exporter's diagnosis; on a kernel with them it checks the counts.

const BYTES = 100_000;

kernelTest("tcp_sendmsg_bytes: counts bytes sent by comm, or says the kernel lacks kprobes", [
  "examples/tcp_sendmsg_bytes.bpf.o",
], async () => {
  const check = await runExporter([
    "--config.names=tcp_sendmsg_bytes",
    "--config.check",
    "--config.strict",
  ]);
  if (check.code !== 0) {
    match(check.stderr, /program count_tcp_sendmsg: attach kprobe\/tcp_sendmsg: .*\(errno \d+\): /);
    match(check.stderr, /the kernel lacks kprobes/);
    match(check.stderr, /not attached under --config.strict: count_tcp_sendmsg \(/);
    return;
  }
  match(check.stderr, /config check passed: tcp_sendmsg_bytes/);

  // A kernel with kprobes: a copy of bash with a unique name writes BYTES into a TCP socket.
  const bash = namedBinary("/bin/bash", `tcpsend${Deno.pid}`.slice(0, 15));
  const comm = bash.comm;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const exporter = await ExporterProcess.start("tcp_sendmsg_bytes");
  try {
    const reader = (async () => {
      const conn = await listener.accept();
      let received = 0;
      for await (const chunk of conn.readable) received += chunk.length;
      return received;
    })();
    const out = await new Deno.Command(bash.path, {
      args: ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}; printf '%*s' ${BYTES} '' >&3`],
    }).output();
    ok(out.success);
    equal(await reader, BYTES);
    const samples = parseSamples(await exporter.scrape());
    equal(samples.get(`ebpf_exporter_tcp_sendmsg_bytes_total{comm="${comm}"}`), BYTES);
  } finally {
    listener.close();
    await exporter.stop();
    bash.remove();
  }
});
