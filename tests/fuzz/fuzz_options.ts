/**
 * Shared settings of the fuzz tests: one fixed seed ({@link FUZZ_SEED}, 0x5eed2024) and a fixed
 * number of runs per property, so `make test` is deterministic and takes about 10 s for all of
 * them:
 *
 * | property (file)                                            | runs |
 * |------------------------------------------------------------|------|
 * | config documents (config_fuzz_test.ts)                     | 1000 |
 * | extreme documents: nesting, merge bombs, aliases, big maps | 40   |
 * | pipeline: keys and values through scrapes (pipeline_...)   | 500  |
 * | invalid UTF-8 (extremes_fuzz_test.ts)                      | 1000 |
 * | regexp results vs JavaScript's RegExp                      | 1500 |
 * | regexp time on catastrophic patterns                       | 300  |
 * | 1 MiB label values                                         | 6    |
 *
 * `FUZZ_SEED` and `FUZZ_RUNS_SCALE` explore further:
 *
 * ```sh
 * FUZZ_SEED=$RANDOM FUZZ_RUNS_SCALE=20 tools/node_modules/.bin/deno test -A tests/fuzz/
 * ```
 *
 * A failing property prints its seed, run count and fast-check's replay path.
 * @module
 */

import fc from "fast-check";

function envNumber(name: string): number | undefined {
  let text: string | undefined;
  try {
    text = Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: the defaults
  }
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${name}=${text} is not a number`);
  return value;
}

/** The seed every property starts from (fixed, so that a failure in CI reproduces locally). */
export const FUZZ_SEED: number = envNumber("FUZZ_SEED") ?? 0x5eed_2024;

/** Multiplier of every property's run count (default 1). */
const RUNS_SCALE: number = envNumber("FUZZ_RUNS_SCALE") ?? 1;

/**
 * Checks `property` `runs` times (times `FUZZ_RUNS_SCALE`) from {@link FUZZ_SEED}; on failure
 * the error names the property, seed and run count, and fast-check's report follows (it has the
 * counterexample and the `path` to replay it with `fc.assert(..., { seed, path })`).
 */
export function checkProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  runs: number,
  property: fc.IProperty<Ts>,
): void {
  const numRuns = Math.max(1, Math.round(runs * RUNS_SCALE));
  try {
    fc.assert(property, { seed: FUZZ_SEED, numRuns, endOnFailure: false });
  } catch (error) {
    const message = `fuzz property "${name}" failed: seed ${FUZZ_SEED}, ${numRuns} runs ` +
      `(rerun with FUZZ_SEED=${FUZZ_SEED})`;
    console.error(message);
    throw new Error(`${message}\n${(error as Error).message}`, { cause: error });
  }
}
