/**
 * Reads the configs named by `--config.names` from `--config.dir` (compat.md §1, §3).
 * @module
 */

import { ConfigError, type ConfigWarning } from "./errors.ts";
import { parseConfig } from "./parse.ts";
import type { Config } from "./types.ts";

/** What {@link loadConfigs} returns. */
export interface LoadResult {
  /** The configs, in the order they were named. */
  readonly configs: Config[];
  /** Warnings of every config, in the same order. */
  readonly warnings: ConfigWarning[];
}

/** `dir` without trailing slashes (but `/` stays `/`), so paths read `dir/name.yaml`. */
function trimDir(dir: string): string {
  const trimmed = dir.replace(/\/+$/, "");
  return trimmed === "" && dir.startsWith("/") ? "/" : trimmed;
}

/** Joins a directory and a file name with exactly one slash. */
function joinPath(dir: string, file: string): string {
  if (dir === "") return file;
  return dir.endsWith("/") ? `${dir}${file}` : `${dir}/${file}`;
}

/**
 * Loads `${dir}/${name}.yaml` for every name, in order. Each config's object path is
 * `${dir}/${name}.bpf.o` (not opened here). Throws a {@link ConfigError} when no name is given, a
 * name is empty or repeated, a file is missing or unreadable, or a config is invalid.
 */
export async function loadConfigs(dir: string, names: string[]): Promise<LoadResult> {
  const base = trimDir(dir);
  if (names.length === 0) {
    throw new ConfigError({
      file: base === "" ? "." : base,
      keyPath: "",
      expected: "expected at least one config name in --config.names",
      found: "none",
    });
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (name === "" || name.includes("/")) {
      throw new ConfigError({
        file: base === "" ? "." : base,
        keyPath: "",
        expected: "expected config names without slashes (NAME for NAME.yaml in --config.dir)",
        found: JSON.stringify(name),
      });
    }
    if (seen.has(name)) {
      throw new ConfigError({
        file: joinPath(base, `${name}.yaml`),
        keyPath: "",
        expected: "expected each config name once in --config.names",
        found: `${JSON.stringify(name)} twice`,
      });
    }
    seen.add(name);
  }

  const configs: Config[] = [];
  const warnings: ConfigWarning[] = [];
  for (const name of names) {
    const yamlPath = joinPath(base, `${name}.yaml`);
    const objectPath = joinPath(base, `${name}.bpf.o`);
    let source: string;
    try {
      source = await Deno.readTextFile(yamlPath);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ConfigError({
          file: yamlPath,
          keyPath: "",
          expected: `config file not found (config ${JSON.stringify(name)} in --config.names)`,
        });
      }
      throw new ConfigError({
        file: yamlPath,
        keyPath: "",
        expected: "expected a readable config file",
        found: error instanceof Error ? error.message : String(error),
      });
    }
    const result = parseConfig(name, yamlPath, objectPath, source);
    configs.push(result.config);
    warnings.push(...result.warnings);
  }
  return { configs, warnings };
}
