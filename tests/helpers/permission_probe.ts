/**
 * Runs the exporter in this process (same code as main.ts) under whatever permissions this script
 * was started with, waits until it serves, then tries what it must not be able to do and prints
 * one JSON line per attempt: `{"attempt": ..., "denied": true|false, "error": ...}`.
 *
 * Usage: deno run <the exporter's permission flags> tests/helpers/permission_probe.ts <flags>
 * @module
 */

import { run } from "../../src/cli/run.ts";

const listen = Deno.args.find((a) => a.startsWith("--web.listen-address="))!.split("=")[1];
const configDir = Deno.args.find((a) => a.startsWith("--config.dir="))!.split("=")[1];
const exited = run(Deno.args);

for (let i = 0; i < 300; i++) {
  try {
    const res = await fetch(`http://${listen}/`);
    await res.body?.cancel();
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}
await new Promise((r) => setTimeout(r, 200));

const attempts: [string, () => unknown][] = [
  ["read a file outside the grants", () => Deno.readTextFileSync("/etc/hostname")],
  ["read the config dir after start-up", () => Deno.readDirSync(configDir).next()],
  ["read an unrelated environment variable", () => Deno.env.get("HOME")],
  ["read a granted environment variable after start-up", () => Deno.env.get("LOG_TOKENS")],
  ["open another listening port", () => Deno.listen({ hostname: "127.0.0.1", port: 0 }).close()],
  [
    "open an outbound connection",
    () => Deno.connect({ hostname: "127.0.0.1", port: 9 }).then((c) => c.close()),
  ],
  ["run a program", () => new Deno.Command("true").outputSync()],
  ["open another native library", () => Deno.dlopen("/usr/lib/x86_64-linux-gnu/libz.so.1", {})],
];
for (const [attempt, fn] of attempts) {
  let denied = false;
  let error = "";
  try {
    await fn();
  } catch (e) {
    error = (e as Error).name + ": " + (e as Error).message.split("\n")[0];
    denied = e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied;
  }
  console.log(JSON.stringify({ attempt, denied, error }));
}
// The exporter still serves after all that.
const res = await fetch(`http://${listen}/metrics`);
console.log(
  JSON.stringify({ attempt: "scrape", status: res.status, body: (await res.text()).length }),
);
Deno.kill(Deno.pid, "SIGTERM");
Deno.exit(await exited);
