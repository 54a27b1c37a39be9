import { equal } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { delay, labelsOf, run, seriesWith, uniqueBinary } from "./process_helpers.ts";

const METRIC = "ebpf_exporter_signals_total";
const WINCHES = 7;

kernelTest("signals: signals counted by receiver, sender, decoded name and result", [
  "examples/signals.bpf.o",
], async () => {
  // A sleeping receiver and a bash sender, both under unique names.
  const sleeper = uniqueBinary("/bin/sleep", "ebpfsigr");
  const sender = uniqueBinary("/bin/bash", "ebpfsigs");
  const exporter = await ExporterProcess.start("signals", { extraArgs: ["--config.strict"] });
  const child = new Deno.Command(sleeper.path, { args: ["30"], stdout: "null", stderr: "null" })
    .spawn();
  try {
    // Wait until the child runs the copy (its comm is the copy's name), so no signal hits it early.
    for (let i = 0; i < 100; i++) {
      const comm = Deno.readTextFileSync(`/proc/${child.pid}/comm`).trim();
      if (comm === sleeper.comm) break;
      await delay(20);
    }
    // SIGWINCH is ignored by default: generated (and counted) but discarded. SIGTERM kills.
    const kills =
      `for i in {1..${WINCHES}}; do kill -WINCH ${child.pid}; done; kill -TERM ${child.pid}`;
    await run(sender.path, ["-c", kills]);
    const status = await child.status;
    equal(status.signal, "SIGTERM");

    const text = await exporter.scrape();
    const after = parseSamples(text);
    const from = `comm="${sleeper.comm}",result`;
    equal(
      after.get(`${METRIC}{${from}="ignored",sender="${sender.comm}",signal="SIGWINCH"}`),
      WINCHES,
    );
    equal(after.get(`${METRIC}{${from}="delivered",sender="${sender.comm}",signal="SIGTERM"}`), 1);
    equal(seriesWith(after, `${METRIC}{comm="${sleeper.comm}",`).length, 2);

    // Dying, the receiver itself sent its parent (this test process) one SIGCHLD.
    const sigchld = seriesWith(after, `${METRIC}{`).filter(([series]) => {
      const labels = labelsOf(series);
      return labels.sender === sleeper.comm && labels.signal === "SIGCHLD";
    });
    equal(sigchld.reduce((n, [, v]) => n + v, 0), 1, sigchld.map(([s]) => s).join("\n"));
    equal(after.get('ebpf_exporter_decoder_errors_total{config="signals"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await exporter.stop();
    sleeper.remove();
    sender.remove();
  }
});
