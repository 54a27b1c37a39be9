import assert from "#assert";
import { KallsymsResolver, parseKallsyms } from "./kallsyms.ts";

const FIXTURE = [
  "ffffffff81000000 T _text",
  "ffffffff81000000 T startup_64",
  "ffffffff81001000 T secondary_startup_64",
  "ffffffff81234560 T tcp_v4_connect",
  "ffffffff81234600 t tcp_v4_init_sock",
  "ffffffffc0a01000 t foo_bar\t[nf_tables]",
  "ffffffffc0a01040 T nft_register_chain\t[nf_tables]",
  // out of order (module symbols are not sorted against the core kernel)
  "ffffffffc0800000 t ext4_fill_super\t[ext4]",
  "ffffffff81100000 W weak_symbol",
  "0000000000000000 A fixed_percpu_data",
  "garbage line",
  "",
].join("\n");

Deno.test("kallsyms: exact lookups", () => {
  const table = parseKallsyms(FIXTURE);
  assert.equal(table.size, 9);
  const cases: [bigint, string | undefined][] = [
    [0xffffffff81000000n, "_text"],
    [0xffffffff81001000n, "secondary_startup_64"],
    [0xffffffff81234560n, "tcp_v4_connect"],
    [0xffffffffc0a01000n, "foo_bar\t[nf_tables]"],
    [0xffffffffc0a01040n, "nft_register_chain\t[nf_tables]"],
    [0xffffffffc0800000n, "ext4_fill_super\t[ext4]"],
    [0xffffffff81100000n, "weak_symbol"],
    [0xffffffff81234561n, undefined],
    [0n, undefined],
    [-1n, undefined],
    [1n << 64n, undefined],
  ];
  for (const [addr, want] of cases) {
    assert.equal(table.exact(addr), want, addr.toString(16));
  }
});

Deno.test("kallsyms: nearest lookups", () => {
  const table = parseKallsyms(FIXTURE);
  const cases: [bigint, string | undefined][] = [
    [0xffffffff81000000n, "_text"],
    [0xffffffff81000fffn, "_text"],
    [0xffffffff81234570n, "tcp_v4_connect"],
    [0xffffffff81234600n, "tcp_v4_init_sock"],
    [0xffffffffc0800010n, "ext4_fill_super\t[ext4]"],
    [0xffffffffc0a01041n, "nft_register_chain\t[nf_tables]"],
    [0xffffffffffffffffn, "nft_register_chain\t[nf_tables]"],
    [0xffffffff80ffffffn, undefined],
    [0n, undefined],
  ];
  for (const [addr, want] of cases) {
    assert.equal(table.nearest(addr), want, addr.toString(16));
  }
});

Deno.test("kallsyms: short addresses and an all-zero file (no CAP_SYSLOG)", () => {
  const small = parseKallsyms("1000 T low\n20 t lower\n");
  assert.equal(small.exact(0x1000n), "low");
  assert.equal(small.nearest(0x30n), "lower");
  const zero = parseKallsyms(
    "0000000000000000 T _text\n0000000000000000 T startup_64\n",
  );
  assert.equal(zero.size, 0);
  assert.equal(zero.exact(0n), undefined);
});

/** A resolver over `texts` (one per read; the last repeats) with a fake clock. */
function setup(texts: string[], intervalMs = 1000) {
  const clock = { now: 0 };
  let next = 0;
  const resolver = new KallsymsResolver({
    read: () => texts[Math.min(next++, texts.length - 1)],
    refreshIntervalMs: intervalMs,
    now: () => clock.now,
  });
  return { clock, resolver };
}

Deno.test("kallsyms resolver: reads lazily, re-reads on a miss at most once per interval", () => {
  const loaded = FIXTURE + "ffffffffc0c00000 t new_mod_fn\t[newmod]\n";
  const { clock, resolver } = setup([FIXTURE, loaded]);
  assert.equal(resolver.reads, 0);
  assert.equal(resolver.exact(0xffffffff81234560n), "tcp_v4_connect");
  assert.equal(resolver.reads, 1);
  // a miss right after the first read does not re-read
  for (let i = 0; i < 100; i++) {
    assert.equal(resolver.exact(0xffffffffc0c00000n + BigInt(i)), undefined);
  }
  assert.equal(resolver.reads, 1);
  // hits never re-read
  clock.now = 5000;
  assert.equal(resolver.exact(0xffffffff81000000n), "_text");
  assert.equal(resolver.reads, 1);
  // after the interval one miss re-reads and finds the new module symbol
  assert.equal(resolver.exact(0xffffffffc0c00000n), "new_mod_fn\t[newmod]");
  assert.equal(resolver.reads, 2);
  // more misses within the interval: no re-read
  clock.now = 5999;
  for (let i = 1; i < 100; i++) {
    assert.equal(resolver.exact(0xffffffffc0c00000n + BigInt(i)), undefined);
  }
  assert.equal(resolver.reads, 2);
  clock.now = 6000;
  assert.equal(resolver.exact(0xdeadn), undefined);
  assert.equal(resolver.reads, 3);
});

Deno.test("kallsyms resolver: nearest misses are bounded too", () => {
  const { clock, resolver } = setup([FIXTURE]);
  assert.equal(resolver.nearest(0x10n), undefined);
  assert.equal(resolver.nearest(0x11n), undefined);
  assert.equal(resolver.reads, 1);
  clock.now = 1000;
  assert.equal(resolver.nearest(0x10n), undefined);
  assert.equal(resolver.reads, 2);
  assert.equal(resolver.nearest(0xffffffff81000001n), "_text");
});

Deno.test("kallsyms resolver: an all-zero re-read keeps the previous table", () => {
  const zeroed = "0000000000000000 T _text\n0000000000000000 t foo_bar\t[nf_tables]\n";
  const { clock, resolver } = setup([FIXTURE, zeroed]);
  resolver.refresh();
  clock.now = 2000;
  assert.equal(resolver.exact(0x1n), undefined);
  assert.equal(resolver.reads, 2);
  assert.equal(resolver.exact(0xffffffffc0a01000n), "foo_bar\t[nf_tables]");
});

Deno.test("kallsyms resolver: read errors are reported, not thrown, and bounded", () => {
  const clock = { now: 0 };
  const errors: unknown[] = [];
  let fail = true;
  const resolver = new KallsymsResolver({
    read: () => {
      if (fail) throw new Error("EPERM");
      return FIXTURE;
    },
    now: () => clock.now,
    onError: (e) => errors.push(e),
  });
  assert.equal(resolver.exact(0xffffffff81000000n), undefined);
  assert.equal(resolver.exact(0xffffffff81000000n), undefined);
  assert.equal(errors.length, 1);
  assert.equal(resolver.reads, 1);
  fail = false;
  clock.now = 10_000;
  assert.equal(resolver.exact(0xffffffff81000000n), "_text");
  assert.throws(() => {
    fail = true;
    resolver.refresh();
  }, /EPERM/);
  assert.equal(resolver.exact(0xffffffff81000000n), "_text");
});
