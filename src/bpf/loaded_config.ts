/**
 * A config whose object is in the kernel: the seam between the BPF lifecycle and the metrics.
 *
 * The real implementation wraps a {@link BpfObject}; tests and `--maps.replay` provide maps from
 * memory through the same interface.
 * @module
 */

import type { Config } from "../config/types.ts";
import type { MapSource } from "../maps/source.ts";
import type { ProgramState, ProgramStats } from "./object.ts";

/** A loaded (or simulated) config: its programs and readable maps. */
export interface LoadedConfig {
  /** The validated config. */
  readonly config: Config;
  /** Programs and their attach state. */
  readonly programs: readonly ProgramState[];
  /** A reader for the map named `name`; throws if the object has no such map. */
  mapSource(name: string): MapSource;
  /** Kernel run statistics of a program, when available. */
  programStats?(name: string): ProgramStats | undefined;
  /** Periodic upkeep (e.g. the `cgroup_id_map` following new cgroups), about once a second. */
  tick?(): void;
  /** Detaches and releases everything (idempotent). */
  close(): void;
}

/** A {@link LoadedConfig} over maps held in memory (tests, replay). */
export class MemoryLoadedConfig implements LoadedConfig {
  /** Wraps `maps` by name; programs default to none. */
  constructor(
    readonly config: Config,
    readonly maps: ReadonlyMap<string, MapSource>,
    readonly programs: readonly ProgramState[] = [],
  ) {}

  /** The in-memory map `name`. */
  mapSource(name: string): MapSource {
    const source = this.maps.get(name);
    if (!source) throw new Error(`${this.config.name}: no map named ${name}`);
    return source;
  }

  /** Nothing to release. */
  close(): void {}
}
