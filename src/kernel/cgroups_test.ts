import assert from "#assert";
import {
  type CgroupFs,
  type CgroupMount,
  CgroupResolver,
  type CgroupWatcher,
  type InotifyEvent,
  parseCgroupMounts,
  type SubdirEntry,
} from "./cgroups.ts";

// inotify bits, spelled out so the test does not depend on the FFI module's constants
const IN_MOVED_FROM = 0x40;
const IN_MOVED_TO = 0x80;
const IN_CREATE = 0x100;
const IN_DELETE = 0x200;
const IN_UNMOUNT = 0x2000;
const IN_Q_OVERFLOW = 0x4000;
const IN_IGNORED = 0x8000;
const IN_ISDIR = 0x4000_0000;
const ENOENT = 2;
const ENOSPC = 28;

const HYBRID_MOUNTINFO = [
  "23 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
  "",
].join("\n");

Deno.test("parseCgroupMounts: hybrid layout lists cgroup2 first, then v1 in mount order", () => {
  assert.deepEqual(parseCgroupMounts(HYBRID_MOUNTINFO), [
    { path: "/sys/fs/cgroup/unified", version: 2, device: "0:38", options: "rw" },
    { path: "/sys/fs/cgroup/cpu", version: 1, device: "0:29", options: "rw,cpu" },
    { path: "/sys/fs/cgroup/memory", version: 1, device: "0:32", options: "rw,memory" },
    { path: "/sys/fs/cgroup/systemd", version: 1, device: "0:37", options: "rw,name=systemd" },
  ]);
});

Deno.test("parseCgroupMounts: pure v2, bind mounts, escapes and junk", () => {
  const text = [
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate",
    // the same hierarchy again: the first mount of its root wins
    "90 23 0:26 / /mnt/cg rw - cgroup2 cgroup2 rw,nsdelegate",
    // a v1 hierarchy seen first through a subtree bind mount, then at its root
    "91 23 0:50 /sub /mnt/sub rw - cgroup cgroup rw,pids",
    "92 23 0:50 / /mnt/with\\040space rw - cgroup cgroup rw,pids",
    "not a mountinfo line",
    "93 23 0:51 / /proc rw - proc proc rw",
  ].join("\n");
  assert.deepEqual(parseCgroupMounts(text), [
    { path: "/sys/fs/cgroup", version: 2, device: "0:26", options: "rw,nsdelegate" },
    { path: "/mnt/with space", version: 1, device: "0:50", options: "rw,pids" },
  ]);
  assert.deepEqual(parseCgroupMounts(""), []);
});

/** An in-memory cgroupfs with inotify semantics (watches belong to directories, not paths). */
class FakeFs implements CgroupFs {
  readonly dirs = new Map<string, bigint>();
  readonly watchers: FakeWatcher[] = [];
  mountList: CgroupMount[] = [];
  watchLimit = Infinity;
  queueLimit = Infinity;
  failWatcher = false;
  failMounts = false;
  subdirCalls = 0;
  #nextId = 100n;

  mount(path: string, version: 1 | 2, rootId = 1n): void {
    this.mountList.push({ path, version, device: `0:${this.mountList.length + 40}`, options: "" });
    this.dirs.set(path, rootId);
  }

  /** Creates a directory (its parent must exist) and queues IN_CREATE for its parent's watch. */
  mkdir(path: string, id = this.#nextId++): bigint {
    const parent = path.slice(0, path.lastIndexOf("/"));
    assert.ok(this.dirs.has(parent), `parent of ${path}`);
    this.dirs.set(path, id);
    this.emit(parent, IN_CREATE | IN_ISDIR, path);
    return id;
  }

  /**
   * Removes an empty directory: IN_DELETE on the parent's watch. Like cgroupfs, no IN_IGNORED:
   * the removed directory's own watch stays until the watcher's owner removes it.
   */
  rmdir(path: string): void {
    if (!this.dirs.has(path)) throw new Error(`no ${path}`);
    assert.ok(![...this.dirs.keys()].some((p) => p.startsWith(`${path}/`)), `${path} not empty`);
    this.emit(path.slice(0, path.lastIndexOf("/")), IN_DELETE | IN_ISDIR, path);
    this.dirs.delete(path);
  }

  /** Renames a directory with everything below it (ids unchanged). */
  rename(from: string, to: string): void {
    const moved = [...this.dirs].filter(([p]) => p === from || p.startsWith(`${from}/`));
    this.emit(from.slice(0, from.lastIndexOf("/")), IN_MOVED_FROM | IN_ISDIR, from);
    for (const [p] of moved) this.dirs.delete(p);
    for (const [p, id] of moved) this.dirs.set(to + p.slice(from.length), id);
    this.emit(to.slice(0, to.lastIndexOf("/")), IN_MOVED_TO | IN_ISDIR, to);
  }

  /** Unmounts a hierarchy: IN_UNMOUNT + IN_IGNORED on every watch in it. */
  unmount(path: string): void {
    const gone = [...this.dirs].filter(([p]) => p === path || p.startsWith(`${path}/`));
    for (const w of this.watchers) {
      for (const [p, id] of gone) w.unmount(this.inode(p, id));
    }
    this.mountList = this.mountList.filter((m) => m.path !== path);
    for (const [p] of gone) this.dirs.delete(p);
  }

  overflow(): void {
    for (const w of this.watchers) w.push({ wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: "" });
  }

  emit(parent: string, mask: number, child: string): void {
    const parentId = this.dirs.get(parent);
    if (parentId === undefined) return;
    const name = child.slice(child.lastIndexOf("/") + 1);
    for (const w of this.watchers) w.event(this.inode(parent, parentId), mask, name);
  }

  /** Inodes are per hierarchy: the same number in two hierarchies is two directories. */
  inode(path: string, id: bigint): string {
    const root = this.mountList.find((m) => path === m.path || path.startsWith(`${m.path}/`));
    return `${root?.path}#${id}`;
  }

  mounts(): CgroupMount[] {
    if (this.failMounts) throw new Error("mountinfo unreadable");
    return [...this.mountList];
  }

  id(path: string): bigint | undefined {
    return this.dirs.get(path);
  }

  subdirs(path: string): SubdirEntry[] | undefined {
    this.subdirCalls++;
    if (!this.dirs.has(path)) return undefined;
    const out: SubdirEntry[] = [];
    for (const [p, ino] of this.dirs) {
      if (p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes("/")) {
        out.push({ name: p.slice(path.length + 1), ino });
      }
    }
    return out;
  }

  watcher(): CgroupWatcher {
    if (this.failWatcher) throw new Error("inotify_init1: Too many open files");
    const w = new FakeWatcher(this);
    this.watchers.push(w);
    return w;
  }

  get liveWatchers(): FakeWatcher[] {
    return this.watchers.filter((w) => !w.closed);
  }
}

class FakeWatcher implements CgroupWatcher {
  readonly #byInode = new Map<string, number>();
  #queue: InotifyEvent[] = [];
  #nextWd = 1;
  #overflowed = false;
  closed = false;
  reads = 0;

  constructor(readonly fs: FakeFs) {}

  get size(): number {
    return this.#byInode.size;
  }

  add(path: string): number {
    const id = this.fs.dirs.get(path);
    if (id === undefined) return -ENOENT;
    const inode = this.fs.inode(path, id);
    const existing = this.#byInode.get(inode);
    if (existing !== undefined) return existing;
    if (this.#byInode.size >= this.fs.watchLimit) return -ENOSPC;
    const wd = this.#nextWd++;
    this.#byInode.set(inode, wd);
    return wd;
  }

  event(inode: string, mask: number, name: string): void {
    const wd = this.#byInode.get(inode);
    if (wd !== undefined) this.push({ wd, mask, cookie: 0, name });
  }

  remove(wd: number): void {
    for (const [inode, w] of this.#byInode) {
      if (w === wd) this.drop(inode);
    }
  }

  drop(inode: string): void {
    const wd = this.#byInode.get(inode);
    if (wd === undefined) return;
    this.#byInode.delete(inode);
    this.push({ wd, mask: IN_IGNORED, cookie: 0, name: "" });
  }

  unmount(inode: string): void {
    const wd = this.#byInode.get(inode);
    if (wd === undefined) return;
    this.push({ wd, mask: IN_UNMOUNT, cookie: 0, name: "" });
    this.drop(inode);
  }

  push(event: InotifyEvent): void {
    if (this.closed) return;
    if (this.#overflowed) return;
    if (this.#queue.length >= this.fs.queueLimit) {
      this.#overflowed = true;
      this.#queue.push({ wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: "" });
      return;
    }
    this.#queue.push(event);
  }

  read(): InotifyEvent[] {
    this.reads++;
    const out = this.#queue;
    this.#queue = [];
    this.#overflowed = false;
    return out;
  }

  close(): void {
    this.closed = true;
    this.#queue = [];
  }
}

const V2 = "/sys/fs/cgroup/unified";
const MEM = "/sys/fs/cgroup/memory";

/** A hybrid layout: cgroup2 with system.slice/ssh.service, v1 memory with one child. */
function hybrid(): FakeFs {
  const fs = new FakeFs();
  fs.mount(V2, 2);
  fs.mount(MEM, 1);
  fs.dirs.set(`${V2}/system.slice`, 10n);
  fs.dirs.set(`${V2}/system.slice/ssh.service`, 11n);
  fs.dirs.set(`${MEM}/system.slice`, 10n); // collides with the v2 id 10
  fs.dirs.set(`${MEM}/docker`, 20n);
  return fs;
}

function clock(start = 1_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

function resolver(fs: FakeFs, c = clock(), errors: unknown[] = []) {
  return new CgroupResolver({
    fs,
    now: c.now,
    retainRemovedMs: 300_000,
    rescanIntervalMs: 10_000,
    onError: (e) => errors.push(e),
  });
}

Deno.test("CgroupResolver: nothing is read before the first lookup; poll alone reads nothing", () => {
  const fs = hybrid();
  const r = resolver(fs);
  r.poll();
  assert.equal(fs.subdirCalls, 0);
  assert.equal(fs.watchers.length, 0);
  assert.equal(r.stats.rescans, 0);
  assert.equal(r.path(11n), `${V2}/system.slice/ssh.service`);
  assert.equal(r.stats.rescans, 1);
});

Deno.test("CgroupResolver: initial walk resolves every hierarchy, v2 wins id collisions", () => {
  const fs = hybrid();
  const r = resolver(fs);
  const cases: [bigint, string | undefined][] = [
    [1n, V2], // every root is 1: cgroup2's wins
    [10n, `${V2}/system.slice`],
    [11n, `${V2}/system.slice/ssh.service`],
    [20n, `${MEM}/docker`],
    [99n, undefined],
    [0n, undefined],
    [1n << 63n, undefined],
  ];
  for (const [id, want] of cases) assert.equal(r.path(id), want, `id ${id}`);
  assert.deepEqual(r.stats, {
    hierarchies: 2,
    live: 6,
    retained: 0,
    watches: 6,
    rescans: 1,
    events: 0,
    watching: true,
  });
  const live = r.liveCgroups().map((e) => `${e.version} ${e.id} ${e.path}`).sort();
  assert.deepEqual(live, [
    `1 1 ${MEM}`,
    `1 10 ${MEM}/system.slice`,
    `1 20 ${MEM}/docker`,
    `2 1 ${V2}`,
    `2 10 ${V2}/system.slice`,
    `2 11 ${V2}/system.slice/ssh.service`,
  ]);
});

Deno.test("CgroupResolver: ids above 2^53 resolve", () => {
  const fs = new FakeFs();
  fs.mount(V2, 2);
  const big = (7n << 32n) * 1_000_000n + 5n;
  fs.dirs.set(`${V2}/big`, big);
  const r = resolver(fs);
  assert.equal(r.path(big), `${V2}/big`);
  assert.equal(r.path(big + 1n), undefined);
  assert.ok(r.liveCgroups().some((e) => e.id === big));
});

Deno.test("CgroupResolver: new cgroups are found through events, without a rescan", () => {
  const fs = hybrid();
  const r = resolver(fs);
  r.path(1n);
  const a = fs.mkdir(`${V2}/a.slice`);
  r.poll();
  assert.equal(r.stats.live, 7);
  assert.equal(r.path(a), `${V2}/a.slice`);
  // a lookup miss drains the queue by itself
  const b = fs.mkdir(`${V2}/a.slice/b.scope`);
  assert.equal(r.path(b), `${V2}/a.slice/b.scope`);
  // a directory whose children appear before its event is read: the walk of it finds them
  const c = fs.mkdir(`${V2}/c`);
  const d = fs.mkdir(`${V2}/c/d`);
  const e = fs.mkdir(`${V2}/c/d/e`);
  assert.equal(r.path(e), `${V2}/c/d/e`);
  assert.equal(r.path(d), `${V2}/c/d`);
  assert.equal(r.path(c), `${V2}/c`);
  // the new directories are watched too
  const f = fs.mkdir(`${V2}/c/d/e/f`);
  assert.equal(r.path(f), `${V2}/c/d/e/f`);
  // v1 hierarchies are followed the same way
  const g = fs.mkdir(`${MEM}/docker/abc`);
  assert.equal(r.path(g), `${MEM}/docker/abc`);
  assert.equal(r.stats.rescans, 1);
  assert.equal(r.stats.watching, true);
  assert.equal(r.stats.watches, 13);
});

Deno.test("CgroupResolver: a directory gone before its event is read is skipped", () => {
  const fs = hybrid();
  const r = resolver(fs);
  r.path(1n);
  const id = fs.mkdir(`${V2}/short`);
  fs.rmdir(`${V2}/short`);
  assert.equal(r.path(id), undefined);
  assert.equal(r.stats.live, 6);
  assert.equal(r.stats.retained, 0);
  assert.equal(r.stats.rescans, 1);
});

Deno.test("CgroupResolver: removed cgroups resolve for the retention, then are forgotten", () => {
  const fs = hybrid();
  const c = clock();
  const r = resolver(fs, c);
  r.path(1n);
  const id = fs.mkdir(`${V2}/gone.scope`);
  r.poll();
  c.t += 1_000;
  assert.equal(fs.liveWatchers[0].size, 7);
  fs.rmdir(`${V2}/gone.scope`);
  r.poll();
  assert.equal(r.path(id), `${V2}/gone.scope`);
  assert.equal(r.stats.live, 6);
  assert.equal(r.stats.retained, 1);
  // its watch was removed by the resolver (cgroupfs would keep it, pinning the inode)
  assert.equal(r.stats.watches, 6);
  assert.equal(fs.liveWatchers[0].size, 6);
  assert.ok(!r.liveCgroups().some((e) => e.id === id));
  c.t += 299_999;
  assert.equal(r.path(id), `${V2}/gone.scope`);
  c.t += 1;
  assert.equal(r.path(id), undefined); // expired, even before a sweep
  r.poll();
  assert.equal(r.stats.retained, 0);
  assert.equal(r.stats.rescans, 1);
});

Deno.test("CgroupResolver: a name reused by a new cgroup keeps both ids apart", () => {
  const fs = hybrid();
  const c = clock();
  const r = resolver(fs, c);
  r.path(1n);
  const old = fs.mkdir(`${V2}/svc`);
  r.poll();
  fs.rmdir(`${V2}/svc`);
  const fresh = fs.mkdir(`${V2}/svc`);
  r.poll();
  assert.equal(r.path(old), `${V2}/svc`);
  assert.equal(r.path(fresh), `${V2}/svc`);
  assert.equal(r.stats.live, 7);
  assert.equal(r.stats.retained, 1);
  c.t += 300_000;
  r.poll();
  assert.equal(r.path(old), undefined);
  assert.equal(r.path(fresh), `${V2}/svc`);
  // create, delete and create again before any read: the last one is what stays
  fs.rmdir(`${V2}/svc`);
  const third = fs.mkdir(`${V2}/svc`);
  r.poll();
  assert.equal(r.path(third), `${V2}/svc`);
  assert.equal(r.path(fresh), `${V2}/svc`);
  assert.deepEqual(r.liveCgroups().filter((e) => e.path === `${V2}/svc`).map((e) => e.id), [
    third,
  ]);
});

Deno.test("CgroupResolver: memory stays bounded under churn", () => {
  const fs = new FakeFs();
  fs.mount(V2, 2);
  const c = clock();
  const r = resolver(fs, c);
  r.path(1n);
  const ids: bigint[] = [];
  for (let i = 0; i < 20_000; i++) {
    ids.push(fs.mkdir(`${V2}/job-${i}`));
    r.poll();
    fs.rmdir(`${V2}/job-${i}`);
    r.poll();
    c.t += 100; // 10 cgroups a second: 3,000 within the 5 minute retention
    assert.ok(r.stats.retained <= 3_001, `retained ${r.stats.retained} at ${i}`);
  }
  assert.equal(r.stats.live, 1);
  assert.equal(r.stats.watches, 1);
  assert.equal(fs.liveWatchers[0].size, 1);
  assert.equal(r.path(ids[0]), undefined);
  assert.equal(r.path(ids[ids.length - 1]), `${V2}/job-19999`);
  c.t += 300_000;
  r.poll();
  assert.equal(r.stats.retained, 0);
  assert.equal(r.stats.rescans, 1);
});

Deno.test("CgroupResolver: a renamed subtree moves with its ids", () => {
  const fs = hybrid();
  const c = clock();
  const r = resolver(fs, c);
  r.path(1n);
  const a = fs.mkdir(`${MEM}/a`);
  const b = fs.mkdir(`${MEM}/a/b`);
  r.poll();
  fs.rename(`${MEM}/a`, `${MEM}/z`);
  r.poll();
  assert.equal(r.path(a), `${MEM}/z`);
  assert.equal(r.path(b), `${MEM}/z/b`);
  // the moved directories' watches still report, under the new paths
  const n = fs.mkdir(`${MEM}/z/b/new`);
  assert.equal(r.path(n), `${MEM}/z/b/new`);
  assert.equal(r.stats.rescans, 1);
  assert.equal(r.stats.live, 9);
  assert.equal(r.stats.watches, 9);
  assert.equal(fs.liveWatchers[0].size, 9);
  c.t += 300_000;
  r.poll();
  assert.equal(r.stats.retained, 0);
  assert.equal(r.path(b), `${MEM}/z/b`);
});

Deno.test("CgroupResolver: a queue overflow rescans, at most once per interval", () => {
  const fs = hybrid();
  fs.queueLimit = 3;
  const c = clock();
  const r = resolver(fs, c);
  r.path(1n);
  const ids = [0, 1, 2, 3, 4].map((i) => fs.mkdir(`${V2}/burst-${i}`));
  r.poll(); // overflow seen, but the first walk was 0 ms ago: the rescan waits
  assert.equal(r.stats.rescans, 1);
  assert.equal(r.stats.watching, false);
  // what made it into the queue is known; the rest waits for the rescan
  assert.equal(r.path(ids[0]), `${V2}/burst-0`);
  assert.equal(r.path(ids[4]), undefined);
  assert.equal(r.stats.rescans, 1);
  c.t += 10_000;
  r.poll();
  assert.equal(r.stats.rescans, 2);
  assert.equal(r.stats.watching, true);
  for (let i = 0; i < 5; i++) assert.equal(r.path(ids[i]), `${V2}/burst-${i}`);
  // the old watcher was closed and replaced
  assert.equal(fs.liveWatchers.length, 1);
  // a second overflow soon after waits for the interval, also on lookup misses
  const more = [5, 6, 7, 8, 9].map((i) => fs.mkdir(`${V2}/burst-${i}`));
  c.t += 5_000;
  assert.equal(r.path(more[4]), undefined);
  assert.equal(r.stats.rescans, 2);
  c.t += 5_000;
  assert.equal(r.path(more[4]), `${V2}/burst-9`);
  assert.equal(r.stats.rescans, 3);
});

Deno.test("CgroupResolver: a rescan retains what disappeared without an event", () => {
  const fs = hybrid();
  fs.queueLimit = 1;
  const c = clock();
  const r = resolver(fs, c);
  r.path(1n);
  const a = fs.mkdir(`${V2}/a`);
  r.poll();
  fs.rmdir(`${V2}/system.slice/ssh.service`); // queued
  fs.rmdir(`${V2}/a`); // lost in the overflow
  c.t += 10_000;
  r.poll();
  assert.equal(r.stats.rescans, 2);
  assert.equal(r.path(a), `${V2}/a`);
  assert.equal(r.path(11n), `${V2}/system.slice/ssh.service`);
  assert.equal(r.stats.retained, 2);
  c.t += 300_000;
  r.poll();
  assert.equal(r.path(a), undefined);
  assert.equal(r.path(11n), undefined);
  assert.equal(r.path(10n), `${V2}/system.slice`);
});

Deno.test("CgroupResolver: out of watches, misses rescan at most once per interval", () => {
  const fs = hybrid();
  fs.watchLimit = 4;
  const c = clock();
  const errors: unknown[] = [];
  const r = resolver(fs, c, errors);
  assert.equal(r.path(11n), `${V2}/system.slice/ssh.service`); // indexed even when unwatched
  assert.equal(r.path(20n), `${MEM}/docker`);
  assert.equal(r.stats.watching, false);
  assert.equal(r.stats.watches, 4);
  assert.equal(errors.length, 1);
  assert.match((errors[0] as Error).message, /max_user_watches/);
  const id = fs.mkdir(`${MEM}/docker/new`); // no watch on docker: no event
  assert.equal(r.path(id), undefined);
  assert.equal(r.path(id), undefined);
  assert.equal(r.stats.rescans, 1);
  c.t += 10_000;
  r.poll(); // poll does not walk for missing watches, only misses do
  assert.equal(r.stats.rescans, 1);
  assert.equal(r.path(id), `${MEM}/docker/new`);
  assert.equal(r.stats.rescans, 2);
  assert.equal(errors.length, 1); // reported once
});

Deno.test("CgroupResolver: without inotify, misses rescan at most once per interval", () => {
  const fs = hybrid();
  fs.failWatcher = true;
  const c = clock();
  const errors: unknown[] = [];
  const r = resolver(fs, c, errors);
  assert.equal(r.path(10n), `${V2}/system.slice`);
  assert.equal(r.stats.watches, 0);
  assert.equal(r.stats.watching, false);
  const id = fs.mkdir(`${V2}/late`);
  assert.equal(r.path(id), undefined);
  c.t += 9_999;
  assert.equal(r.path(id), undefined);
  assert.equal(r.stats.rescans, 1);
  c.t += 1;
  assert.equal(r.path(id), `${V2}/late`);
  assert.equal(r.stats.rescans, 2);
  assert.ok(errors.length >= 1);
});

Deno.test("CgroupResolver: an unmounted hierarchy is retained, then dropped", () => {
  const fs = hybrid();
  const c = clock();
  const r = resolver(fs, c);
  r.path(1n);
  c.t += 10_000;
  fs.unmount(MEM);
  r.poll();
  assert.equal(r.stats.rescans, 2);
  assert.equal(r.stats.hierarchies, 1);
  assert.equal(r.path(20n), `${MEM}/docker`);
  assert.equal(r.stats.retained, 3);
  c.t += 300_000;
  r.poll();
  assert.equal(r.path(20n), undefined);
  assert.equal(r.stats.retained, 0);
  assert.equal(r.path(10n), `${V2}/system.slice`);
});

Deno.test("CgroupResolver: failures are reported, never thrown", () => {
  const fs = hybrid();
  fs.failMounts = true;
  const errors: unknown[] = [];
  const r = resolver(fs, clock(), errors);
  assert.equal(r.path(1n), undefined);
  assert.equal(r.stats.hierarchies, 0);
  assert.match((errors[0] as Error).message, /mountinfo/);
  const broken: CgroupFs = {
    mounts: () => [{ path: V2, version: 2, device: "0:1", options: "" }],
    id: () => 1n,
    subdirs: () => {
      throw new Error("getdents64 failed");
    },
    watcher: () => ({
      add: () => 1,
      remove: () => {},
      read: () => {
        throw new Error("read failed");
      },
      close: () => {},
    }),
  };
  const errors2: unknown[] = [];
  const r2 = new CgroupResolver({ fs: broken, onError: (e) => errors2.push(e) });
  assert.equal(r2.path(5n), undefined);
  r2.poll();
  assert.ok(errors2.some((e) => /getdents64/.test((e as Error).message)));
  assert.ok(errors2.some((e) => /read failed/.test((e as Error).message)));
});

Deno.test("CgroupResolver: generation changes with the set; close releases the watcher", () => {
  const fs = hybrid();
  const r = resolver(fs);
  r.path(1n);
  const g0 = r.generation;
  r.poll();
  assert.equal(r.generation, g0);
  fs.mkdir(`${V2}/x`);
  r.poll();
  assert.ok(r.generation > g0);
  r.close();
  assert.equal(fs.liveWatchers.length, 0);
  assert.equal(r.path(1n), undefined);
  assert.deepEqual(r.liveCgroups(), []);
  r.poll();
});

Deno.test("CgroupResolver: a directory seen under a new name leaves its old one", () => {
  const fs = hybrid();
  const r = resolver(fs);
  r.path(1n);
  // a move reported only by IN_MOVED_TO (its source was not watched)
  fs.dirs.delete(`${MEM}/docker`);
  fs.dirs.set(`${MEM}/moby`, 20n);
  fs.emit(MEM, IN_MOVED_TO | IN_ISDIR, `${MEM}/moby`);
  r.poll();
  assert.equal(r.path(20n), `${MEM}/moby`);
  assert.deepEqual(r.liveCgroups().filter((e) => e.id === 20n).map((e) => e.path), [
    `${MEM}/moby`,
  ]);
  assert.equal(r.stats.live, 6);
  assert.equal(r.stats.retained, 0);
  assert.equal(r.stats.watches, 6);
  assert.equal(r.stats.rescans, 1);
});
