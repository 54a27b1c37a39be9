/**
 * Cgroup id -> cgroupfs path, for the `cgroup` decoder and `cgroup_id_map` (compat.md §4, §6b).
 *
 * A cgroup's id is the inode number of its directory in cgroupfs (what `bpf_get_current_cgroup_id()`
 * returns for cgroup2; v1 hierarchies number their directories the same way). The resolver finds
 * every cgroup mount in `/proc/self/mountinfo` (cgroup2 first, then the v1 hierarchies, so on a
 * hybrid layout an id present in both resolves to `/sys/fs/cgroup/unified/...`), walks each once,
 * and then follows changes with inotify instead of walking again:
 *
 * - every indexed directory is watched (watch first, then list, so no child can slip in between);
 *   cgroupfs sends no IN_IGNORED for a removed cgroup, so the resolver drops that watch itself;
 * - the queue is drained without blocking at the start of every lookup miss and by {@link
 *   CgroupResolver.poll}, which the exporter calls once per scrape: no threads, no callbacks;
 * - a removed cgroup stays resolvable for `retainRemovedMs` (its id may still sit in a map), then is
 *   forgotten, so memory follows the live set under churn;
 * - a queue overflow, an unmount, or a directory that could not be watched (`max_user_watches`)
 *   makes a full rescan due; rescans happen at most once per `rescanIntervalMs`.
 *
 * The filesystem is behind {@link CgroupFs}, so the logic runs against a fake in unit tests;
 * {@link kernelCgroupFs} is the real one (libc through FFI: Deno refuses `/sys` and `/proc`).
 * @module
 */

import { readKernelTextFile } from "../../ffi/libc.ts";
import {
  ENOENT,
  ENOSPC,
  ENOTDIR,
  IN_CREATE,
  IN_DELETE,
  IN_IGNORED,
  IN_ISDIR,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_ONLYDIR,
  IN_Q_OVERFLOW,
  IN_UNMOUNT,
  Inotify,
  type InotifyEvent,
  listSubdirectories,
  statDirectoryInode,
  type SubdirEntry,
} from "../../ffi/libc_fs.ts";
import type { CgroupPathResolver } from "../decoders/decoder.ts";

export type { InotifyEvent, SubdirEntry };

/** One mounted cgroup hierarchy. */
export interface CgroupMount {
  /** Where it is mounted, e.g. `/sys/fs/cgroup/unified`. */
  readonly path: string;
  /** 2 for cgroup2, 1 for a v1 hierarchy. */
  readonly version: 1 | 2;
  /** `major:minor` of the mount: one per hierarchy. */
  readonly device: string;
  /** Super options, e.g. `rw,memory` or `rw,name=systemd` (empty for cgroup2 as a rule). */
  readonly options: string;
}

/** The inotify events the resolver asks for. */
const CGROUP_WATCH_MASK = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR;

/** A non-blocking directory watcher (inotify semantics). */
export interface CgroupWatcher {
  /** Watches directory `path` with {@link CGROUP_WATCH_MASK}: a watch descriptor, or `-errno`. */
  add(path: string): number;
  /** Stops watching one directory (the kernel then queues IN_IGNORED for `wd`). */
  remove(wd: number): void;
  /** The queued events, without waiting (an empty list when there are none). */
  read(): InotifyEvent[];
  /** Stops watching; the watcher is not used afterwards. */
  close(): void;
}

/** What the resolver needs from the filesystem. */
export interface CgroupFs {
  /** The mounted cgroup hierarchies, cgroup2 first (see {@link parseCgroupMounts}). */
  mounts(): CgroupMount[];
  /** The inode number of directory `path`; undefined if it does not exist. */
  id(path: string): bigint | undefined;
  /** The subdirectories of `path` with their inode numbers; undefined if it does not exist. */
  subdirs(path: string): SubdirEntry[] | undefined;
  /** A new watcher; throws when none can be had (e.g. `max_user_instances` reached). */
  watcher(): CgroupWatcher;
}

function unescapeMountField(s: string): string {
  return s.includes("\\")
    ? s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)))
    : s;
}

/**
 * The cgroup hierarchies in `/proc/self/mountinfo` text: cgroup2 first, then v1, each in mount
 * order. A hierarchy mounted more than once is listed once, at the first mount of its root (`/`),
 * else at its first mount.
 */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const byDevice = new Map<string, { mount: CgroupMount; fullRoot: boolean }>();
  for (const line of mountinfo.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(" ");
    const right = line.slice(dash + 3).split(" ");
    if (left.length < 6 || right.length < 1) continue;
    const fstype = right[0];
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    const device = left[2];
    const fullRoot = unescapeMountField(left[3]) === "/";
    const mount: CgroupMount = {
      path: unescapeMountField(left[4]),
      version: fstype === "cgroup2" ? 2 : 1,
      device,
      options: right[2] ?? "",
    };
    const seen = byDevice.get(device);
    if (seen === undefined || (!seen.fullRoot && fullRoot)) {
      byDevice.set(device, { mount, fullRoot });
    }
  }
  const mounts = [...byDevice.values()].map((m) => m.mount);
  return [...mounts.filter((m) => m.version === 2), ...mounts.filter((m) => m.version === 1)];
}

/** The real filesystem: mountinfo, `getdents64`, `statx` and inotify through libc. */
export function kernelCgroupFs(): CgroupFs {
  return {
    mounts: () => parseCgroupMounts(readKernelTextFile("/proc/self/mountinfo")),
    id: statDirectoryInode,
    subdirs: listSubdirectories,
    watcher: () => {
      const inotify = Inotify.open();
      return {
        add: (path) => inotify.addWatch(path, CGROUP_WATCH_MASK),
        remove: (wd) => inotify.removeWatch(wd),
        read: () => inotify.read(),
        close: () => inotify.close(),
      };
    },
  };
}

/** Map key of an id: a number when exact, else the bigint (kernfs ids fit 53 bits in practice). */
type IdKey = number | bigint;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const idKey = (id: bigint): IdKey => id >= 0n && id <= MAX_SAFE ? Number(id) : id;

interface Node {
  readonly key: IdKey;
  readonly path: string;
  /** When the cgroup was seen removed (resolver clock), undefined while it is live. */
  removedAt: number | undefined;
  /** Its watch descriptor (-1: not watched) in watcher `epoch`. */
  wd: number;
  epoch: number;
}

/** Index of one hierarchy: every known id (live or retained), and the live ones by path. */
class Hierarchy {
  readonly byId = new Map<IdKey, Node>();
  live = new Map<string, Node>();
  /** False once the hierarchy is no longer mounted (kept until its retained entries expire). */
  mounted = true;

  constructor(readonly mount: CgroupMount) {}
}

/** Counters and sizes, for tests, debugging and measurements. */
export interface CgroupResolverStats {
  /** Hierarchies indexed (mounted ones). */
  readonly hierarchies: number;
  /** Live cgroups over all hierarchies. */
  readonly live: number;
  /** Removed cgroups still resolvable (within `retainRemovedMs`). */
  readonly retained: number;
  /** Directories watched. */
  readonly watches: number;
  /** Full walks done, the first one included. */
  readonly rescans: number;
  /** inotify events processed. */
  readonly events: number;
  /** True while every directory is watched and no rescan is due. */
  readonly watching: boolean;
}

/** How a {@link CgroupResolver} reads the filesystem and ages its entries. */
export interface CgroupResolverOptions {
  /** The filesystem (default {@link kernelCgroupFs}). */
  readonly fs?: CgroupFs;
  /** How long a removed cgroup stays resolvable (default 300 000 ms). */
  readonly retainRemovedMs?: number;
  /** Minimum time between two full rescans (default 10 000 ms). */
  readonly rescanIntervalMs?: number;
  /** Clock in milliseconds (default `performance.now`); tests pass a fake. */
  readonly now?: () => number;
  /** Told about filesystem and watch failures (which never make a lookup throw). */
  readonly onError?: (error: unknown) => void;
}

/** A live cgroup. */
export interface CgroupEntry {
  /** Its id (directory inode number). */
  readonly id: bigint;
  /** Its full path, e.g. `/sys/fs/cgroup/unified/system.slice`. */
  readonly path: string;
  /** 2 for cgroup2, 1 for a v1 hierarchy. */
  readonly version: 1 | 2;
}

/**
 * {@link CgroupPathResolver} over every mounted cgroup hierarchy (see the module doc). Nothing is
 * read until the first lookup (or {@link rescan}); {@link close} releases the inotify fd.
 */
export class CgroupResolver implements CgroupPathResolver {
  readonly #fs: CgroupFs;
  readonly #retainMs: number;
  readonly #rescanIntervalMs: number;
  readonly #now: () => number;
  readonly #onError?: (error: unknown) => void;
  #hierarchies: Hierarchy[] = [];
  #watcher: CgroupWatcher | undefined;
  readonly #watches = new Map<number, { readonly h: Hierarchy; path: string }>();
  /** Removed nodes in removal order, swept from #expiryHead. */
  #expiry: ({ readonly h: Hierarchy; readonly node: Node } | undefined)[] = [];
  #expiryHead = 0;
  #started = false;
  #closed = false;
  /** Every directory is watched (else misses may rescan). */
  #complete = false;
  /** An overflow or unmount made a rescan due. */
  #rescanDue = false;
  #watchLimitReported = false;
  #lastRescan = -Infinity;
  /** Bumped with every new watcher, so a stale wd is never removed from a newer one. */
  #epoch = 0;
  #rescans = 0;
  #events = 0;
  #generation = 0;

  /** Creates a resolver; nothing is read yet. */
  constructor(options: CgroupResolverOptions = {}) {
    this.#fs = options.fs ?? kernelCgroupFs();
    this.#retainMs = options.retainRemovedMs ?? 300_000;
    this.#rescanIntervalMs = options.rescanIntervalMs ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
    this.#onError = options.onError;
  }

  /**
   * Full path of the cgroup with this id, e.g. `/sys/fs/cgroup/unified/system.slice/ssh.service`;
   * undefined if unknown. A miss first applies the queued inotify events, then (only when watching
   * is incomplete or an overflow happened) rescans, at most once per `rescanIntervalMs`.
   */
  path(id: bigint): string | undefined {
    if (this.#closed) return undefined;
    this.#start();
    const key = idKey(id);
    let found = this.#find(key);
    if (found !== undefined) return found;
    this.#drain();
    found = this.#find(key);
    if (found !== undefined) return found;
    if ((this.#rescanDue || !this.#complete) && this.#rescanAllowed()) {
      this.#rescan();
      found = this.#find(key);
    }
    return found;
  }

  /**
   * Applies queued inotify events and forgets expired removed cgroups, without blocking; runs a due
   * rescan (after an overflow) when the rate limit allows. Does nothing before the first lookup.
   */
  poll(): void {
    if (!this.#started || this.#closed) return;
    this.#drain();
    if (this.#rescanDue && this.#rescanAllowed()) this.#rescan();
  }

  /** Walks every hierarchy now (re-reading the mounts), whatever the rate limit. */
  rescan(): void {
    if (this.#closed) return;
    this.#started = true;
    this.#rescan();
  }

  /** The live cgroups (removed ones within their retention are not listed). */
  liveCgroups(): CgroupEntry[] {
    if (this.#closed) return [];
    this.#start();
    this.poll();
    const out: CgroupEntry[] = [];
    for (const h of this.#hierarchies) {
      for (const node of h.live.values()) {
        out.push({ id: BigInt(node.key), path: node.path, version: h.mount.version });
      }
    }
    return out;
  }

  /** Increases whenever a cgroup is indexed or seen removed: callers can skip unchanged states. */
  get generation(): number {
    return this.#generation;
  }

  /** Counters and sizes. */
  get stats(): CgroupResolverStats {
    let live = 0;
    let known = 0;
    let hierarchies = 0;
    for (const h of this.#hierarchies) {
      live += h.live.size;
      known += h.byId.size;
      if (h.mounted) hierarchies++;
    }
    return {
      hierarchies,
      live,
      retained: known - live,
      watches: this.#watches.size,
      rescans: this.#rescans,
      events: this.#events,
      watching: this.#complete && !this.#rescanDue,
    };
  }

  /** Closes the watcher and drops the index; later lookups return undefined. */
  close(): void {
    this.#closed = true;
    this.#closeWatcher();
    this.#hierarchies = [];
    this.#expiry = [];
    this.#expiryHead = 0;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#rescan();
  }

  #find(key: IdKey): string | undefined {
    for (const h of this.#hierarchies) {
      const node = h.byId.get(key);
      if (node === undefined) continue;
      if (node.removedAt !== undefined && this.#now() - node.removedAt >= this.#retainMs) continue;
      return node.path;
    }
    return undefined;
  }

  #rescanAllowed(): boolean {
    return this.#now() - this.#lastRescan >= this.#rescanIntervalMs;
  }

  #report(error: unknown): void {
    this.#onError?.(error);
  }

  #closeWatcher(): void {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    this.#watches.clear();
    this.#epoch++;
    if (watcher !== undefined) {
      try {
        watcher.close();
      } catch (e) {
        this.#report(e);
      }
    }
  }

  /** A fresh watcher and a full walk of every hierarchy; what is no longer there is removed. */
  #rescan(): void {
    this.#rescans++;
    this.#lastRescan = this.#now();
    this.#rescanDue = false;
    this.#complete = true;
    this.#closeWatcher();
    try {
      this.#watcher = this.#fs.watcher();
    } catch (e) {
      this.#complete = false;
      this.#report(e);
    }
    let mounts: CgroupMount[];
    try {
      mounts = this.#fs.mounts();
    } catch (e) {
      this.#complete = false;
      this.#report(e);
      mounts = this.#hierarchies.filter((h) => h.mounted).map((h) => h.mount);
    }
    const previous = this.#hierarchies;
    const next: Hierarchy[] = [];
    for (const mount of mounts) {
      const h = previous.find((p) =>
        p.mounted && p.mount.device === mount.device && p.mount.path === mount.path
      ) ?? new Hierarchy(mount);
      next.push(h);
      const before = h.live;
      h.live = new Map();
      let rootId: bigint | undefined;
      try {
        rootId = this.#fs.id(mount.path);
      } catch (e) {
        this.#report(e);
      }
      if (rootId === undefined) {
        this.#complete = false;
      } else this.#indexTree(h, mount.path, rootId);
      for (const node of before.values()) {
        if (h.live.get(node.path) !== node) {
          this.#markRemoved(h, node, false);
        }
      }
    }
    for (const h of previous) {
      if (next.includes(h)) continue;
      h.mounted = false;
      for (const node of h.live.values()) this.#markRemoved(h, node, false);
      h.live.clear();
      if (h.byId.size > 0) next.push(h);
    }
    this.#hierarchies = next;
    this.#sweep();
  }

  /** Watches and indexes `path` (whose id is `id`) and everything below it. */
  #indexTree(h: Hierarchy, path: string, id: bigint): void {
    const stack: [string, bigint][] = [[path, id]];
    while (stack.length > 0) {
      const [dir, dirId] = stack.pop()!;
      const wd = this.#watch(h, dir);
      let subdirs: SubdirEntry[] | undefined;
      try {
        subdirs = this.#fs.subdirs(dir);
      } catch (e) {
        this.#report(e);
        this.#complete = false;
      }
      if (subdirs === undefined) continue;
      this.#setLive(h, dir, dirId, wd);
      for (const sub of subdirs) stack.push([`${dir}/${sub.name}`, sub.ino]);
    }
  }

  /** Watches `dir`: its wd, or -1 when it is not watched. */
  #watch(h: Hierarchy, dir: string): number {
    const watcher = this.#watcher;
    if (watcher === undefined) {
      this.#complete = false;
      return -1;
    }
    let wd: number;
    try {
      wd = watcher.add(dir);
    } catch (e) {
      this.#report(e);
      this.#complete = false;
      return -1;
    }
    if (wd >= 0) {
      const existing = this.#watches.get(wd);
      if (existing !== undefined && existing.h === h) existing.path = dir;
      else this.#watches.set(wd, { h, path: dir });
      return wd;
    }
    if (-wd === ENOENT || -wd === ENOTDIR) return -1; // gone already
    this.#complete = false;
    if (!this.#watchLimitReported) {
      this.#watchLimitReported = true;
      const hint = -wd === ENOSPC
        ? " (fs.inotify.max_user_watches reached: new cgroups are found by rate-limited rescans)"
        : "";
      this.#report(new Error(`cannot watch ${dir}: errno ${-wd}${hint}`));
    }
    return -1;
  }

  #setLive(h: Hierarchy, path: string, id: bigint, wd: number): void {
    const key = idKey(id);
    let node = h.byId.get(key);
    // the same directory under another name (a move whose source was not watched)
    if (node !== undefined && node.removedAt === undefined && node.path !== path) {
      this.#markRemoved(h, node, false);
    }
    if (node === undefined || node.path !== path || node.removedAt !== undefined) {
      node = { key, path, removedAt: undefined, wd, epoch: this.#epoch };
      h.byId.set(key, node);
      this.#generation++;
    } else {
      node.wd = wd;
      node.epoch = this.#epoch;
    }
    const old = h.live.get(path);
    if (old !== undefined && old !== node) this.#markRemoved(h, old, false);
    h.live.set(path, node);
  }

  /** Marks `node` removed (now); with `subtree`, every live cgroup below its path too. */
  #markRemoved(h: Hierarchy, node: Node, subtree: boolean): void {
    if (subtree) {
      const prefix = `${node.path}/`;
      for (const other of [...h.live.values()]) {
        if (other.path.startsWith(prefix)) this.#markRemoved(h, other, false);
      }
    }
    if (h.live.get(node.path) === node) h.live.delete(node.path);
    this.#unwatch(h, node);
    if (node.removedAt !== undefined) return;
    node.removedAt = this.#now();
    this.#expiry.push({ h, node });
    this.#generation++;
  }

  /**
   * Drops the watch of a removed directory. cgroupfs does not send IN_IGNORED when a watched
   * cgroup is removed: the watch would stay, pin the inode and count against max_user_watches.
   */
  #unwatch(h: Hierarchy, node: Node): void {
    const wd = node.wd;
    node.wd = -1;
    if (wd < 0 || node.epoch !== this.#epoch) return;
    const watch = this.#watches.get(wd);
    if (watch === undefined || watch.h !== h || watch.path !== node.path) return;
    this.#watches.delete(wd);
    try {
      this.#watcher?.remove(wd);
    } catch (e) {
      this.#report(e);
    }
  }

  /** Applies the queued events (never blocks), then forgets expired entries. */
  #drain(): void {
    const watcher = this.#watcher;
    if (watcher !== undefined) {
      let events: InotifyEvent[] = [];
      try {
        events = watcher.read();
      } catch (e) {
        this.#report(e);
        this.#rescanDue = true;
      }
      for (const event of events) this.#apply(event);
    }
    this.#sweep();
  }

  #apply(event: InotifyEvent): void {
    this.#events++;
    const { wd, mask, name } = event;
    if (mask & IN_Q_OVERFLOW) {
      this.#rescanDue = true;
      return;
    }
    const dir = this.#watches.get(wd);
    if (mask & IN_UNMOUNT) this.#rescanDue = true;
    if (mask & IN_IGNORED) {
      this.#watches.delete(wd);
      return;
    }
    if (dir === undefined || !(mask & IN_ISDIR) || name === "") return;
    const h = dir.h;
    const path = `${dir.path}/${name}`;
    if (mask & (IN_CREATE | IN_MOVED_TO)) {
      let id: bigint | undefined;
      try {
        id = this.#fs.id(path);
      } catch (e) {
        this.#report(e);
        this.#complete = false;
      }
      if (id !== undefined) this.#indexTree(h, path, id);
    } else if (mask & (IN_DELETE | IN_MOVED_FROM)) {
      const node = h.live.get(path);
      if (node !== undefined) this.#markRemoved(h, node, (mask & IN_MOVED_FROM) !== 0);
    }
  }

  /** Forgets removed cgroups older than the retention (oldest first). */
  #sweep(): void {
    if (this.#expiryHead >= this.#expiry.length) return;
    const now = this.#now();
    while (this.#expiryHead < this.#expiry.length) {
      const item = this.#expiry[this.#expiryHead]!;
      if (now - item.node.removedAt! < this.#retainMs) break;
      if (item.h.byId.get(item.node.key) === item.node) item.h.byId.delete(item.node.key);
      this.#expiry[this.#expiryHead++] = undefined;
    }
    if (this.#expiryHead === this.#expiry.length) {
      this.#expiry = [];
      this.#expiryHead = 0;
    } else if (this.#expiryHead > 1024 && this.#expiryHead * 2 > this.#expiry.length) {
      this.#expiry = this.#expiry.slice(this.#expiryHead);
      this.#expiryHead = 0;
    }
    if (this.#hierarchies.some((h) => !h.mounted && h.byId.size === 0)) {
      this.#hierarchies = this.#hierarchies.filter((h) => h.mounted || h.byId.size > 0);
    }
  }
}
