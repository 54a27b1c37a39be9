import { deepEqual, equal } from "#assert";
import { libbpf } from "../ffi/libbpf.ts";
import { BpfObject, possibleCpus } from "../src/bpf/object.ts";
import type { KernelMapSource } from "../src/bpf/map_reader.ts";
import { keyBytes } from "../src/maps/memory_source.ts";
import { ValueReader } from "../src/metrics/map_values.ts";
import { kernelTest } from "./helpers/kernel.ts";

const OBJECT = "tests/fixtures/bpf/maps.bpf.o";

function fill(source: KernelMapSource, entries: [Uint8Array, bigint[]][]): void {
  for (const [key, values] of entries) {
    const value = new BigUint64Array(values);
    const rc = libbpf().bpf_map_update_elem(
      source.fd,
      key as Uint8Array<ArrayBuffer>,
      new Uint8Array(value.buffer),
      0n,
    );
    if (rc < 0) throw new Error(`update ${source.name}: ${rc}`);
  }
}

/** Reads the map and returns `key hex -> values per CPU`. */
function contents(source: KernelMapSource): Map<string, number[]> {
  const entries = source.read();
  const values = new ValueReader(entries, source.cpus);
  const out = new Map<string, number[]>();
  for (let i = 0; i < entries.count; i++) {
    const key = entries.keys.subarray(i * source.keySize, (i + 1) * source.keySize);
    const hex = Array.from(key, (b) => b.toString(16).padStart(2, "0")).join("");
    out.set(hex, Array.from({ length: source.cpus }, (_, cpu) => values.one(i, cpu)));
  }
  return out;
}

function withObject(fn: (object: BpfObject) => void): void {
  const object = BpfObject.open(OBJECT);
  try {
    object.load();
    fn(object);
  } finally {
    object.close();
  }
}

kernelTest("batch reads and key iteration return the same 150k entries", [OBJECT], () => {
  withObject((object) => {
    const source = object.mapSource("hash_total");
    const entries: [Uint8Array, bigint[]][] = [];
    for (let i = 0; i < 150_000; i++) {
      entries.push([keyBytes([4, i % 50_000], [1, i % 4], [3, 0], [8, BigInt(i) << 20n]), [
        BigInt(i) + 1n,
      ]]);
    }
    fill(source, entries);
    const batched = contents(source);
    equal(source.batchSupported, true);
    equal(batched.size, 150_000);
    source.batchSupported = false;
    const iterated = contents(source);
    deepEqual(iterated, batched);
    const sum = [...batched.values()].reduce((n, [v]) => n + v, 0);
    equal(sum, (150_000 * 150_001) / 2);
  });
});

kernelTest("per-CPU maps return one value per possible CPU", [OBJECT], () => {
  withObject((object) => {
    const cpus = possibleCpus();
    const hash = object.mapSource("percpu_hash_total");
    equal(hash.cpus, cpus);
    const perCpu = Array.from({ length: cpus }, (_, c) => BigInt(c * 10 + 1));
    fill(hash, [[keyBytes([4, 7]), perCpu]]);
    deepEqual(contents(hash).get("07000000"), perCpu.map(Number));
    const reader = new ValueReader(hash.read(), cpus);
    equal(reader.sum(0), Number(perCpu.reduce((a, b) => a + b)));

    const array = object.mapSource("percpu_array_total");
    fill(array, [[keyBytes([4, 2]), perCpu]]);
    const read = contents(array);
    equal(read.size, 4, "a per-CPU array has all its slots");
    deepEqual(read.get("02000000"), perCpu.map(Number));
    deepEqual(read.get("00000000"), perCpu.map(() => 0));
  });
});

kernelTest("an array map reads every slot, zeros included", [OBJECT], () => {
  withObject((object) => {
    const array = object.mapSource("array_total");
    fill(array, [[keyBytes([4, 3]), [5n]]]);
    const read = contents(array);
    equal(read.size, 16);
    deepEqual(read.get("03000000"), [5]);
  });
});
