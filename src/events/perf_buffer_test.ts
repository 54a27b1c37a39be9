import { deepEqual, equal } from "#assert";
import {
  bpfOutputAttr,
  parsePerfRecords,
  PERF_RECORD_LOST,
  PERF_RECORD_SAMPLE,
} from "./perf_buffer.ts";

/** Builds perf records the way the kernel lays them out (8-byte aligned). */
class RecordWriter {
  readonly bytes: number[] = [];

  sample(payload: number[]): this {
    // {header; u32 size; u8 data[size]} with size padded so the record is 8-byte aligned
    const rawSize = Math.ceil((payload.length + 4) / 8) * 8 - 4;
    const size = 8 + 4 + rawSize;
    this.#header(PERF_RECORD_SAMPLE, size);
    this.#u32(rawSize);
    for (let i = 0; i < rawSize; i++) this.bytes.push(payload[i] ?? 0);
    return this;
  }

  lost(id: number, count: number): this {
    this.#header(PERF_RECORD_LOST, 24);
    this.#u64(id);
    this.#u64(count);
    return this;
  }

  other(type: number, bodySize: number): this {
    this.#header(type, 8 + bodySize);
    for (let i = 0; i < bodySize; i++) this.bytes.push(0xee);
    return this;
  }

  #header(type: number, size: number): void {
    this.#u32(type);
    this.bytes.push(0, 0, size & 0xff, size >> 8); // misc, size
  }

  #u32(v: number): void {
    this.bytes.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
  }

  #u64(v: number): void {
    this.#u32(v);
    this.#u32(0);
  }

  build(): Uint8Array {
    return new Uint8Array(this.bytes);
  }
}

function collect(data: Uint8Array) {
  const samples: number[][] = [];
  const lost: number[] = [];
  const consumed = parsePerfRecords(data, {
    sample: (raw) => samples.push([...raw]),
    lost: (n) => lost.push(n),
  });
  return { samples, lost, consumed };
}

Deno.test("perf records: samples keep their padded raw bytes, lost records report counts", () => {
  const data = new RecordWriter()
    .sample([1, 2, 3, 4])
    .sample([5, 6, 7, 8, 9])
    .lost(77, 12)
    .sample([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21])
    .build();
  const { samples, lost, consumed } = collect(data);
  deepEqual(samples, [
    [1, 2, 3, 4],
    [5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0], // 5 bytes + 4-byte size padded to 16: raw size 12
    [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21],
  ]);
  deepEqual(lost, [12]);
  equal(consumed, data.length);
});

Deno.test("perf records: unknown types are skipped by their size", () => {
  const data = new RecordWriter().other(3, 16).sample([1, 2, 3, 4]).other(14, 8).build();
  const { samples, consumed } = collect(data);
  deepEqual(samples, [[1, 2, 3, 4]]);
  equal(consumed, data.length);
});

Deno.test("perf records: a truncated record at the end is left for later", () => {
  const full = new RecordWriter().sample([1, 2, 3, 4]).sample([5, 6, 7, 8]).build();
  for (const cut of [full.length - 1, full.length - 10, 17]) {
    const { samples, consumed } = collect(full.subarray(0, cut));
    deepEqual(samples, [[1, 2, 3, 4]]);
    equal(consumed, 16);
  }
  deepEqual(collect(new Uint8Array(0)), { samples: [], lost: [], consumed: 0 });
});

Deno.test("perf records: a zero size stops the walk instead of looping", () => {
  const data = new Uint8Array(32); // all zero: type 0, size 0
  deepEqual(collect(data), { samples: [], lost: [], consumed: 0 });
});

Deno.test("perf records: a copy starting at an odd offset of a larger buffer parses the same", () => {
  const data = new RecordWriter().sample([9, 8, 7, 6]).lost(1, 3).build();
  const big = new Uint8Array(data.length + 5);
  big.set(data, 5);
  const { samples, lost } = collect(big.subarray(5));
  deepEqual(samples, [[9, 8, 7, 6]]);
  deepEqual(lost, [3]);
});

Deno.test("perf_event_attr of a BPF output event", () => {
  const view = new DataView(bpfOutputAttr().buffer);
  equal(view.getUint32(0, true), 1); // PERF_TYPE_SOFTWARE
  equal(view.getUint32(4, true), 128);
  equal(view.getBigUint64(8, true), 10n); // PERF_COUNT_SW_BPF_OUTPUT
  equal(view.getBigUint64(16, true), 1n); // sample_period
  equal(view.getBigUint64(24, true), 1024n); // PERF_SAMPLE_RAW
  equal(view.getBigUint64(40, true), 0n); // flags: enabled, no inherit
  equal(view.getUint32(48, true), 1); // wakeup_events
});
