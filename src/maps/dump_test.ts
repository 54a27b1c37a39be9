import { deepEqual, equal } from "#assert";
import { MemoryLoadedConfig } from "../bpf/loaded_config.ts";
import { parseConfig } from "../config/parse.ts";
import { Exporter } from "../exporter.ts";
import { encodeText } from "../exposition/text.ts";
import { TEST_ENV } from "../metrics/test_env.ts";
import { dumpMaps, renderDumpText } from "./dump.ts";
import { keyBytes, MemoryMapSource } from "./memory_source.ts";
import { parseDump, replayConfigs } from "./replay.ts";
import { replayEnv } from "./host_table.ts";

const YAML = `metrics:
  counters:
    - name: calls_total
      help: Calls
      labels:
        - name: function
          size: 8
          decoders: [{name: ksym}]
        - name: device
          size: 4
          decoders: [{name: majorminor}]
        - name: iface
          size: 4
          decoders: [{name: ifname}]
        - name: vendor
          size: 4
          decoders: [{name: uint}, {name: pci_vendor}]
        - name: comm
          size: 4
          decoders: [{name: string}, {name: regexp, regexps: ["^b"]}]
`;

function fixture() {
  const { config } = parseConfig("fx", "fx.yaml", "fx.bpf.o", YAML);
  const map = new MemoryMapSource({ name: "calls_total", keySize: 24 });
  const text = (s: string) => {
    const b = new Uint8Array(4);
    b.set(new TextEncoder().encode(s));
    return b;
  };
  const key = (fn: bigint, comm: string) => {
    const k = new Uint8Array(24);
    k.set(keyBytes([8, fn], [4, 254 << 8], [4, 1], [4, 0x8086]));
    k.set(text(comm), 20);
    return k;
  };
  map.set(key(0xffffffff81000000n, "bash"), 5).set(key(0x1234n, "bc"), 2)
    .set(key(0xffffffff81000000n, "sh"), 9);
  const programs = [{
    name: "p",
    section: "tp_btf/x",
    id: 7,
    tag: "00ff00ff00ff00ff",
    attached: true,
  }];
  return {
    config,
    loaded: new MemoryLoadedConfig(config, new Map([["calls_total", map]]), programs),
  };
}

Deno.test("a dump lists raw keys, decoded labels and values, and the host lookups made", () => {
  const { loaded } = fixture();
  const dump = dumpMaps([loaded], TEST_ENV);
  const map = dump.configs[0].maps[0];
  equal(map.entries.length, 3);
  const dropped = map.entries.find((e) => e.labels === null);
  deepEqual(dropped?.values, ["9"]);
  deepEqual(dump.host.symbols, { "0xffffffff81000000": "do_sys_open" });
  deepEqual(dump.host.devices, { "254:0": "vda" });
  deepEqual(dump.host.interfaces, { "1": "lo" });
  deepEqual(dump.host.pci?.vendors, { [String(0x8086)]: "Intel Corporation" });
  const text = renderDumpText(dump);
  equal(text.includes('function="do_sys_open"'), true, text);
  equal(text.includes("dropped 9"), true, text);
});

Deno.test("replaying a dump's JSON renders exactly the served exposition", () => {
  const { config, loaded } = fixture();
  const served = encodeText(new Exporter([loaded], TEST_ENV).collect());
  const json = JSON.stringify(dumpMaps([loaded], TEST_ENV));
  const dump = parseDump("dump.json", json);
  const replayed = new Exporter(replayConfigs("dump.json", dump, [config]), replayEnv(dump.host));
  equal(encodeText(replayed.collect()), served);
});

Deno.test("a file that is not a dump is refused with a clear message", () => {
  let message = "";
  try {
    parseDump("x.json", '{"configs": []}');
  } catch (e) {
    message = (e as Error).message;
  }
  equal(message.startsWith("x.json: expected a maps dump"), true, message);
});
