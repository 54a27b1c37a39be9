import { equal } from "#assert";
import { MemoryLoadedConfig } from "./bpf/loaded_config.ts";
import { parseConfig } from "./config/parse.ts";
import { Exporter } from "./exporter.ts";
import { createHandler } from "./http/handler.ts";
import { keyBytes, MemoryMapSource } from "./maps/memory_source.ts";
import { MapType } from "./maps/source.ts";
import { TEST_ENV } from "./metrics/test_env.ts";

const YAML = `metrics:
  counters:
    - name: opens_total
      help: Files opened by function
      labels:
        - name: function
          size: 8
          decoders:
            - name: ksym
    - name: syscalls_by_cpu_total
      help: Syscalls per CPU
      labels:
        - name: syscall
          size: 4
          decoders:
            - name: uint
            - name: syscall
        - name: cpu
          size: 2
          decoders:
            - name: uint
  histograms:
    - name: io_latency_seconds
      help: IO latency
      bucket_type: exp2
      bucket_min: 0
      bucket_max: 2
      bucket_multiplier: 0.001
      labels:
        - name: device
          size: 4
          decoders:
            - name: majorminor
        - name: operation
          size: 1
          decoders:
            - name: uint
            - name: static_map
              static_map:
                0: read
                1: write
        - name: bucket
          size: 1
          padding: 2
          decoders:
            - name: uint
`;

function fakeExporter(): Exporter {
  const { config } = parseConfig("fake", "fake.yaml", "fake.bpf.o", YAML);
  const opens = new MemoryMapSource({ name: "opens_total", keySize: 8 })
    .set(keyBytes([8, 0xffffffff81000000n]), 12)
    .set(keyBytes([8, 0xdeadn]), 1);
  const syscalls = new MemoryMapSource({
    name: "syscalls_by_cpu_total",
    keySize: 4,
    type: MapType.PERCPU_HASH,
    cpus: 2,
  }).set(keyBytes([4, 0]), 5, 7).set(keyBytes([4, 1]), 0, 2);
  const vda = 254 << 8;
  const latency = new MemoryMapSource({ name: "io_latency_seconds", keySize: 8 })
    .set(keyBytes([4, vda], [1, 0], [1, 0], [2, 0]), 3)
    .set(keyBytes([4, vda], [1, 0], [1, 2], [2, 0]), 1)
    .set(keyBytes([4, vda], [1, 0], [1, 3], [2, 0]), 9)
    .set(keyBytes([4, vda], [1, 1], [1, 1], [2, 0]), 4)
    .set(keyBytes([4, vda], [1, 1], [1, 3], [2, 0]), 10);
  const maps = new Map([opens, syscalls, latency].map((m) => [m.name, m]));
  const programs = [{
    name: "trace_open",
    section: "tp_btf/x",
    id: 42,
    tag: "0123456789abcdef",
    attached: true,
  }];
  return new Exporter([new MemoryLoadedConfig(config, maps, programs)], TEST_ENV);
}

Deno.test("the whole /metrics output over fake maps matches the golden file", async () => {
  const handler = createHandler({
    telemetryPath: "/metrics",
    gather: () => fakeExporter().gather(),
    version: "test",
  });
  const res = await handler(new Request("http://localhost/metrics"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const body = (await res.text()).replace(/goversion="deno[^"]*"/, 'goversion="denoX"')
    .replace(/goarch="[^"]*"/, 'goarch="amd64"');
  const golden = new URL("../tests/fixtures/golden/fake_exporter.txt", import.meta.url);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") Deno.writeTextFileSync(golden, body);
  equal(body, Deno.readTextFileSync(golden));
});

Deno.test("concurrent scrapes share one collection", async () => {
  const exporter = fakeExporter();
  const [a, b] = await Promise.all([exporter.gather(), exporter.gather()]);
  equal(a, b);
  const c = await exporter.gather();
  equal(c === a, false);
});
