/**
 * Puts a config into the kernel: open its object, check the config against the object's maps,
 * load, attach. Turns every failure into a message that names the config and libbpf's reason.
 * @module
 */

import { checkConfigMaps } from "../config/check_maps.ts";
import type { Config } from "../config/types.ts";
import { kernelPathExists, readKernelTextFile } from "../../ffi/libc.ts";
import { explainAttachFailure, explainLoadFailure, type HostProbe } from "./diagnose.ts";
import { applyKaddrs } from "./kaddrs.ts";
import { CgroupIdMapSync, type LiveCgroups } from "./cgroup_id_map.ts";
import { kernelCgroupMapWriter } from "./cgroup_map_writer.ts";
import type { LoadedConfig } from "./loaded_config.ts";
import { BpfLoadError, BpfObject } from "./object.ts";

/** How to load configs. */
export interface KernelLoadOptions {
  /** `--btf.path`. */
  readonly btfPath?: string;
  /** Include the verifier log in load errors (`--debug`). */
  readonly debug?: boolean;
  /** The cgroup index, for configs with a `cgroup_id_map`. */
  readonly cgroups?: LiveCgroups;
  /** Receives problems that do not stop the config (e.g. a cgroup that vanished mid-update). */
  readonly onWarning?: (message: string) => void;
}

/** A config that could not be put into the kernel. */
export class ConfigLoadError extends Error {
  /** Prefixes `message` with the config's name. */
  constructor(readonly config: string, message: string) {
    super(`config ${config}: ${message}`);
    this.name = "ConfigLoadError";
  }
}

/**
 * The `/proc/kallsyms` text read during the current synchronous job, dropped by a microtask once
 * that job ends. The exporter loads every config in one such job (`loadIntoKernel` in
 * `src/cli/run.ts`), so start-up reads the file at most once for `kaddrs` and failure diagnosis
 * of every config alike, and does not keep the text afterwards.
 */
let kallsymsText: string | undefined;

/** `/proc/kallsyms`, read through libc (once per start-up, see {@link kallsymsText}). */
function kallsyms(): string {
  if (kallsymsText === undefined) {
    kallsymsText = readKernelTextFile("/proc/kallsyms");
    queueMicrotask(() => kallsymsText = undefined);
  }
  return kallsymsText;
}

/** The running kernel, for failure diagnosis (only consulted when something failed). */
const KERNEL_HOST: HostProbe = {
  exists: kernelPathExists,
  hasKernelFunction(name) {
    return new RegExp(`^[0-9a-f]+ [tTwW] ${RegExp.escape(name)}(\\s|$)`, "m").test(kallsyms());
  },
};

/** Opens, validates and loads a config's object, then attaches its programs. */
export function loadKernelConfig(config: Config, options: KernelLoadOptions = {}): LoadedConfig {
  let object: BpfObject;
  try {
    object = BpfObject.open(config.objectPath, { btfPath: options.btfPath || undefined });
  } catch (e) {
    throw new ConfigLoadError(
      config.name,
      `cannot open ${config.objectPath}: ${describe(e, options)}`,
    );
  }
  let cgroupSync: CgroupIdMapSync | undefined;
  try {
    checkConfigMaps(config, object.maps());
    try {
      applyKaddrs(object, config.kaddrs, kallsyms);
    } catch (e) {
      throw new ConfigLoadError(config.name, (e as Error).message);
    }
    try {
      object.load();
    } catch (e) {
      const why = e instanceof BpfLoadError
        ? explainLoadFailure(object.programs, e.failure.errno)
        : undefined;
      throw new ConfigLoadError(
        config.name,
        `cannot load ${config.objectPath}: ${describe(e, options)}${why ? `: ${why}` : ""}`,
      );
    }
    // The filter map is filled before the programs run, so they never see it empty.
    cgroupSync = cgroupIdMapSync(config, object, options);
    cgroupSync?.sync();
    for (const p of object.attachAll()) {
      const why = p.attachErrno === undefined
        ? undefined
        : explainAttachFailure(p, p.attachErrno, KERNEL_HOST);
      if (why) p.attachError = `${p.attachError}: ${why}`;
    }
  } catch (e) {
    object.close();
    throw e;
  }
  return {
    config,
    programs: object.programs,
    mapSource: (name) => object.mapSource(name),
    programStats: (name) => object.programStats(name),
    tick: cgroupSync ? () => cgroupSync.sync() : undefined,
    close: () => object.close(),
  };
}

function cgroupIdMapSync(
  config: Config,
  object: BpfObject,
  options: KernelLoadOptions,
): CgroupIdMapSync | undefined {
  const spec = config.cgroupIdMap;
  if (!spec) return undefined;
  if (!options.cgroups) {
    throw new ConfigLoadError(config.name, "cgroup_id_map needs the cgroup index");
  }
  const warn = (message: string) =>
    options.onWarning?.(`config ${config.name}: cgroup_id_map ${spec.name}: ${message}`);
  const writer = kernelCgroupMapWriter(spec.type, object.mapFd(spec.name), warn);
  try {
    return new CgroupIdMapSync(spec, options.cgroups, writer);
  } catch (e) {
    throw new ConfigLoadError(config.name, (e as Error).message);
  }
}

function describe(e: unknown, options: KernelLoadOptions): string {
  if (e instanceof BpfLoadError) {
    if (!e.log.trim()) return e.message;
    if (options.debug) return `${e.message}\nverifier log:\n${e.log.trimEnd()}`;
    return `${e.message} (run with --debug for the whole verifier log)`;
  }
  return (e as Error).message;
}
