import { equal, match, ok } from "#assert";
import { DENO, permissionFlags } from "./helpers/exporter_process.ts";
import { kernelTest } from "./helpers/kernel.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Rows of README.md's "Capabilities by feature" table. */
function capabilityTable(): { feature: string; caps: string[]; config: string }[] {
  const readme = Deno.readTextFileSync(`${ROOT}README.md`);
  const section = readme.split("### Capabilities by feature")[1].split("\n## ")[0];
  return section.split("\n").filter((l) =>
    l.startsWith("| ") && !l.startsWith("| feature") && !l.startsWith("| ---")
  )
    .map((line) => {
      const [feature, caps, config] = line.split("|").slice(1, 4).map((c) => c.trim());
      return { feature, caps: caps.split(",").map((c) => c.trim()), config };
    });
}

/** `--config.check --config.strict` of one config with exactly `caps` (uid 0, bounding set too). */
async function checkWith(
  caps: string[],
  config: string,
): Promise<{ code: number; stderr: string }> {
  const dir = config.slice(0, config.lastIndexOf("/"));
  const name = config.slice(config.lastIndexOf("/") + 1);
  const set = ["-all", ...caps.map((c) => `+${c.replace(/^cap_/, "")}`)].join(",");
  const out = await new Deno.Command("setpriv", {
    args: [
      `--inh-caps=${set}`,
      `--ambient-caps=${set}`,
      `--bounding-set=${set}`,
      "--",
      DENO,
      "run",
      ...permissionFlags(dir, undefined, { env: ["OTEL_TRACES_EXPORTER"] }),
      "main.ts",
      `--config.dir=${dir}`,
      `--config.names=${name}`,
      "--config.check",
      "--config.strict",
    ],
    cwd: ROOT,
    env: { OTEL_TRACES_EXPORTER: "none" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

const rows = capabilityTable();

Deno.test("README's capability table has every feature row", () => {
  ok(rows.length >= 8, `only ${rows.length} rows`);
});

for (const row of rows) {
  const objects = [`${row.config}.bpf.o`];
  kernelTest(
    `capabilities for ${row.feature}: ${row.caps.join(", ")} suffice, one less does not`,
    objects,
    async () => {
      const enough = await checkWith(row.caps, row.config);
      equal(enough.code, 0, enough.stderr);
      match(enough.stderr, /config check passed/);
      const fewer = await checkWith(row.caps.slice(0, -1), row.config);
      equal(fewer.code === 0, false, `passed without ${row.caps.at(-1)}:\n${fewer.stderr}`);
    },
  );
}
