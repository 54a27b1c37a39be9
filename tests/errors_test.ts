import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples, runExporter, runMain } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";

const FIXTURES = "tests/fixtures/bpf";

/** A temp config dir holding `timers.bpf.o` and a YAML of our own. */
function configDirWith(yaml: string, name = "timers"): string {
  const dir = Deno.makeTempDirSync({ prefix: "ebpf-exporter-test-" });
  Deno.copyFileSync("examples/timers.bpf.o", `${dir}/${name}.bpf.o`);
  Deno.writeTextFileSync(`${dir}/${name}.yaml`, yaml);
  return dir;
}

async function failsWith(yaml: string, ...expected: (string | RegExp)[]): Promise<void> {
  const dir = configDirWith(yaml);
  try {
    const out = await runExporter(
      ["--config.names=timers", "--config.check"],
      dir,
    );
    equal(out.code, 1, out.stderr);
    for (const e of expected) {
      match(out.stderr, typeof e === "string" ? new RegExp(RegExp.escape(e)) : e);
    }
    ok(!out.stderr.includes("    at "), `stack trace in:\n${out.stderr}`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("a bad flag is one line on stderr and exit code 2", async () => {
  const out = await runExporter(["--config.names=timers", "--bogus"]);
  equal(out.code, 2);
  equal(out.stderr.trim().split("\n").length, 1, out.stderr);
  match(out.stderr, /unknown long flag '--bogus'/);
  const missing = await runMain(["--config.names=timers"]);
  equal(missing.code, 2);
  match(missing.stderr, /required flag --config.dir not provided/);
});

Deno.test("--help and --version exit 0", async () => {
  const help = await runMain(["--help"]);
  equal(help.code, 0);
  match(help.stdout, /--web.listen-address/);
  const version = await runMain(["--version"]);
  equal(version.code, 0);
  match(version.stdout, /^ebpf_exporter, version /);
});

Deno.test("a missing config file is named", async () => {
  const out = await runExporter(["--config.names=nope", "--config.check"]);
  equal(out.code, 1);
  match(out.stderr, /examples\/nope\.yaml/);
});

kernelTest("config mistakes name the file, the key and what was expected", [
  "examples/timers.bpf.o",
], async (t) => {
  await t.step("label sizes that do not add up to the key size", () =>
    failsWith(
      `metrics:
  counters:
    - name: timer_starts_total
      help: Timers
      labels:
        - name: function
          size: 4
          decoders:
            - name: ksym
`,
      "timers.yaml",
      "metrics.counters[0]",
      /4 bytes.*8 bytes/,
    ));
  await t.step("a metric whose map is not in the object", () =>
    failsWith(
      `metrics:
  counters:
    - name: no_such_map_total
      help: Nothing
`,
      "timers.yaml",
      "no_such_map_total",
      "timer_starts_total",
    ));
  await t.step("a missing help", () =>
    failsWith(
      `metrics:
  counters:
    - name: timer_starts_total
      labels: []
`,
      "timers.yaml:3",
      "help",
    ));
  await t.step("an unknown bucket_type", () =>
    failsWith(
      `metrics:
  histograms:
    - name: timer_starts_total
      help: Timers
      bucket_type: exp3
      bucket_min: 0
      bucket_max: 8
      labels:
        - name: bucket
          size: 8
          decoders:
            - name: uint
`,
      "timers.yaml:5",
      "bucket_type",
      "exp2",
    ));
  await t.step("broken YAML", () => failsWith("metrics: [\n", "timers.yaml"));
});

kernelTest("a verifier rejection is fatal and names the config and the verifier's reason", [
  `${FIXTURES}/verifier_reject.bpf.o`,
], async () => {
  const out = await runExporter(
    ["--config.names=verifier_reject", "--config.check"],
    FIXTURES,
  );
  equal(out.code, 1);
  match(out.stderr, /ERROR: config verifier_reject: cannot load .*verifier_reject\.bpf\.o/);
  match(out.stderr, /Permission denied \(errno 13\): verifier: R0 invalid mem access/);
});

kernelTest("an attach failure is exported as attached 0, and is fatal under --config.strict", [
  `${FIXTURES}/attach_fail.bpf.o`,
], async () => {
  const exporter = await ExporterProcess.start("attach_fail", { configDir: FIXTURES });
  try {
    const text = await exporter.scrape();
    const samples = parseSamples(text);
    const ids = (program: string) =>
      [...samples.keys()].find((k) => k.includes(`program="${program}"`))?.match(/id="(\d+)"/)?.[1];
    equal(samples.get(`ebpf_exporter_ebpf_program_attached{id="${ids("count_syscalls")}"}`), 1);
    equal(samples.get(`ebpf_exporter_ebpf_program_attached{id="${ids("never_attaches")}"}`), 0);
    ok(
      (samples.get("ebpf_exporter_syscalls_total") ?? 0) > 0,
      "the attached program did not count",
    );
    match(
      exporter.stderr,
      /program never_attaches: attach kprobe\/ebpf_exporter_test_no_such_function/,
    );
  } finally {
    await exporter.stop();
  }
  const strict = await runExporter(
    ["--config.names=attach_fail", "--config.check", "--config.strict"],
    FIXTURES,
  );
  equal(strict.code, 1);
  match(
    strict.stderr,
    /config attach_fail: 1 program\(s\) not attached under --config.strict: never_attaches/,
  );
});

kernelTest("kprobe and fentry configs say why they cannot run on this kernel", [
  `${FIXTURES}/kprobe_open.bpf.o`,
  `${FIXTURES}/fentry_open.bpf.o`,
], async () => {
  const check = (name: string) =>
    runExporter(
      [`--config.names=${name}`, "--config.check", "--config.strict"],
      FIXTURES,
    );
  const kprobe = await check("kprobe_open");
  if (kprobe.code !== 0) {
    match(kprobe.stderr, /program kp_open: attach kprobe\/do_sys_openat2: .*\(errno \d+\): /);
    match(kprobe.stderr, /the kernel lacks kprobes|the kernel has no function named/);
    match(kprobe.stderr, /not attached under --config.strict: kp_open \(/);
  } else {
    match(kprobe.stderr, /config check passed: kprobe_open/); // a kernel with kprobes
  }
  const fentry = await check("fentry_open");
  if (fentry.code !== 0) {
    match(
      fentry.stderr,
      /the kernel refuses fentry\/fexit\/fmod_ret\/lsm programs \(fe_open in fentry\/do_sys_openat2\)/,
    );
  } else {
    match(fentry.stderr, /config check passed: fentry_open/); // a kernel that allows fentry
  }
});

Deno.test("--log.no-timestamps drops the date from log lines", async () => {
  const out = await runExporter([
    "--config.names=nope",
    "--config.check",
    "--log.no-timestamps",
  ]);
  equal(out.code, 1);
  match(out.stderr, /^ERROR: /m);
  ok(!/^\d{4}\/\d\d\/\d\d /m.test(out.stderr), out.stderr);
});

Deno.test("an unknown config key is a warning with file, key path and line; fatal when strict", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "ebpf-exporter-test-" });
  Deno.writeTextFileSync(`${dir}/typo.bpf.o`, "not reached");
  Deno.writeTextFileSync(
    `${dir}/typo.yaml`,
    "metrics:\n  counters:\n    - name: x_total\n      help: X\n      lables: []\n",
  );
  try {
    const strict = await runExporter(
      ["--config.names=typo", "--config.check", "--config.strict"],
      dir,
    );
    equal(strict.code, 1);
    match(
      strict.stderr,
      /typo\.yaml:5: metrics\.counters\[0\]\.lables: unknown key "lables" \(ignored; did you mean "labels"\?\)/,
    );
    match(strict.stderr, /unknown config key\(s\) under --config.strict/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
