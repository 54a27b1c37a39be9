/**
 * `--maps.replay=FILE`: serve metrics from a `/maps?format=json` dump instead of kernel maps, with
 * the configs of `--config.dir`. No kernel, no libbpf, no privileges.
 * @module
 */

import { MemoryLoadedConfig } from "../bpf/loaded_config.ts";
import type { LoadedConfig } from "../bpf/loaded_config.ts";
import type { Config } from "../config/types.ts";
import { DUMP_FORMAT, DUMP_VERSION, type MapsDump } from "./dump.ts";
import { MemoryMapSource } from "./memory_source.ts";

/** A dump that cannot be replayed against the given configs. */
export class ReplayError extends Error {
  /** Prefixes the message with the dump's path. */
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "ReplayError";
  }
}

function fromHex(text: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new Error(`bad hex key ${JSON.stringify(text)}`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Parses and checks a dump's JSON text. */
export function parseDump(file: string, text: string): MapsDump {
  let dump: MapsDump;
  try {
    dump = JSON.parse(text);
  } catch (e) {
    throw new ReplayError(file, `not JSON: ${(e as Error).message}`);
  }
  if (dump?.format !== DUMP_FORMAT || dump.version !== DUMP_VERSION) {
    throw new ReplayError(
      file,
      `expected a maps dump (format ${DUMP_FORMAT}, version ${DUMP_VERSION}) from /maps?format=json`,
    );
  }
  return dump;
}

/** Builds in-memory loaded configs from a dump, one per config (matched by name). */
export function replayConfigs(
  file: string,
  dump: MapsDump,
  configs: readonly Config[],
): LoadedConfig[] {
  return configs.map((config) => {
    const recorded = dump.configs.find((c) => c.name === config.name);
    if (!recorded) {
      throw new ReplayError(
        file,
        `no config named ${config.name} in the dump (it has ${
          dump.configs.map((c) => c.name).join(", ")
        })`,
      );
    }
    const maps = new Map<string, MemoryMapSource>();
    for (const m of recorded.maps) {
      const source = new MemoryMapSource({
        name: m.name,
        type: m.type,
        keySize: m.key_size,
        valueSize: m.value_size,
        maxEntries: m.max_entries,
        cpus: m.cpus,
      });
      for (const [i, e] of m.entries.entries()) {
        try {
          source.set(fromHex(e.key), ...e.values.map((v) => BigInt(v)));
        } catch (err) {
          throw new ReplayError(
            file,
            `config ${config.name}, map ${m.name}, entry ${i}: ${(err as Error).message}`,
          );
        }
      }
      maps.set(m.name, source);
    }
    return new MemoryLoadedConfig(config, maps, recorded.programs);
  });
}
