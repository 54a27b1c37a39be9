import { equal } from "#assert";
import { hashBytes, KeyTable, SKIPPED } from "./key_table.ts";

function key(...bytes: number[]): Uint8Array {
  return Uint8Array.from(bytes);
}

function find(table: KeyTable, k: Uint8Array): number {
  return table.find(k, 0, hashBytes(k, 0, k.length));
}

function add(table: KeyTable, k: Uint8Array, series: number, aux = 0): boolean {
  return table.add(k, 0, hashBytes(k, 0, k.length), series, aux);
}

Deno.test("key table: finds keys by their bytes, at any offset of a buffer", () => {
  const table = new KeyTable(3, { decoded: 100, skipped: 100 });
  table.beginScrape();
  equal(find(table, key(1, 2, 3)), -1);
  equal(add(table, key(1, 2, 3), 7, 4), true);
  equal(add(table, key(1, 2, 4), 8), true);
  const e = find(table, key(1, 2, 3));
  equal(table.series(e), 7);
  equal(table.aux(e), 4);
  const buf = key(9, 9, 1, 2, 4);
  equal(table.series(table.find(buf, 2, hashBytes(buf, 2, 3))), 8);
  equal(find(table, key(1, 2, 5)), -1);
});

Deno.test("key table: thousands of keys survive growth and rehashing", () => {
  const table = new KeyTable(4, { decoded: 1e6, skipped: 0 });
  table.beginScrape();
  const k = (i: number) => key(i & 0xff, (i >> 8) & 0xff, 0, 1);
  for (let i = 0; i < 5000; i++) add(table, k(i), i);
  equal(table.size, 5000);
  for (let i = 0; i < 5000; i++) equal(table.series(find(table, k(i))), i);
});

Deno.test("key table: bounds for decoded and skipped keys are separate", () => {
  const table = new KeyTable(1, { decoded: 2, skipped: 1 });
  table.beginScrape();
  equal(add(table, key(1), 0), true);
  equal(add(table, key(2), 1), true);
  equal(add(table, key(3), 2), false, "decoded bound reached");
  equal(add(table, key(4), SKIPPED), true);
  equal(add(table, key(5), SKIPPED), false, "skipped bound reached");
  equal(find(table, key(3)), -1);
  equal(table.series(find(table, key(4))), SKIPPED);
});

Deno.test("key table: a sweep drops keys not seen in this scrape and renumbers series", () => {
  const table = new KeyTable(1, { decoded: 100, skipped: 100 });
  table.beginScrape();
  for (let i = 0; i < 4; i++) add(table, key(i), i);
  table.beginScrape();
  find(table, key(1));
  find(table, key(3));
  const remap = Int32Array.from([-1, 0, -1, 1]);
  table.sweep(remap);
  equal(table.size, 2);
  equal(find(table, key(0)), -1);
  equal(find(table, key(2)), -1);
  equal(table.series(find(table, key(1))), 0);
  equal(table.series(find(table, key(3))), 1);
});

Deno.test("key table: zero-size keys (key 0 only) are one entry", () => {
  const table = new KeyTable(0, { decoded: 10, skipped: 10 });
  table.beginScrape();
  const none = new Uint8Array(0);
  equal(find(table, none), -1);
  add(table, none, 3);
  equal(table.series(find(table, none)), 3);
});
