import assert from "#assert";
import { loadConfigs } from "./load.ts";
import { catchConfigRejection } from "./test_helpers.ts";

const TIMERS = `metrics:
  counters:
    - name: timer_starts_total
      help: Timers fired in the kernel
      labels:
        - name: function
          size: 8
          decoders:
            - name: ksym
`;

const BIO = `metrics:
  histograms:
    - name: bio_latency_seconds
      help: Block IO latency
      bucket_type: exp2
      bucket_max: 26
      bucket_multiplier: 0.000001
      labels:
        - name: bucket
          size: 8
          decoders:
            - name: uint
          sizes: 8
`;

/** Runs `fn` with a fresh temp dir holding `files`, removing the dir afterwards. */
async function withDir(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "config_load_test_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadConfigs: reads NAME.yaml in the order named, with object paths", async () => {
  await withDir({ "timers.yaml": TIMERS, "bio.yaml": BIO }, async (dir) => {
    const { configs, warnings } = await loadConfigs(dir, ["bio", "timers"]);
    assert.deepEqual(configs.map((c) => c.name), ["bio", "timers"]);
    assert.equal(configs[0].yamlPath, `${dir}/bio.yaml`);
    assert.equal(configs[0].objectPath, `${dir}/bio.bpf.o`);
    assert.equal(configs[1].yamlPath, `${dir}/timers.yaml`);
    assert.equal(configs[1].objectPath, `${dir}/timers.bpf.o`);
    assert.equal(configs[0].histograms[0].bucketMax, 26);
    assert.equal(configs[1].counters[0].labels[0].decoders[0].name, "ksym");
    assert.deepEqual(warnings, [{
      file: `${dir}/bio.yaml`,
      keyPath: "metrics.histograms[0].labels[0].sizes",
      line: 13,
      message: 'unknown key "sizes" (ignored; did you mean "size"?)',
    }]);
  });
});

Deno.test("loadConfigs: a trailing slash on the dir does not double up", async () => {
  await withDir({ "timers.yaml": TIMERS }, async (dir) => {
    const { configs } = await loadConfigs(`${dir}//`, ["timers"]);
    assert.equal(configs[0].yamlPath, `${dir}/timers.yaml`);
    assert.equal(configs[0].objectPath, `${dir}/timers.bpf.o`);
  });
});

Deno.test("loadConfigs: a missing file names the path", async () => {
  await withDir({ "timers.yaml": TIMERS }, async (dir) => {
    const error = await catchConfigRejection(loadConfigs(dir, ["timers", "nope"]));
    assert.equal(error.file, `${dir}/nope.yaml`);
    assert.equal(error.line, undefined);
    assert.equal(
      error.message,
      `${dir}/nope.yaml: config file not found (config "nope" in --config.names)`,
    );
  });
});

Deno.test("loadConfigs: an unreadable path is an error naming it", async () => {
  await withDir({}, async (dir) => {
    await Deno.mkdir(`${dir}/adir.yaml`);
    const error = await catchConfigRejection(loadConfigs(dir, ["adir"]));
    assert.equal(error.file, `${dir}/adir.yaml`);
    assert.match(error.message, /expected a readable config file, got /);
  });
});

Deno.test("loadConfigs: duplicate names are an error", async () => {
  await withDir({ "timers.yaml": TIMERS, "bio.yaml": BIO }, async (dir) => {
    const error = await catchConfigRejection(loadConfigs(dir, ["timers", "bio", "timers"]));
    assert.equal(
      error.message,
      `${dir}/timers.yaml: expected each config name once in --config.names, got "timers" twice`,
    );
  });
});

Deno.test("loadConfigs: no names, empty names and names with slashes are errors", async () => {
  await withDir({ "timers.yaml": TIMERS }, async (dir) => {
    assert.match(
      (await catchConfigRejection(loadConfigs(dir, []))).message,
      /expected at least one config name in --config.names, got none/,
    );
    assert.match(
      (await catchConfigRejection(loadConfigs(dir, ["timers", ""]))).message,
      /expected config names without slashes .*, got ""/,
    );
    assert.match(
      (await catchConfigRejection(loadConfigs(dir, ["../timers"]))).message,
      /got "\.\.\/timers"/,
    );
  });
});

Deno.test("loadConfigs: an invalid config fails with its file and line", async () => {
  await withDir(
    { "timers.yaml": TIMERS, "broken.yaml": "metrics:\n  counters: {}\n" },
    async (dir) => {
      const error = await catchConfigRejection(loadConfigs(dir, ["timers", "broken"]));
      assert.equal(
        error.message,
        `${dir}/broken.yaml:2: metrics.counters: expected a list, got a mapping`,
      );
    },
  );
});
