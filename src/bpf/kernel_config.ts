/**
 * Puts a config into the kernel: open its object, check the config against the object's maps,
 * load, attach. Turns every failure into a message that names the config and libbpf's reason.
 * @module
 */

import { checkConfigMaps } from "../config/check_maps.ts";
import type { Config } from "../config/types.ts";
import { kernelPathExists, readKernelTextFile } from "../../ffi/libc.ts";
import { explainAttachFailure, explainLoadFailure, type HostProbe } from "./diagnose.ts";
import type { LoadedConfig } from "./loaded_config.ts";
import { BpfLoadError, BpfObject } from "./object.ts";

/** How to load configs. */
export interface KernelLoadOptions {
  /** `--btf.path`. */
  readonly btfPath?: string;
  /** Include the verifier log in load errors (`--debug`). */
  readonly debug?: boolean;
}

/** A config that could not be put into the kernel. */
export class ConfigLoadError extends Error {
  /** Prefixes `message` with the config's name. */
  constructor(readonly config: string, message: string) {
    super(`config ${config}: ${message}`);
    this.name = "ConfigLoadError";
  }
}

/** The running kernel, for failure diagnosis (only consulted when something failed). */
const KERNEL_HOST: HostProbe = {
  exists: kernelPathExists,
  hasKernelFunction(name) {
    const text = readKernelTextFile("/proc/kallsyms");
    return new RegExp(`^[0-9a-f]+ [tTwW] ${RegExp.escape(name)}(\\s|$)`, "m").test(text);
  },
};

/** Config features this build cannot serve yet; refused rather than silently ignored. */
export function unsupportedFeatures(config: Config): string[] {
  const out: string[] = [];
  for (const c of config.counters) {
    if (c.perfEventArray) out.push(`perf_event_array counter ${c.name}`);
  }
  if (config.spans.length > 0) out.push("tracing.spans");
  if (config.kaddrs.length > 0) out.push("kaddrs");
  if (config.cgroupIdMap) out.push("cgroup_id_map");
  return out;
}

/** Opens, validates and loads a config's object, then attaches its programs. */
export function loadKernelConfig(config: Config, options: KernelLoadOptions = {}): LoadedConfig {
  const unsupported = unsupportedFeatures(config);
  if (unsupported.length > 0) {
    throw new ConfigLoadError(config.name, `not supported yet: ${unsupported.join(", ")}`);
  }
  let object: BpfObject;
  try {
    object = BpfObject.open(config.objectPath, { btfPath: options.btfPath || undefined });
  } catch (e) {
    throw new ConfigLoadError(
      config.name,
      `cannot open ${config.objectPath}: ${describe(e, options)}`,
    );
  }
  try {
    checkConfigMaps(config, object.maps());
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
    close: () => object.close(),
  };
}

function describe(e: unknown, options: KernelLoadOptions): string {
  if (e instanceof BpfLoadError) {
    if (!e.log.trim()) return e.message;
    if (options.debug) return `${e.message}\nverifier log:\n${e.log.trimEnd()}`;
    return `${e.message} (run with --debug for the whole verifier log)`;
  }
  return (e as Error).message;
}
