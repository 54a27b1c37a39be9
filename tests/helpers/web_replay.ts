/**
 * The `web_replay` fixture: an exporter replayed from a map dump (no kernel, no FFI needed), for
 * the HTTP tests (web config, TLS, hostile clients).
 * @module
 */

import { ExporterProcess } from "./exporter_process.ts";

/** Config dir of the fixture. */
export const WEB_FIXTURES = "tests/fixtures/web";
/** The map dump it replays. */
export const WEB_DUMP = `${WEB_FIXTURES}/web_replay.dump.json`;

/** Ready once the port accepts TCP connections: the exporter listens only when fully started. */
export async function accepting(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  conn.close();
  return true;
}

/**
 * Starts the replayed exporter (`--maps.replay` then `extraArgs`) without `--allow-ffi`, reading
 * the fixture dir and `read`, serving `scheme`.
 */
export function startWebReplay(
  { extraArgs = [] as string[], read = [] as string[], scheme = "http" as "http" | "https" } = {},
): Promise<ExporterProcess> {
  return ExporterProcess.start("web_replay", {
    configDir: WEB_FIXTURES,
    extraArgs: [`--maps.replay=${WEB_DUMP}`, ...extraArgs],
    permissions: { ffi: false, read },
    scheme,
    ready: accepting,
  });
}
