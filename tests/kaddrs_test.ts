import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples, runExporter } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";

const FIXTURES = "tests/fixtures/bpf";

/** The first address /proc/kallsyms gives `symbol` (the test runs with --allow-all). */
function kallsymsAddress(symbol: string): bigint {
  for (const line of Deno.readTextFileSync("/proc/kallsyms").split("\n")) {
    const [address, , name] = line.split(/[ \t]/);
    if (name === symbol) return BigInt(`0x${address}`);
  }
  throw new Error(`${symbol} is not in /proc/kallsyms`);
}

kernelTest("kaddrs: kernel addresses reach the object's kaddr_* globals before load", [
  `${FIXTURES}/kaddrs.bpf.o`,
], async () => {
  const schedule = kallsymsAddress("schedule");
  const vfsRead = kallsymsAddress("vfs_read");
  ok(schedule !== 0n && vfsRead !== 0n, "kallsyms shows zero addresses (kptr_restrict?)");
  const exporter = await ExporterProcess.start("kaddrs", {
    configDir: FIXTURES,
    extraArgs: ["--config.strict"],
  });
  try {
    const samples = parseSamples(await exporter.scrape());
    // The program stores each global as a map key: exact through the uint decoder...
    equal(samples.get(`ebpf_exporter_kaddr_addresses{address="${schedule}"}`), 1);
    equal(samples.get(`ebpf_exporter_kaddr_addresses{address="${vfsRead}"}`), 1);
    // ...and back to the symbol's name through ksym.
    equal(samples.get(`ebpf_exporter_kaddr_symbols{symbol="schedule"}`), 1);
    equal(samples.get(`ebpf_exporter_kaddr_symbols{symbol="vfs_read"}`), 1);
    equal([...samples.keys()].filter((k) => k.startsWith("ebpf_exporter_kaddr_")).length, 4);
  } finally {
    await exporter.stop();
  }
});

/** Runs `--config.check` on kaddrs.bpf.o with a `kaddrs:` list of our own. */
async function checkWithKaddrs(symbols: string[]): Promise<{ code: number; stderr: string }> {
  const dir = Deno.makeTempDirSync({ prefix: "ebpf-exporter-test-" });
  try {
    Deno.copyFileSync(`${FIXTURES}/kaddrs.bpf.o`, `${dir}/kaddrs.bpf.o`);
    const yaml = Deno.readTextFileSync(`${FIXTURES}/kaddrs.yaml`).replace(
      /^kaddrs:[\s\S]*$/m,
      `kaddrs:\n${symbols.map((s) => `  - ${s}\n`).join("")}`,
    );
    Deno.writeTextFileSync(`${dir}/kaddrs.yaml`, yaml);
    return await runExporter(
      ["--config.names=kaddrs", "--config.check"],
      dir,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

kernelTest("kaddrs: a symbol the kernel lacks, or a global the object lacks, is named", [
  `${FIXTURES}/kaddrs.bpf.o`,
], async () => {
  const missing = await checkWithKaddrs(["schedule", "ebpf_exporter_test_no_such_symbol"]);
  equal(missing.code, 1, missing.stderr);
  match(
    missing.stderr,
    /ERROR: config kaddrs: kaddrs: kernel symbol "ebpf_exporter_test_no_such_symbol" is not in \/proc\/kallsyms/,
  );
  const noGlobal = await checkWithKaddrs(["schedule", "vfs_read", "vfs_write"]);
  equal(noGlobal.code, 1, noGlobal.stderr);
  match(
    noGlobal.stderr,
    /config kaddrs: kaddrs: cannot set "const volatile u64 kaddr_vfs_write" for symbol "vfs_write": .*kaddrs\.bpf\.o has no global variable kaddr_vfs_write/,
  );
  const ok2 = await checkWithKaddrs(["vfs_read"]);
  equal(ok2.code, 0, ok2.stderr); // a subset of the globals is fine: the rest stay 0
});
