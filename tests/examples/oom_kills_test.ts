import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";
import { promtoolCheckMetrics } from "../helpers/promtool.ts";
import { delay, uniqueBinary } from "./process_helpers.ts";

const METRIC = "ebpf_exporter_oom_kills_total";
const LIMIT = 32 * 1024 * 1024;

/** Mount points by filesystem type (and, for cgroup v1, controller) from mountinfo. */
function mountPoint(type: string, option?: string): string | undefined {
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const [fstype, , superOptions] = right.split(" ");
    if (fstype !== type) continue;
    if (option && !superOptions.split(",").includes(option)) continue;
    return left.split(" ")[4];
  }
  return undefined;
}

/**
 * A memory-limited cgroup for the victim: cgroup v1's memory controller where it is mounted (the
 * hybrid layout of this machine), else cgroup v2's memory.max. Returns the directories to join
 * (the v2 one is always among them: the label is the victim's v2 path) or undefined when neither
 * can limit memory.
 */
function limitedCgroup(name: string): { join: string[]; v2: string } | undefined {
  const v2Root = mountPoint("cgroup2");
  if (!v2Root) return undefined;
  const v2 = `${v2Root}/${name}`;
  const v1Root = mountPoint("cgroup", "memory");
  if (v1Root) {
    const v1 = `${v1Root}/${name}`;
    Deno.mkdirSync(v1);
    Deno.mkdirSync(v2);
    Deno.writeTextFileSync(`${v1}/memory.limit_in_bytes`, `${LIMIT}`);
    return { join: [v1, v2], v2 };
  }
  const controllers = Deno.readTextFileSync(`${v2Root}/cgroup.subtree_control`).split(/\s+/);
  if (!controllers.includes("memory")) return undefined;
  Deno.mkdirSync(v2);
  Deno.writeTextFileSync(`${v2}/memory.max`, `${LIMIT}`);
  Deno.writeTextFileSync(`${v2}/memory.swap.max`, "0");
  return { join: [v2], v2 };
}

async function removeCgroup(path: string): Promise<void> {
  // A killed task leaves its cgroup a moment after its parent reaped it.
  for (let i = 0; i < 50; i++) {
    try {
      Deno.removeSync(path);
      return;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return;
      await delay(100);
    }
  }
  Deno.removeSync(path);
}

kernelTest("oom_kills: a process over its cgroup's memory limit is counted once", [
  "examples/oom_kills.bpf.o",
], async () => {
  const dd = uniqueBinary("/usr/bin/dd", "ebpfoom");
  const exporter = await ExporterProcess.start("oom_kills", { extraArgs: ["--config.strict"] });
  const cgroup = limitedCgroup(`ebpf-example-oom-${Deno.pid}`);
  try {
    if (!cgroup) {
      // No memory controller to limit: the config still loads strictly; nothing is killed.
      const text = await exporter.scrape();
      ok(!text.includes(`${METRIC}{`), "an OOM kill without a workload");
      console.log("no cgroup memory controller here: OOM kill not caused");
      return;
    }
    // The shell joins the cgroups, then becomes dd, whose 64 MiB buffer cannot fit in 32 MiB.
    const join = cgroup.join.map((dir) => `echo $$ > ${dir}/cgroup.procs`).join("; ");
    const out = await new Deno.Command("sh", {
      args: ["-c", `${join}; exec ${dd.path} if=/dev/zero of=/dev/null bs=64M count=1`],
      stdout: "null",
      stderr: "null",
    }).output();
    equal(out.signal, "SIGKILL", `dd was not OOM-killed (exit ${out.code})`);

    const text = await exporter.scrape();
    const after = parseSamples(text);
    equal(after.get(`${METRIC}{cgroup="${cgroup.v2}",comm="${dd.comm}"}`), 1);
    const mine = [...after.keys()].filter((s) => s.startsWith(`${METRIC}{`) && s.includes(dd.comm));
    equal(mine.length, 1, mine.join("\n"));
    equal(after.get('ebpf_exporter_decoder_errors_total{config="oom_kills"}'), 0);

    const check = await promtoolCheckMetrics(text);
    equal(check.code, 0, check.output);
  } finally {
    await exporter.stop();
    for (const dir of cgroup?.join ?? []) await removeCgroup(dir);
    dd.remove();
  }
});
