/**
 * Starts the exporter as a user would — `deno run` with the scoped permission set — and scrapes it.
 * @module
 */

import { MARK_LIBRARY_PATH, resolveLibraryPath } from "../../ffi/library_paths.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The deno binary running the tests. */
export const DENO = Deno.execPath();

/**
 * Full paths of the native libraries, as the Makefile grants them. The mark library (our own
 * post_attach_mark object) is granted by its path even before it is built.
 */
export function ffiPaths(): string[] {
  return (["libbpf", "libc", "mark"] as const).map((lib) => {
    const found = resolveLibraryPath(lib);
    if (!found && lib === "mark") return MARK_LIBRARY_PATH;
    if (!found) throw new Error(`${lib} not found; run make deps`);
    return found;
  });
}

/** A free TCP port on loopback. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** What a run is granted beyond (or instead of) the scoped permission set's defaults. */
export interface PermissionOptions {
  /** `--allow-ffi` for the native libraries (default true; a replay needs none). */
  ffi?: boolean;
  /** Paths readable besides the config dir. */
  read?: string[];
  /** Hosts reachable besides the listen address. */
  net?: string[];
  /** Environment variables readable besides LOG_TOKENS and LOG_STREAM. */
  env?: string[];
}

/** The scoped permission flags for a config dir and listen address. */
export function permissionFlags(
  configDir: string,
  listen?: string,
  { ffi = true, read = [], net = [], env = [] }: PermissionOptions = {},
): string[] {
  const hosts = [...(listen ? [listen] : []), ...net];
  return [
    "--frozen",
    ...(ffi ? [`--allow-ffi=${ffiPaths().join(",")}`] : []),
    `--allow-read=${[configDir, ...read].join(",")}`,
    ...(hosts.length ? [`--allow-net=${hosts.join(",")}`] : []),
    `--allow-env=${["LOG_TOKENS", "LOG_STREAM", ...env].join(",")}`,
  ];
}

/** Result of a run to completion. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Runs the exporter on `configDir` to completion (e.g. `--config.check`): `--config.dir` first. */
export function runExporter(args: string[], configDir = "examples"): Promise<RunResult> {
  return runMain([`--config.dir=${configDir}`, ...args], configDir);
}

/** Runs main.ts to completion with exactly `args` (e.g. `--help`), `readable` as its config dir. */
export async function runMain(args: string[], readable = "examples"): Promise<RunResult> {
  const out = await new Deno.Command(DENO, {
    args: ["run", ...permissionFlags(readable), "main.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** A running exporter. */
export class ExporterProcess {
  #stderr = "";
  #done: Promise<Deno.CommandStatus>;
  #reader: Promise<void>;

  /** Milliseconds from spawning the process to its first ready answer. */
  startMs = 0;

  private constructor(readonly child: Deno.ChildProcess, readonly url: string) {
    this.#done = child.status;
    this.#reader = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) this.#stderr += decoder.decode(chunk);
    })();
  }

  /**
   * Starts the exporter on a free loopback port and waits until it answers. `permissions` adjusts
   * the scoped permission set ({@link permissionFlags}); `denoFlags` go after it (e.g.
   * `--cpu-prof`). `scheme` is the URL scheme it serves (`https` under a TLS web config); `ready`
   * replaces the readiness probe (a plain `fetch` of `/` that must answer 200) for exporters that
   * plain fetch cannot reach; `pollMs` is the wait between probes.
   */
  static async start(
    configNames: string,
    {
      configDir = "examples",
      extraArgs = [] as string[],
      permissions = {} as PermissionOptions,
      denoFlags = [] as string[],
      env = undefined as Record<string, string> | undefined,
      scheme = "http" as "http" | "https",
      ready = undefined as ((url: string) => Promise<boolean>) | undefined,
      pollMs = 100,
    } = {},
  ): Promise<ExporterProcess> {
    const port = freePort();
    const listen = `127.0.0.1:${port}`;
    const spawned = performance.now();
    const child = new Deno.Command(DENO, {
      args: [
        "run",
        ...permissionFlags(configDir, listen, permissions),
        ...denoFlags,
        "main.ts",
        `--config.dir=${configDir}`,
        `--config.names=${configNames}`,
        `--web.listen-address=${listen}`,
        ...extraArgs,
      ],
      cwd: ROOT,
      env,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const exporter = new ExporterProcess(child, `${scheme}://${listen}`);
    await exporter.#waitReady(ready, pollMs);
    exporter.startMs = performance.now() - spawned;
    return exporter;
  }

  async #waitReady(ready: ((url: string) => Promise<boolean>) | undefined, pollMs: number) {
    const deadline = Date.now() + 30_000;
    let exited = false;
    this.#done.then(() => exited = true);
    while (Date.now() < deadline) {
      if (exited) {
        await this.#reader;
        throw new Error(`exporter exited during start-up:\n${this.#stderr}`);
      }
      try {
        if (ready) {
          if (await ready(this.url)) return;
        } else {
          const res = await fetch(`${this.url}/`);
          await res.body?.cancel();
          if (res.ok) return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    await this.stop();
    throw new Error(`exporter did not answer within 30 s:\n${this.#stderr}`);
  }

  /** GETs the metrics path and returns the body. */
  async scrape(path = "/metrics"): Promise<string> {
    const res = await fetch(`${this.url}${path}`);
    const body = await res.text();
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${body}`);
    return body;
  }

  /** What the exporter logged so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Sends `signal` and waits for the exit status. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
    const status = await this.#done;
    await this.#reader;
    return status;
  }
}

/** Parses text exposition into `series -> value` (series text as written, labels included). */
export function parseSamples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** The value of one exact series, or undefined. */
export function sample(text: string, series: string): number | undefined {
  return parseSamples(text).get(series);
}
