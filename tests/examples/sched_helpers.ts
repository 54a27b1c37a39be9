/**
 * Workload helpers shared by the scheduler and CPU example tests: background processes with known
 * pids, CPU pinning, loopback TCP traffic, and checks over scraped histograms.
 * @module
 */

import { ok } from "#assert";
import { formatFloat } from "../../src/exposition/format_float.ts";
import { run as runCommand } from "./process_helpers.ts";
export { cgroup2Root, onlineCpus, possibleCpus } from "../helpers/host.ts";
export { delay } from "./process_helpers.ts";

/** A background process started by a test. */
export interface Background {
  /** Its pid. */
  pid: number;
  /** Kills it (SIGKILL) and waits for it. */
  stop(): Promise<void>;
  /** Waits for it to exit on its own; throws if it failed. */
  done(): Promise<void>;
}

/** Starts `command args...` in the background. */
export function spawn(command: string, args: string[]): Background {
  const child = new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).spawn();
  const output = child.output();
  return {
    pid: child.pid,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await output;
    },
    async done() {
      const out = await output;
      ok(out.success, `${command} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    },
  };
}

/** A bash busy loop (`while :; do :; done`), optionally pinned to one CPU. */
export function busyLoop(cpu?: number): Background {
  const loop = ["bash", "-c", "while :; do :; done"];
  return cpu === undefined
    ? spawn(loop[0], loop.slice(1))
    : spawn("taskset", ["-c", `${cpu}`, ...loop]);
}

/** Runs a command to completion, in the test's own environment; returns stdout, throws if it fails. */
export function run(command: string, args: string[]): Promise<string> {
  return runCommand(command, args, { inheritEnv: true });
}

/**
 * A loopback TCP server that accepts connections, reads until EOF and closes them. `connect`
 * makes `count` connections from a bash process (pinned to `cpu` if given), each sending one line.
 */
export function loopbackServer(): {
  port: number;
  connect(count: number, cpu?: number): Promise<void>;
  close(): Promise<void>;
} {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const conns: Promise<void>[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        conns.push((async () => {
          try {
            for await (const _ of conn.readable) { /* drain */ }
          } catch {
            // reset by peer
          }
        })());
      }
    } catch {
      // listener closed
    }
  })();
  return {
    port,
    async connect(count: number, cpu?: number) {
      const script = `for i in $(seq ${count}); do exec 3<>/dev/tcp/127.0.0.1/${port}; ` +
        `echo hello >&3; exec 3>&-; done`;
      const args = ["bash", "-c", script];
      await run(
        cpu === undefined ? "bash" : "taskset",
        cpu === undefined ? args.slice(1) : [
          "-c",
          `${cpu}`,
          ...args,
        ],
      );
    },
    async close() {
      listener.close();
      await accepting;
      await Promise.all(conns);
    },
  };
}

/** Kernel text symbols from /proc/kallsyms. */
export function kernelTextSymbols(): Set<string> {
  const names = new Set<string>();
  for (const line of Deno.readTextFileSync("/proc/kallsyms").split("\n")) {
    const [, type, name] = line.split(/\s+/);
    if (type === "t" || type === "T") names.add(name);
  }
  return names;
}

/** Sum of every sample whose series starts with `prefix` and satisfies `filter`. */
export function total(
  samples: Map<string, number>,
  prefix: string,
  filter: (series: string) => boolean = () => true,
): number {
  let n = 0;
  for (const [series, value] of samples) {
    if (series.startsWith(prefix) && filter(series)) n += value;
  }
  return n;
}

/** The value of one label in a series' text (undefined if it has no such label). */
export function label(series: string, name: string): string | undefined {
  return series.match(new RegExp(`[{,]${name}="((?:[^"\\\\]|\\\\.)*)"`))?.[1];
}

/**
 * Checks one histogram series set (`base{labels,le=...}`): bounds are exactly `bounds` then +Inf,
 * in order, counts are cumulative and +Inf equals `_count`. Returns the `_count`.
 */
export function checkHistogram(
  samples: Map<string, number>,
  base: string,
  labels: string,
  bounds: string[],
): number {
  const prefix = labels === "" ? `${base}_bucket{` : `${base}_bucket{${labels},`;
  const buckets = [...samples].filter(([k]) => k.startsWith(prefix));
  const les = buckets.map(([k]) => label(k, "le"));
  ok(
    JSON.stringify(les) === JSON.stringify([...bounds, "+Inf"]),
    `${prefix}: le values ${les.join(" ")}`,
  );
  let previous = 0;
  for (const [series, value] of buckets) {
    ok(value >= previous, `${series} = ${value} is below the previous bucket (${previous})`);
    previous = value;
  }
  const count = samples.get(labels === "" ? `${base}_count` : `${base}_count{${labels}}`);
  ok(count === previous, `${base}{${labels}}: _count ${count} != +Inf bucket ${previous}`);
  return count!;
}

/** The `le` values of a histogram's buckets, for keys `from..to` and a bound function. */
export function bounds(from: number, to: number, bound: (k: number) => number): string[] {
  const out: string[] = [];
  for (let k = from; k <= to; k++) out.push(formatFloat(bound(k)));
  return out;
}
