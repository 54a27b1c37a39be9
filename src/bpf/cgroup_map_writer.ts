/**
 * Kernel writers for `cgroup_id_map`: a HASH keyed by u64 cgroup id, or a CGRP_STORAGE map keyed
 * (for updates) by a descriptor of the cgroup's directory. Values are u64 1.
 * @module
 */

import { libbpf } from "../../ffi/libbpf.ts";
import {
  cString,
  ENOENT,
  errno,
  libc,
  O_CLOEXEC,
  O_DIRECTORY,
  O_RDONLY,
  strerror,
} from "../../ffi/libc.ts";
import type { CgroupEntry } from "../kernel/cgroups.ts";
import type { CgroupMapWriter } from "./cgroup_id_map.ts";

const ONE = new Uint8Array(new BigUint64Array([1n]).buffer);

/** A writer for `type`; failures go to `onError` (a cgroup may vanish at any moment). */
export function kernelCgroupMapWriter(
  type: "hash" | "cgrp_storage",
  mapFd: number,
  onError: (message: string) => void,
): CgroupMapWriter {
  const lib = libbpf();
  if (type === "hash") {
    const key = (c: CgroupEntry) => new Uint8Array(new BigUint64Array([c.id]).buffer);
    return {
      add(c) {
        const rc = lib.bpf_map_update_elem(mapFd, key(c), ONE, 0n);
        if (rc < 0) onError(`adding cgroup ${c.path}: ${strerror(-rc)}`);
      },
      remove(c) {
        const rc = lib.bpf_map_delete_elem(mapFd, key(c));
        if (rc < 0 && rc !== -ENOENT) onError(`removing cgroup ${c.path}: ${strerror(-rc)}`);
      },
    };
  }
  const withCgroupFd = (
    c: CgroupEntry,
    fn: (key: Uint8Array<ArrayBuffer>) => number,
    what: string,
  ) => {
    const fd = libc().open(cString(c.path), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
      const code = errno();
      // A removed cgroup takes its storage with it.
      if (code !== ENOENT) onError(`${what} cgroup ${c.path}: open: ${strerror(code)}`);
      return;
    }
    try {
      const rc = fn(new Uint8Array(new Int32Array([fd]).buffer));
      if (rc < 0 && rc !== -ENOENT) onError(`${what} cgroup ${c.path}: ${strerror(-rc)}`);
    } finally {
      libc().close(fd);
    }
  };
  return {
    add: (c) => withCgroupFd(c, (k) => lib.bpf_map_update_elem(mapFd, k, ONE, 0n), "adding"),
    remove: (c) => withCgroupFd(c, (k) => lib.bpf_map_delete_elem(mapFd, k), "removing"),
  };
}
