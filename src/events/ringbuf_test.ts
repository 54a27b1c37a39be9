import { deepEqual, equal } from "#assert";
import {
  committedPrefix,
  parseRingbufRecords,
  RINGBUF_BUSY_BIT,
  RINGBUF_DISCARD_BIT,
} from "./ringbuf.ts";

/** Lays out ring buffer records as the kernel does: 8-byte header, payload, padding to 8. */
function ring(records: { payload: number[]; busy?: boolean; discard?: boolean }[]): Uint8Array {
  const bytes: number[] = [];
  for (const r of records) {
    let len = r.payload.length;
    if (r.busy) len |= RINGBUF_BUSY_BIT;
    if (r.discard) len |= RINGBUF_DISCARD_BIT;
    bytes.push(len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff, (len >>> 24) & 0xff);
    bytes.push(0, 0, 0, 0); // pg_off
    bytes.push(...r.payload);
    while (bytes.length % 8 !== 0) bytes.push(0xcc);
  }
  return new Uint8Array(bytes);
}

function walk(data: Uint8Array): { records: number[][]; consumed: number } {
  const records: number[][] = [];
  const { consumed } = parseRingbufRecords(data, (r) => records.push([...r]));
  return { records, consumed };
}

Deno.test("ring buffer: committed records in order, padding skipped", () => {
  const data = ring([
    { payload: [1, 2, 3] },
    { payload: [4, 5, 6, 7, 8, 9, 10, 11] },
    { payload: [] },
    { payload: [12] },
  ]);
  const delivered: number[][] = [];
  const result = parseRingbufRecords(data, (r) => delivered.push([...r]));
  deepEqual(delivered, [[1, 2, 3], [4, 5, 6, 7, 8, 9, 10, 11], [], [12]]);
  deepEqual(result, { consumed: data.length, records: 4 });
});

Deno.test("ring buffer: discarded records are consumed but not delivered", () => {
  const data = ring([{ payload: [1] }, { payload: [2, 2], discard: true }, { payload: [3] }]);
  const { records, consumed } = walk(data);
  deepEqual(records, [[1], [3]]);
  equal(consumed, data.length);
});

Deno.test("ring buffer: a busy record stops the walk (and everything after it waits)", () => {
  const data = ring([
    { payload: [1, 1] },
    { payload: [2, 2, 2], busy: true },
    { payload: [3] },
  ]);
  const { records, consumed } = walk(data);
  deepEqual(records, [[1, 1]]);
  equal(consumed, 16);
  equal(committedPrefix(data), 16);
  equal(committedPrefix(ring([{ payload: [9], busy: true }])), 0);
});

Deno.test("ring buffer: a record cut off by the copy's end is left for later", () => {
  const data = ring([{ payload: [1, 2, 3, 4] }, { payload: [5, 6, 7, 8, 9, 10, 11, 12, 13] }]);
  const { records, consumed } = walk(data.subarray(0, 20));
  deepEqual(records, [[1, 2, 3, 4]]);
  equal(consumed, 16);
});

Deno.test("ring buffer: a busy + discard header is still busy", () => {
  const data = ring([{ payload: [1], busy: true, discard: true }]);
  deepEqual(walk(data).records, []);
  equal(walk(data).consumed, 0);
});
