import { equal, match, ok } from "#assert";
import {
  DENO,
  ExporterProcess,
  freePort,
  parseSamples,
  permissionFlags,
} from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";

kernelTest("fd://3 serves on a socket systemd-socket-activate passes in", [
  "examples/timers.bpf.o",
], async () => {
  const port = freePort();
  const child = new Deno.Command("systemd-socket-activate", {
    args: [
      "-l",
      `127.0.0.1:${port}`,
      DENO,
      "run",
      ...permissionFlags("examples"),
      "main.ts",
      "--config.dir=examples",
      "--config.names=timers",
      "--web.listen-address=fd://3",
    ],
    cwd: new URL("../", import.meta.url).pathname,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    // The socket exists before the exporter; the first connection starts it, and waits for it.
    let body = "";
    for (let i = 0; i < 100 && !body; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        body = await res.text();
        equal(res.status, 200);
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    equal(parseSamples(body).get('ebpf_exporter_enabled_configs{name="timers"}'), 1, body);
    const second = await fetch(`http://127.0.0.1:${port}/`);
    equal(second.status, 200);
    await second.body?.cancel();
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    const stderr = new TextDecoder().decode(
      new Uint8Array(await new Response(child.stderr).arrayBuffer()),
    );
    match(stderr, /listening on fd:\/\/3/);
    equal(status.code, 0, stderr);
  }
});

kernelTest("READY=1 reaches $NOTIFY_SOCKET once the exporter serves", [
  "examples/timers.bpf.o",
], async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/notify.sock`;
  const socket = Deno.listenDatagram({ transport: "unixpacket", path });
  const received = socket.receive();
  const exporter = await ExporterProcess.start("timers", {
    env: { NOTIFY_SOCKET: path },
    permissions: { env: ["NOTIFY_SOCKET"] },
  });
  try {
    const [bytes] = await received;
    const message = new TextDecoder().decode(bytes);
    match(message, /^READY=1\n/);
    match(message, /MAINPID=\d+/);
    ok((await exporter.scrape()).includes("ebpf_exporter_enabled_configs"));
  } finally {
    await exporter.stop();
    socket.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
