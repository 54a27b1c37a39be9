import assert from "#assert";
import { parsePartitions, PartitionsResolver } from "./partitions.ts";

const FIXTURE = `major minor  #blocks  name

 253        0   52428800 vda
 253        1   52427759 vda1
 259        0  500107608 nvme0n1
 259        1     524288 nvme0n1p1
   7        0      63456 loop0
 259  1048575         42 bigminor
 253        1          1 duplicate
garbage line
`;

Deno.test("partitions: parse and look up", () => {
  const table = parsePartitions(FIXTURE);
  assert.equal(table.size, 6);
  const cases: [number, number, string | undefined][] = [
    [253, 0, "vda"],
    [253, 1, "vda1"],
    [259, 0, "nvme0n1"],
    [259, 1, "nvme0n1p1"],
    [7, 0, "loop0"],
    [259, 1048575, "bigminor"],
    [8, 0, undefined],
    [0, 0, undefined],
    [253, 2, undefined],
  ];
  for (const [major, minor, want] of cases) {
    assert.equal(table.name(major, minor), want, `${major}:${minor}`);
  }
  assert.equal(parsePartitions("").size, 0);
});

Deno.test("partitions resolver: refresh on miss, bounded by the interval", () => {
  const clock = { now: 0 };
  const texts = [FIXTURE, FIXTURE + "   8        0   1000 sda\n"];
  let reads = 0;
  const resolver = new PartitionsResolver({
    read: () => texts[Math.min(reads++, texts.length - 1)],
    refreshIntervalMs: 500,
    now: () => clock.now,
  });
  assert.equal(resolver.reads, 0);
  assert.equal(resolver.name(253, 0), "vda");
  for (let i = 0; i < 50; i++) assert.equal(resolver.name(8, 0), undefined);
  assert.equal(resolver.reads, 1);
  clock.now = 499;
  assert.equal(resolver.name(8, 0), undefined);
  assert.equal(resolver.reads, 1);
  clock.now = 500;
  assert.equal(resolver.name(8, 0), "sda");
  assert.equal(resolver.reads, 2);
  clock.now = 100_000;
  assert.equal(resolver.name(253, 1), "vda1");
  assert.equal(resolver.reads, 2);
});

Deno.test("partitions resolver: default interval is 10 s; read errors are reported", () => {
  const clock = { now: 0 };
  const errors: unknown[] = [];
  let fail = true;
  const resolver = new PartitionsResolver({
    read: () => {
      if (fail) throw new Error("EACCES");
      return FIXTURE;
    },
    now: () => clock.now,
    onError: (e) => errors.push(e),
  });
  assert.equal(resolver.name(253, 0), undefined);
  fail = false;
  clock.now = 9_999;
  assert.equal(resolver.name(253, 0), undefined);
  assert.equal(errors.length, 1);
  clock.now = 10_000;
  assert.equal(resolver.name(253, 0), "vda");
  assert.equal(resolver.reads, 2);
});
