import { deepEqual, equal, notEqual } from "#assert";
import { LabelTable } from "./label_table.ts";

const decoder = new TextDecoder();

function text(table: LabelTable, id: number): string {
  const buf = new Uint8Array(table.textSize(id));
  return decoder.decode(buf.subarray(0, table.writeText(buf, 0, id)));
}

Deno.test("label table: equal values share an id; names are sorted, values follow them", () => {
  const table = new LabelTable(["zone", "app"]);
  const a = table.intern(["eu", "web"]);
  const b = table.intern(["us", "web"]);
  equal(table.intern(["eu", "web"]), a);
  notEqual(a, b);
  equal(table.count, 2);
  deepEqual(table.names, ["app", "zone"]);
  deepEqual(table.labelSet(a).values, ["web", "eu"]);
  equal(text(table, b), 'app="web",zone="us"');
});

Deno.test("label table: values past the names (a histogram's bucket) are ignored", () => {
  const table = new LabelTable(["op"]);
  equal(table.intern(["read", "5"]), table.intern(["read", "6"]));
});

Deno.test("label table: text escaping, UTF-8 and values longer than 127 bytes", () => {
  const table = new LabelTable(["v"]);
  const long = "é".repeat(100);
  const id = table.intern([long]);
  equal(table.labelSet(id).values[0], long);
  equal(text(table, id), `v="${long}"`);
  equal(text(table, table.intern(['a"b\\c\nd'])), 'v="a\\"b\\\\c\\nd"');
  equal(table.intern([long]), id);
});

Deno.test("label table: order is Go's, value by value as bytes", () => {
  const table = new LabelTable(["a", "b"]);
  const ids = [["x", "2"], ["x", "10"], ["", "9"], ["xy", "1"], ["🐝", "0"], ["！", "0"]].map((v) =>
    table.intern(v)
  );
  const sorted = [...ids].sort((x, y) => table.compare(x, y));
  deepEqual(sorted.map((id) => table.labelSet(id).values.join("|")), [
    "|9",
    "x|10",
    "x|2",
    "xy|1",
    "！|0",
    "🐝|0",
  ]);
});

Deno.test("label table: compaction keeps the chosen series, renumbered in order", () => {
  const table = new LabelTable(["n"]);
  for (let i = 0; i < 5; i++) table.intern([String(i)]);
  const { table: small, remap } = table.compact(Uint8Array.from([0, 1, 0, 1, 1]));
  deepEqual(Array.from(remap), [-1, 0, -1, 1, 2]);
  equal(small.count, 3);
  equal(small.labelSet(2).values[0], "4");
  equal(small.intern(["3"]), 1);
  equal(small.intern(["0"]), 3);
});

Deno.test("label table: the packed sort orders exactly as the comparison sort", () => {
  let x = 7;
  const random = (n: number) => (x = (x * 1103515245 + 12345) & 0x7fffffff) % n;
  const pieces = ["", "a", "ab", "abcde", "abcdef", "é", "🐝", "z", "0", "00000"];
  for (const withNul of [false, true]) {
    const table = new LabelTable(["c", "a", "b"]);
    for (let i = 0; i < 3000; i++) {
      const value = () => pieces[random(pieces.length)] + pieces[random(pieces.length)];
      table.intern([value(), value(), withNul && i === 5 ? "x\u0000y" : value()]);
    }
    const ids = Int32Array.from({ length: table.count }, (_, i) => table.count - 1 - i);
    const expected = Array.from(ids).sort((a, b) => table.compare(a, b));
    table.sortIds(ids);
    deepEqual(Array.from(ids), expected, withNul ? "with a NUL byte" : "packed");
  }
});
