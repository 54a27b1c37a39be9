import { equal, ok } from "#assert";
import { DENO, freePort, permissionFlags } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";

kernelTest(
  "the running exporter cannot read, listen, connect, run or read env outside its grants",
  [
    "examples/timers.bpf.o",
  ],
  async () => {
    const listen = `127.0.0.1:${freePort()}`;
    const out = await new Deno.Command(DENO, {
      args: [
        "run",
        ...permissionFlags("examples", listen),
        "tests/helpers/permission_probe.ts",
        "--config.dir=examples",
        "--config.names=timers",
        `--web.listen-address=${listen}`,
      ],
      cwd: new URL("../", import.meta.url).pathname,
      env: { LOG_TOKENS: "x" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const lines = stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) =>
      JSON.parse(l)
    );
    const attempts = lines.filter((l) => "denied" in l);
    equal(attempts.length, 8, stdout + new TextDecoder().decode(out.stderr));
    for (const a of attempts) ok(a.denied, `${a.attempt} was allowed (${a.error})`);
    const scrape = lines.find((l) => l.attempt === "scrape");
    equal(scrape?.status, 200);
    ok(scrape.body > 0);
  },
);
