import assert from "#assert";
import { libc, libcPath } from "../ffi/libc.ts";
import { listSubdirectories, statDirectoryInode } from "../ffi/libc_fs.ts";
import { CgroupResolver, kernelCgroupFs } from "../src/kernel/cgroups.ts";
import { kernelTest } from "./helpers/kernel.ts";

const RETAIN_MS = 300_000;

function cgroupMountPath(version: 1 | 2): string {
  const mount = kernelCgroupFs().mounts().find((m) => m.version === version);
  if (mount === undefined) throw new Error(`no cgroup v${version} hierarchy is mounted`);
  return mount.path;
}

function testName(): string {
  return `ebpf-exporter-test-${Deno.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

function inode(path: string): bigint {
  return BigInt(Deno.statSync(path).ino!);
}

function removeQuietly(...paths: string[]): void {
  for (const path of paths) {
    try {
      Deno.removeSync(path);
    } catch {
      // already gone
    }
  }
}

/** inotify watches this process holds, as the kernel counts them (/proc/self/fdinfo). */
function kernelWatchCount(): number {
  let n = 0;
  for (const entry of Deno.readDirSync("/proc/self/fdinfo")) {
    try {
      const text = Deno.readTextFileSync(`/proc/self/fdinfo/${entry.name}`);
      n += text.split("\n").filter((l) => l.startsWith("inotify wd:")).length;
    } catch {
      // the fd was closed meanwhile
    }
  }
  return n;
}

function fakeClock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

kernelTest("cgroups: getdents64 and statx see what stat sees", [], () => {
  const root = cgroupMountPath(2);
  assert.equal(statDirectoryInode(root), inode(root));
  assert.equal(statDirectoryInode(`${root}/cgroup.procs`), undefined); // a file
  assert.equal(statDirectoryInode(`${root}/no-such-cgroup`), undefined);
  assert.equal(listSubdirectories(`${root}/no-such-cgroup`), undefined);
  for (const { name, ino } of listSubdirectories(root)!) {
    assert.ok(name !== "." && name !== "..");
    assert.equal(ino, inode(`${root}/${name}`), name);
    assert.ok(Deno.statSync(`${root}/${name}`).isDirectory);
  }
});

kernelTest("cgroups: the initial walk matches stat for every cgroup", [], () => {
  const errors: unknown[] = [];
  const r = new CgroupResolver({ onError: (e) => errors.push(e) });
  try {
    const v2 = cgroupMountPath(2);
    assert.equal(r.path(1n), v2); // the cgroup2 root is 1 (every v1 root is too: v2 wins)
    const live = r.liveCgroups();
    assert.equal(live.length, r.stats.live);
    assert.equal(r.stats.hierarchies, kernelCgroupFs().mounts().length);
    for (const { id, path, version } of live) {
      assert.equal(id, inode(path), path);
      if (version === 2) assert.equal(r.path(id), path);
    }
    assert.equal(r.stats.watches, r.stats.live);
    assert.equal(r.stats.watching, true);
    assert.deepEqual(errors, []);
  } finally {
    r.close();
  }
});

kernelTest("cgroups: a new cgroup2 cgroup resolves without a rescan, and ages out", [], () => {
  const root = cgroupMountPath(2);
  const clock = fakeClock();
  const errors: unknown[] = [];
  const r = new CgroupResolver({
    now: clock.now,
    retainRemovedMs: RETAIN_MS,
    onError: (e) => errors.push(e),
  });
  const dir = `${root}/${testName()}`;
  const child = `${dir}/child`;
  const other = `${root}/${testName()}`;
  const watchesBefore = kernelWatchCount();
  try {
    assert.equal(r.path(1n), root);
    assert.equal(r.stats.rescans, 1);
    assert.equal(kernelWatchCount() - watchesBefore, r.stats.watches);

    Deno.mkdirSync(dir);
    Deno.mkdirSync(child);
    const dirId = inode(dir);
    const childId = inode(child);
    r.poll();
    assert.equal(r.stats.rescans, 1);
    assert.equal(r.path(dirId), dir);
    assert.equal(r.path(childId), child);
    assert.equal(r.stats.rescans, 1);

    // a lookup miss drains the events by itself
    Deno.mkdirSync(other);
    assert.equal(r.path(inode(other)), other);
    assert.equal(r.stats.rescans, 1);

    Deno.removeSync(child);
    Deno.removeSync(dir);
    clock.t += 1_000;
    r.poll();
    assert.equal(r.path(dirId), dir);
    assert.equal(r.path(childId), child);
    assert.ok(r.stats.retained >= 2);
    assert.ok(!r.liveCgroups().some((e) => e.id === dirId));
    // cgroupfs sends no IN_IGNORED on rmdir: the resolver removed those watches itself
    assert.equal(kernelWatchCount() - watchesBefore, r.stats.watches);
    assert.equal(r.stats.watches, r.stats.live);

    clock.t += RETAIN_MS - 1;
    r.poll();
    assert.equal(r.path(childId), child);
    clock.t += 1;
    r.poll();
    assert.equal(r.path(dirId), undefined);
    assert.equal(r.path(childId), undefined);
    assert.equal(r.stats.rescans, 1);
    assert.equal(r.stats.watching, true);
    assert.deepEqual(errors, []);
  } finally {
    removeQuietly(child, dir, other);
    r.close();
  }
});

kernelTest("cgroups: a new v1 cgroup resolves to its hierarchy's path", [], (t) => {
  let root: string;
  try {
    root = cgroupMountPath(1);
  } catch {
    t.step({ name: "no v1 hierarchy (pure cgroup2)", ignore: true, fn() {} });
    return;
  }
  const r = new CgroupResolver();
  const dir = `${root}/${testName()}`;
  try {
    r.path(1n);
    Deno.mkdirSync(dir);
    const id = inode(dir);
    r.poll();
    const found = r.liveCgroups().find((e) => e.path === dir);
    assert.deepEqual(found, { id, path: dir, version: 1 });
    assert.equal(r.stats.rescans, 1);
  } finally {
    removeQuietly(dir);
    r.close();
  }
});

kernelTest("cgroups: works under a path-scoped --allow-ffi (no pointer views)", [], async () => {
  libc();
  const libcFile = libcPath()!;
  const root = cgroupMountPath(2);
  const dir = `${root}/${testName()}`;
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  const module = new URL("../src/kernel/cgroups.ts", import.meta.url).href;
  // The child walks, says "ready", then reads the id of a cgroup made after its walk from stdin.
  await Deno.writeTextFile(
    script,
    `import { CgroupResolver } from ${JSON.stringify(module)};
const r = new CgroupResolver({ onError: (e) => console.error(String(e)) });
const root = r.path(1n);
console.log("ready");
const line = await new Response(Deno.stdin.readable).text();
r.poll();
const created = r.path(BigInt(line.trim()));
console.log(JSON.stringify({ root, created, rescans: r.stats.rescans, watching: r.stats.watching }));
r.close();
`,
  );
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-lock", "--no-config", `--allow-ffi=${libcFile}`, script],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let stdout = "";
    while (!stdout.includes("ready\n")) {
      const { value, done } = await lines.read();
      if (done) break;
      stdout += value;
    }
    Deno.mkdirSync(dir);
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${inode(dir)}\n`));
    await writer.close();
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      stdout += value;
    }
    const status = await child.status;
    const stderr = await new Response(child.stderr).text();
    assert.equal(status.code, 0, stderr);
    assert.equal(stderr, "");
    const result = JSON.parse(stdout.slice(stdout.indexOf("ready\n") + 6));
    assert.deepEqual(result, { root, created: dir, rescans: 1, watching: true });
  } finally {
    removeQuietly(dir, script);
  }
});
