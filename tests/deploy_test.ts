import { deepEqual, equal, match } from "#assert";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("the systemd units pass systemd-analyze verify", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const unit of ["ebpf_exporter.service", "ebpf_exporter.socket"]) {
      const text = Deno.readTextFileSync(`${ROOT}/deploy/systemd/${unit}`);
      Deno.writeTextFileSync(`${dir}/${unit}`, text.replaceAll("/opt/ebpf_exporter", ROOT));
    }
    const out = await new Deno.Command("systemd-analyze", {
      args: ["verify", `${dir}/ebpf_exporter.socket`, `${dir}/ebpf_exporter.service`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    equal(out.code, 0, said);
    equal(said.trim(), "", said);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the service grants exactly what its command line and capabilities need", () => {
  const unit = Deno.readTextFileSync(`${ROOT}/deploy/systemd/ebpf_exporter.service`);
  match(unit, /^DynamicUser=yes$/m);
  match(unit, /^NoNewPrivileges=yes$/m);
  match(unit, /^ProtectSystem=strict$/m);
  match(unit, /^AmbientCapabilities=CAP_BPF CAP_PERFMON CAP_SYSLOG$/m);
  match(unit, /^CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYSLOG$/m);
  match(unit, /--web.listen-address=fd:\/\/3/);
  match(unit, /--capabilities.keep=cap_syslog/);
  equal(/--allow-all|--allow-read(?!=)|--allow-ffi(?!=)/.test(unit), false);
});

Deno.test("the Dockerfile's entrypoint uses the scoped permission set and drops capabilities", () => {
  const dockerfile = Deno.readTextFileSync(`${ROOT}/Dockerfile`);
  const start = dockerfile.indexOf("ENTRYPOINT [") + "ENTRYPOINT ".length;
  const end = dockerfile.indexOf("]\n", start) + 1;
  const args = JSON.parse(dockerfile.slice(start, end).replaceAll("\\\n", "")) as string[];
  deepEqual(args.slice(0, 2), ["/usr/local/bin/deno", "run"]);
  const flags = args.filter((a) => a.startsWith("--allow-"));
  deepEqual(flags.map((f) => f.split("=")[0]).sort(), [
    "--allow-env",
    "--allow-ffi",
    "--allow-net",
    "--allow-read",
  ]);
  for (const f of flags) match(f, /^--allow-[a-z]+=\S+$/, `${f} is not scoped`);
  match(args.join(" "), /--capabilities.keep=cap_syslog/);
  match(dockerfile, /^USER ebpf_exporter$/m);
});
