import assert from "#assert";
import { ifIndexToName, InterfaceLookupError } from "../../ffi/libc_net.ts";
import { InterfacesResolver } from "./interfaces.ts";

/** A fake system whose interfaces the test changes, counting lookups per index. */
function fakeSystem(initial: Record<number, string>) {
  const interfaces = new Map(Object.entries(initial).map(([k, v]) => [Number(k), v]));
  const asked: number[] = [];
  const clock = { now: 1_000_000 };
  const resolver = new InterfacesResolver({
    lookup: (index) => {
      asked.push(index);
      return interfaces.get(index);
    },
    now: () => clock.now,
  });
  return { interfaces, asked, clock, resolver };
}

Deno.test("interfaces: names are cached for 60 s, then asked again", () => {
  const { interfaces, asked, clock, resolver } = fakeSystem({ 1: "lo", 2: "eth0" });
  assert.equal(resolver.name(2), "eth0");
  for (let i = 0; i < 100; i++) assert.equal(resolver.name(2), "eth0");
  assert.deepEqual(asked, [2]);
  // The index is reused by another interface: the old name stays until the TTL runs out.
  interfaces.set(2, "veth7");
  clock.now += 59_999;
  assert.equal(resolver.name(2), "eth0");
  assert.equal(resolver.lookups, 1);
  clock.now += 1;
  assert.equal(resolver.name(2), "veth7");
  assert.equal(resolver.lookups, 2);
});

Deno.test("interfaces: an unknown index is asked about at most once per 10 s", () => {
  const { interfaces, asked, clock, resolver } = fakeSystem({ 1: "lo" });
  for (let i = 0; i < 1000; i++) assert.equal(resolver.name(5), undefined);
  assert.deepEqual(asked, [5]);
  interfaces.set(5, "wg0");
  clock.now += 9_999;
  assert.equal(resolver.name(5), undefined);
  assert.equal(resolver.lookups, 1);
  clock.now += 1;
  assert.equal(resolver.name(5), "wg0");
  assert.equal(resolver.lookups, 2);
  // Each index has its own retry time.
  assert.equal(resolver.name(6), undefined);
  clock.now += 5_000;
  assert.equal(resolver.name(6), undefined);
  assert.deepEqual(asked, [5, 5, 6]);
});

Deno.test("interfaces: an interface that goes away becomes unknown once its name expires", () => {
  const { interfaces, clock, resolver } = fakeSystem({ 3: "tap0" });
  assert.equal(resolver.name(3), "tap0");
  interfaces.delete(3);
  clock.now += 60_000;
  assert.equal(resolver.name(3), undefined);
  clock.now += 1_000;
  assert.equal(resolver.name(3), undefined);
  assert.equal(resolver.lookups, 2);
  assert.deepEqual(resolver.cacheSizes, { names: 0, misses: 1 });
});

Deno.test("interfaces: both caches are bounded, oldest entries go first", () => {
  const clock = { now: 0 };
  let lookups = 0;
  const resolver = new InterfacesResolver({
    lookup: (index) => {
      lookups++;
      return index % 2 === 0 ? `if${index}` : undefined;
    },
    maxNames: 3,
    maxMisses: 2,
    now: () => clock.now,
  });
  for (let index = 1; index <= 100; index++) resolver.name(index);
  assert.deepEqual(resolver.cacheSizes, { names: 3, misses: 2 });
  assert.equal(lookups, 100);
  // The newest ones are still cached, evicted ones are asked about again.
  assert.equal(resolver.name(100), "if100");
  assert.equal(resolver.name(99), undefined);
  assert.equal(lookups, 100);
  assert.equal(resolver.name(2), "if2");
  assert.equal(resolver.name(1), undefined);
  assert.equal(lookups, 102);
  assert.deepEqual(resolver.cacheSizes, { names: 3, misses: 2 });
});

Deno.test("interfaces: invalid indexes are never looked up", () => {
  const { asked, resolver } = fakeSystem({ 0: "zero" });
  for (const index of [0, -1, 1.5, 2 ** 32, NaN]) assert.equal(resolver.name(index), undefined);
  assert.deepEqual(asked, []);
});

Deno.test("interfaces: lookup failures count as misses and are reported", () => {
  const clock = { now: 0 };
  const errors: unknown[] = [];
  let fail = true;
  const resolver = new InterfacesResolver({
    lookup: () => {
      if (fail) throw new Error("EMFILE");
      return "eth0";
    },
    now: () => clock.now,
    onError: (e) => errors.push(e),
  });
  assert.equal(resolver.name(2), undefined);
  assert.equal(resolver.name(2), undefined);
  assert.equal(errors.length, 1);
  fail = false;
  clock.now = 10_000;
  assert.equal(resolver.name(2), "eth0");
});

Deno.test("interfaces (real, libc): index 1 is lo", () => {
  assert.equal(ifIndexToName(1), "lo");
  assert.equal(new InterfacesResolver().name(1), "lo");
});

Deno.test("interfaces (real, libc): an index no interface has is undefined", () => {
  assert.equal(ifIndexToName(0x7fff_fff0), undefined);
  assert.equal(ifIndexToName(0), undefined);
  const resolver = new InterfacesResolver();
  assert.equal(resolver.name(0x7fff_fff0), undefined);
  assert.equal(resolver.lookups, 1);
  assert.ok(new InterfaceLookupError(3, 24).message.startsWith("if_indextoname(3): "));
});
