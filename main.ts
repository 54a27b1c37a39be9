/**
 * ebpf_exporter for Deno: a Prometheus exporter for custom eBPF metrics.
 *
 * Usage: `deno run <permissions> main.ts --config.dir=examples --config.names=timers`
 * (see README.md for the scoped permission set).
 * @module
 */

import { run } from "./src/cli/run.ts";

if (import.meta.main) {
  Deno.exit(await run(Deno.args));
}
