/**
 * Test helpers shared by the config tests: parsing a config source and catching the
 * {@link ConfigError} a call throws or a promise rejects with.
 * @module
 */

import assert from "#assert";
import { ConfigError } from "./errors.ts";
import { parseConfig, type ParseResult } from "./parse.ts";
import type { Config } from "./types.ts";

/** Parses `source` as `cfg/t.yaml` (config `t`, object `cfg/t.bpf.o`). */
export function parse(source: string): ParseResult {
  return parseConfig("t", "cfg/t.yaml", "cfg/t.bpf.o", source);
}

/** Parses `source` as {@link parse} does and returns the config; warnings fail the test. */
export function configOf(source: string): Config {
  const { config, warnings } = parse(source);
  assert.deepEqual(warnings, []);
  return config;
}

/** `error` when it is a ConfigError; rethrows anything else. */
function configError(error: unknown): ConfigError {
  if (error instanceof ConfigError) return error;
  throw error;
}

function nothingThrown(): never {
  throw new assert.AssertionError({ message: "expected a ConfigError, nothing was thrown" });
}

/** Runs `fn` and returns the ConfigError it throws; anything else fails the test. */
export function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    return configError(error);
  }
  nothingThrown();
}

/** Awaits `promise` and returns the ConfigError it rejects with; anything else fails the test. */
export async function catchConfigRejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    return configError(error);
  }
  nothingThrown();
}
