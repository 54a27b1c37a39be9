import { deepEqual } from "#assert";
import type { CgroupEntry } from "../kernel/cgroups.ts";
import { CgroupIdMapSync, type LiveCgroups } from "./cgroup_id_map.ts";

function fakeIndex(): LiveCgroups & { set(list: CgroupEntry[]): void } {
  let list: CgroupEntry[] = [];
  let generation = 0;
  return {
    liveCgroups: () => list,
    get generation() {
      return generation;
    },
    set(next) {
      list = next;
      generation++;
    },
  };
}

const cg = (id: number, path: string, version: 1 | 2 = 2): CgroupEntry => ({
  id: BigInt(id),
  path,
  version,
});

Deno.test("the map holds exactly the live v2 cgroups matching a regexp, as they come and go", () => {
  const index = fakeIndex();
  const log: string[] = [];
  const sync = new CgroupIdMapSync(
    { name: "filter", type: "hash", regexps: ["^/sys/fs/cgroup/system\\.slice/.*\\.service$"] },
    index,
    { add: (c) => log.push(`+${c.id}`), remove: (c) => log.push(`-${c.id}`) },
  );
  index.set([
    cg(1, "/sys/fs/cgroup"),
    cg(2, "/sys/fs/cgroup/system.slice/ssh.service"),
    cg(3, "/sys/fs/cgroup/system.slice/cron.service"),
    cg(4, "/sys/fs/cgroup/memory/system.slice/ssh.service", 1),
  ]);
  sync.sync();
  deepEqual(log, ["+2", "+3"]);
  sync.sync(); // nothing changed: no writes
  deepEqual(log, ["+2", "+3"]);
  index.set([
    cg(1, "/sys/fs/cgroup"),
    cg(3, "/sys/fs/cgroup/system.slice/cron.service"),
    cg(5, "/sys/fs/cgroup/system.slice/new.service"),
  ]);
  sync.sync();
  deepEqual(log, ["+2", "+3", "-2", "+5"]);
  deepEqual(sync.ids.sort(), [3n, 5n]);
});
