/**
 * `cgroup_id_map` (compat.md §6b): keeps a BPF map holding exactly the live cgroup2 cgroups whose
 * path matches one of the config's regexps, so programs can filter on it. Cgroups created or
 * removed after start-up are added and removed as the resolver sees them (inotify).
 * @module
 */

import type { CgroupIdMapConfig } from "../config/types.ts";
import { type CompiledPattern, compilePattern } from "../decoders/regexp.ts";
import type { CgroupEntry } from "../kernel/cgroups.ts";

/** What the sync needs from the cgroup index. */
export interface LiveCgroups {
  /** Every live cgroup (v1 and v2). */
  liveCgroups(): CgroupEntry[];
  /** Changes whenever a cgroup appears or goes away. */
  readonly generation: number;
}

/** Writes the filter map: `hash` keys by id, `cgrp_storage` by an open cgroup directory. */
export interface CgroupMapWriter {
  /** Marks a cgroup as matching. */
  add(cgroup: CgroupEntry): void;
  /** Unmarks a cgroup (it may already be gone). */
  remove(cgroup: CgroupEntry): void;
}

/** Keeps one `cgroup_id_map` in step with the live cgroups. */
export class CgroupIdMapSync {
  readonly #patterns: CompiledPattern[];
  readonly #present = new Map<bigint, CgroupEntry>();
  #generation = -1;

  /** Compiles the regexps; throws naming a bad one. */
  constructor(
    readonly config: CgroupIdMapConfig,
    readonly cgroups: LiveCgroups,
    readonly writer: CgroupMapWriter,
  ) {
    // Go (RE2) syntax with linear-time matching: cgroup paths are named by whoever creates them.
    this.#patterns = config.regexps.map((r) => {
      try {
        return compilePattern(r);
      } catch (e) {
        throw new Error(
          `cgroup_id_map ${config.name}: bad regexp ${JSON.stringify(r)}: ${(e as Error).message}`,
        );
      }
    });
  }

  /** Ids currently in the map. */
  get ids(): bigint[] {
    return [...this.#present.keys()];
  }

  /** Brings the map up to date; cheap when nothing changed since the last call. */
  sync(): void {
    const live = this.cgroups.liveCgroups(); // also applies pending inotify events
    if (this.cgroups.generation === this.#generation) return;
    this.#generation = this.cgroups.generation;
    const wanted = new Map<bigint, CgroupEntry>();
    for (const cgroup of live) {
      if (cgroup.version !== 2) continue;
      if (this.#patterns.some((p) => p.match(cgroup.path) !== null)) {
        wanted.set(cgroup.id, cgroup);
      }
    }
    for (const [id, cgroup] of this.#present) {
      if (!wanted.has(id)) {
        this.writer.remove(cgroup);
        this.#present.delete(id);
      }
    }
    for (const [id, cgroup] of wanted) {
      if (this.#present.has(id)) continue;
      this.writer.add(cgroup);
      this.#present.set(id, cgroup);
    }
  }
}
