import { equal, ok } from "#assert";
import bcrypt from "bcryptjs";
import {
  BasicAuth,
  type BasicAuthOptions,
  constantTimeEqual,
  parseBasicAuth,
  protectHandler,
} from "./basic_auth.ts";

/** Cost 4 (bcrypt's lowest) keeps the tests fast; the code paths are the same. */
const ALICE_HASH = bcrypt.hashSync("wonderland", 4);
const BOB_HASH = bcrypt.hashSync("builder", 4);
const USERS = new Map([["alice", ALICE_HASH], ["bob", BOB_HASH]]);

const basic = (user: string, password: string) => "Basic " + btoa(`${user}:${password}`);

/** A BasicAuth whose bcrypt comparisons are counted (and real unless `compare` is given). */
function counted(options: BasicAuthOptions = {}) {
  const hashes: string[] = [];
  const compare = options.compare ?? ((p: string, h: string) => bcrypt.compare(p, h));
  const auth = new BasicAuth(USERS, {
    ...options,
    compare: (p, h) => {
      hashes.push(h);
      return compare(p, h);
    },
  });
  return { auth, hashes };
}

Deno.test("parseBasicAuth decodes Basic credentials and refuses anything else", () => {
  equal(JSON.stringify(parseBasicAuth(basic("alice", "a:b"))), '{"user":"alice","password":"a:b"}');
  equal(parseBasicAuth(`basic ${btoa("u:")}`)?.password, "");
  const utf8 = btoa(String.fromCharCode(...new TextEncoder().encode("jos\u00e9:p\u00e4ss")));
  equal(parseBasicAuth(`Basic ${utf8}`)?.user, "jos\u00e9");
  equal(parseBasicAuth(null), undefined);
  equal(parseBasicAuth("Bearer abc"), undefined);
  equal(parseBasicAuth("Basic !!!"), undefined);
  equal(parseBasicAuth(`Basic ${btoa("no-colon")}`), undefined);
  equal(parseBasicAuth(`Basic ${btoa("\xff\xfe:x")}`), undefined, "not UTF-8");
});

Deno.test("constantTimeEqual compares whole byte strings", () => {
  ok(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])));
  ok(!constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])));
  ok(!constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3])));
  ok(constantTimeEqual(new Uint8Array(), new Uint8Array()));
});

Deno.test("BasicAuth accepts the right password and denies everything else", async () => {
  const { auth } = counted();
  equal(await auth.check(basic("alice", "wonderland")), "ok");
  equal(await auth.check(basic("bob", "builder")), "ok");
  equal(await auth.check(basic("alice", "builder")), "denied");
  equal(await auth.check(basic("carol", "wonderland")), "denied");
  equal(await auth.check(basic("alice", "")), "denied");
  equal(await auth.check(null), "denied");
  equal(await auth.check("Basic"), "denied");
});

Deno.test("an unknown user costs a bcrypt comparison too, against a hash of the same cost", async () => {
  const { auth, hashes } = counted();
  equal(await auth.check(basic("mallory", "x")), "denied");
  equal(hashes.length, 1);
  ok(!USERS.has("mallory") && ![...USERS.values()].includes(hashes[0]));
  equal(hashes[0].length, 60);
  equal(hashes[0].slice(0, 7), ALICE_HASH.slice(0, 7), "same version and cost");
});

Deno.test("a verified password is cached: the next scrapes skip bcrypt until the TTL passes", async () => {
  let now = 0;
  const { auth, hashes } = counted({ now: () => now, cacheTtlMs: 60_000 });
  equal(await auth.check(basic("alice", "wonderland")), "ok");
  equal(hashes.length, 1);
  for (let i = 0; i < 5; i++) {
    now += 15_000; // a scrape every 15 s renews the entry
    equal(await auth.check(basic("alice", "wonderland")), "ok");
  }
  equal(hashes.length, 1);
  now += 61_000;
  equal(await auth.check(basic("alice", "wonderland")), "ok");
  equal(hashes.length, 2, "expired: verified again");
});

Deno.test("failed verifications are not cached, and a wrong password never hits the cache", async () => {
  const { auth, hashes } = counted();
  equal(await auth.check(basic("alice", "wonderland")), "ok");
  equal(await auth.check(basic("alice", "wrong")), "denied");
  equal(await auth.check(basic("alice", "wrong")), "denied");
  equal(hashes.length, 3);
  equal(auth.cached, 1);
});

Deno.test("the cache holds at most cacheMaxEntries credentials", async () => {
  const { auth } = counted({ cacheMaxEntries: 1 });
  equal(await auth.check(basic("alice", "wonderland")), "ok");
  equal(await auth.check(basic("bob", "builder")), "ok");
  equal(auth.cached, 1);
});

Deno.test("bcrypt comparisons run one at a time; too many waiting is 'busy'", async () => {
  let running = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const { auth } = counted({
    maxPending: 2,
    compare: async () => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((r) => release.push(r));
      running--;
      return false;
    },
  });
  const first = auth.check(basic("alice", "a"));
  const second = auth.check(basic("alice", "b"));
  await new Promise((r) => setTimeout(r, 20));
  equal(await auth.check(basic("alice", "c")), "busy");
  while (release.length > 0 || running > 0) {
    release.shift()?.();
    await new Promise((r) => setTimeout(r, 5));
  }
  equal(await first, "denied");
  equal(await second, "denied");
  equal(most, 1);
});

Deno.test("cached credentials are served even while the bcrypt queue is full", async () => {
  let block = true;
  const { auth } = counted({
    maxPending: 1,
    compare: async (p, h) => {
      while (block && p !== "wonderland") await new Promise((r) => setTimeout(r, 5));
      return await bcrypt.compare(p, h);
    },
  });
  equal(await auth.check(basic("alice", "wonderland")), "ok");
  const stuck = auth.check(basic("bob", "guess"));
  await new Promise((r) => setTimeout(r, 10));
  equal(await auth.check(basic("bob", "guess2")), "busy");
  equal(await auth.check(basic("alice", "wonderland")), "ok");
  block = false;
  equal(await stuck, "denied");
});

Deno.test("protectHandler: 401 with WWW-Authenticate, configured headers on every answer", async () => {
  let served = 0;
  const inner = () => {
    served++;
    return Promise.resolve(
      new Response("metrics\n", { headers: { "content-type": "text/plain" } }),
    );
  };
  const h = protectHandler(inner, {
    auth: new BasicAuth(USERS),
    headers: { "X-Frame-Options": "deny", "Strict-Transport-Security": "max-age=60" },
  });
  const get = (authorization?: string) =>
    h(new Request("http://localhost/metrics", authorization ? { headers: { authorization } } : {}));

  const none = await get();
  equal(none.status, 401);
  equal(none.headers.get("www-authenticate"), "Basic");
  equal(none.headers.get("x-frame-options"), "deny");
  const wrong = await get(basic("alice", "nope"));
  equal(wrong.status, 401);
  equal(await wrong.text(), "Unauthorized\n");
  equal(served, 0);

  const right = await get(basic("alice", "wonderland"));
  equal(right.status, 200);
  equal(await right.text(), "metrics\n");
  equal(right.headers.get("strict-transport-security"), "max-age=60");
  equal(right.headers.get("content-type"), "text/plain");
  equal(served, 1);
});

Deno.test("protectHandler without users only adds headers", async () => {
  const h = protectHandler(() => Promise.resolve(new Response("x")), {
    headers: { "X-Content-Type-Options": "nosniff" },
  });
  const res = await h(new Request("http://localhost/"));
  equal(res.status, 200);
  equal(res.headers.get("x-content-type-options"), "nosniff");
});

Deno.test("hashes written by htpasswd ($2y$) verify like bcryptjs' own ($2b$)", async () => {
  const y = ALICE_HASH.replace(/^\$2b\$/, "$2y$");
  equal(y.slice(0, 4), "$2y$");
  const auth = new BasicAuth(new Map([["alice", y]]));
  equal(await auth.check(basic("alice", "wonderland")), "ok");
  equal(await auth.check(basic("alice", "wonderlan")), "denied");
});
