import { deepEqual, equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { cgroup2Root } from "./helpers/host.ts";
import { kernelTest } from "./helpers/kernel.ts";

const FIXTURES = "tests/fixtures/bpf";

/** Cgroup ids in a HASH map, read with bpftool. */
async function hashKeys(mapName: string): Promise<bigint[]> {
  const out = await new Deno.Command("bpftool", { args: ["-j", "map", "dump", "name", mapName] })
    .output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const entries = JSON.parse(new TextDecoder().decode(out.stdout)) as { key: string[] }[];
  return entries.map((e) =>
    e.key.reduceRight((n, byte) => (n << 8n) | BigInt(parseInt(byte, 16)), 0n)
  ).sort();
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function openHostnameIn(cgroup: string, times: number): Promise<void> {
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      `echo $$ > ${cgroup}/cgroup.procs && for i in $(seq ${times}); do : < /etc/hostname; done`,
    ],
    stderr: "piped",
  }).output();
  ok(out.success, new TextDecoder().decode(out.stderr));
}

for (
  const [type, metric, map] of [
    ["hash", "filtered_opens_total", "filter_hash"],
    ["storage", "storage_filtered_opens_total", "filter_storage"],
  ] as const
) {
  kernelTest(`cgroup_id_map (${type}) follows cgroups created and removed after start-up`, [
    `${FIXTURES}/cgroup_filter_${type}.bpf.o`,
  ], async () => {
    const exporter = await ExporterProcess.start(`cgroup_filter_${type}`, { configDir: FIXTURES });
    const root = cgroup2Root();
    const inside = `${root}/ebpf-exporter-filter-${Deno.pid}-in`;
    const outside = `${root}/ebpf-exporter-filter-${Deno.pid}-out`;
    try {
      Deno.mkdirSync(inside);
      Deno.mkdirSync(outside);
      const id = BigInt(Deno.statSync(inside).ino!);
      if (type === "hash") {
        await until(
          "the new cgroup in the filter map",
          async () => (await hashKeys(map)).includes(id),
        );
      } else {
        await new Promise((r) => setTimeout(r, 2500)); // the exporter syncs at least every second
      }
      await openHostnameIn(inside, 3);
      await openHostnameIn(outside, 5);
      const samples = parseSamples(await exporter.scrape());
      equal(samples.get(`ebpf_exporter_${metric}{cgroup="${inside}"}`), 3);
      equal(samples.has(`ebpf_exporter_${metric}{cgroup="${outside}"}`), false);
      Deno.removeSync(inside);
      if (type === "hash") {
        await until(
          "the removed cgroup to leave the map",
          async () => !(await hashKeys(map)).includes(id),
        );
        deepEqual((await hashKeys(map)).filter((k) => k === id), []);
      }
    } finally {
      await exporter.stop();
      for (const dir of [inside, outside]) {
        try {
          Deno.removeSync(dir);
        } catch {
          // already removed
        }
      }
    }
  });
}
