/**
 * Starts the exporter as a user would — `deno run` with the scoped permission set — and scrapes it.
 * @module
 */

import { LIBRARY_CANDIDATES, MARK_LIBRARY_PATH } from "../../ffi/library_paths.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The deno binary running the tests. */
export const DENO = Deno.execPath();

/**
 * Full paths of the native libraries, as the Makefile grants them. The mark library (our own
 * post_attach_mark object) is granted by its path even before it is built.
 */
export function ffiPaths(): string[] {
  return (["libbpf", "libc", "mark"] as const).map((lib) => {
    const found = LIBRARY_CANDIDATES[lib].find((p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    });
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

/** The scoped permission flags for a config dir and listen address. */
export function permissionFlags(configDir: string, listen?: string): string[] {
  return [
    "--frozen",
    `--allow-ffi=${ffiPaths().join(",")}`,
    `--allow-read=${configDir}`,
    ...(listen ? [`--allow-net=${listen}`] : []),
    "--allow-env=LOG_TOKENS,LOG_STREAM",
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

/** Runs the exporter to completion (e.g. `--config.check`, bad flags). */
export async function runExporter(args: string[], configDir = "examples"): Promise<RunResult> {
  const out = await new Deno.Command(DENO, {
    args: ["run", ...permissionFlags(configDir), "main.ts", ...args],
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

  private constructor(readonly child: Deno.ChildProcess, readonly url: string) {
    this.#done = child.status;
    this.#reader = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) this.#stderr += decoder.decode(chunk);
    })();
  }

  /**
   * Starts the exporter on a free loopback port and waits until it answers. `scheme` is the URL
   * scheme it serves (`https` under a TLS web config); `ready` replaces the readiness probe (a
   * plain `fetch` of `/` that must answer 200) for exporters that plain fetch cannot reach.
   */
  static async start(
    configNames: string,
    {
      configDir = "examples",
      extraArgs = [] as string[],
      permissions = undefined as ((listen: string) => string[]) | undefined,
      env = undefined as Record<string, string> | undefined,
      scheme = "http" as "http" | "https",
      ready = undefined as ((url: string) => Promise<boolean>) | undefined,
    } = {},
  ): Promise<ExporterProcess> {
    const port = freePort();
    const listen = `127.0.0.1:${port}`;
    const child = new Deno.Command(DENO, {
      args: [
        "run",
        ...(permissions ? permissions(listen) : permissionFlags(configDir, listen)),
        "main.ts",
        `--config.dir=${configDir}`,
        `--config.names=${configNames}`,
        `--web.listen-address=${listen}`,
        ...extraArgs,
      ],
      cwd: ROOT,
      env,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const exporter = new ExporterProcess(child, `${scheme}://${listen}`);
    await exporter.#waitReady(ready);
    return exporter;
  }

  async #waitReady(ready?: (url: string) => Promise<boolean>): Promise<void> {
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
      await new Promise((r) => setTimeout(r, 100));
    }
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
