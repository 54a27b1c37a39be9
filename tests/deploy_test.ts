import { deepEqual, equal, match } from "#assert";
import { parseAllDocuments } from "yaml";
import { SELF_METRIC_NAMES } from "../src/metrics/self_metrics.ts";
import { dashboardQueries, referencedMetrics } from "./helpers/prometheus.ts";

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

// --- Kubernetes -------------------------------------------------------------------------------

// deno-lint-ignore no-explicit-any
type Manifest = Record<string, any>;

/** Every document of a YAML file as plain values; a syntax error fails with its message. */
function yamlDocuments(path: string): Manifest[] {
  const docs = parseAllDocuments(Deno.readTextFileSync(`${ROOT}/${path}`));
  if (!Array.isArray(docs)) return [];
  for (const d of docs) equal(d.errors.map((e) => e.message).join("; "), "", path);
  return docs.map((d) => d.toJS() as Manifest);
}

/** What the Dockerfile decides: image name, user id, port, file capabilities. */
function dockerfileFacts() {
  const dockerfile = Deno.readTextFileSync(`${ROOT}/Dockerfile`);
  return {
    image: dockerfile.match(/docker build -t (\S+) \./)![1],
    uid: Number(dockerfile.match(/useradd [^\n]*--uid (\d+)/)![1]),
    port: Number(dockerfile.match(/^EXPOSE (\d+)$/m)![1]),
    allowNetPort: Number(dockerfile.match(/"--allow-net=[^"]*:(\d+)"/)![1]),
    capabilities: dockerfile.match(/setcap ([a-z_,]+)\+ep/)![1].split(",")
      .map((c) => c.replace(/^cap_/, "").toUpperCase()).sort(),
  };
}

const subset = (small: Record<string, string>, big: Record<string, string>) =>
  Object.entries(small).every(([k, v]) => big[k] === v);

Deno.test("the Kubernetes DaemonSet runs the Dockerfile's image as its user, port and capabilities", () => {
  const docker = dockerfileFacts();
  const docs = yamlDocuments("deploy/kubernetes/daemonset.yaml");
  deepEqual(docs.map((d) => `${d.apiVersion} ${d.kind}`), ["v1 Namespace", "apps/v1 DaemonSet"]);
  const [namespace, ds] = docs;
  equal(ds.metadata.namespace, namespace.metadata.name);
  equal(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");

  const pod = ds.spec.template.spec;
  equal(subset(ds.spec.selector.matchLabels, ds.spec.template.metadata.labels), true);
  equal(pod.hostPID, true);
  equal(pod.securityContext.runAsNonRoot, true);
  equal(pod.securityContext.runAsUser, docker.uid);
  equal(pod.containers.length, 1);
  const [container] = pod.containers;
  equal(container.image.replace(/^.*\//, "").split(":")[0], docker.image);
  equal(container.command, undefined, "the image's entrypoint carries the permission set");
  for (const arg of container.args as string[]) {
    match(
      arg,
      /^--(config\.names|config\.strict|debug|log\.[a-z-]+)(=|$)/,
      `${arg} overrides the entrypoint`,
    );
  }
  deepEqual(container.ports, [{ name: "metrics", containerPort: docker.port, protocol: "TCP" }]);
  equal(docker.port, 9435);
  equal(docker.allowNetPort, docker.port);

  const security = container.securityContext;
  equal(security.runAsNonRoot, true);
  equal(security.runAsUser, docker.uid);
  equal(security.readOnlyRootFilesystem, true);
  equal(security.privileged, false);
  // The non-root user gets its capabilities from the deno binary's file capabilities, which
  // no_new_privs (allowPrivilegeEscalation: false) would void.
  equal(security.allowPrivilegeEscalation, true);
  deepEqual(security.capabilities.drop, ["ALL"]);
  deepEqual([...security.capabilities.add].sort(), ["BPF", "PERFMON", "SYSLOG"]);
  deepEqual([...security.capabilities.add].sort(), docker.capabilities);

  for (const path of ["/sys/kernel/btf", "/sys/fs/cgroup", "/sys/kernel/tracing"]) {
    const volume = (pod.volumes as Manifest[]).find((v) => v.hostPath?.path === path);
    equal(volume?.hostPath.type, "Directory", `no hostPath volume for ${path}`);
    const mount = (container.volumeMounts as Manifest[]).find((m) => m.name === volume!.name);
    deepEqual(mount, { name: volume!.name, mountPath: path, readOnly: true });
  }
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    deepEqual(probe.httpGet, { path: "/", port: "metrics" });
  }
});

Deno.test("the PodMonitor selects the DaemonSet's pods and scrapes their metrics port", () => {
  const [, ds] = yamlDocuments("deploy/kubernetes/daemonset.yaml");
  const docs = yamlDocuments("deploy/kubernetes/podmonitor.yaml");
  deepEqual(docs.map((d) => `${d.apiVersion} ${d.kind}`), ["monitoring.coreos.com/v1 PodMonitor"]);
  const [monitor] = docs;
  equal(subset(monitor.spec.selector.matchLabels, ds.spec.template.metadata.labels), true);
  equal(monitor.metadata.namespace, ds.metadata.namespace);
  deepEqual(monitor.spec.namespaceSelector.matchNames, [ds.metadata.namespace]);
  const ports = ds.spec.template.spec.containers[0].ports as Manifest[];
  equal(monitor.spec.podMetricsEndpoints.length, 1);
  const [endpoint] = monitor.spec.podMetricsEndpoints;
  const port = ports.find((p) => p.name === endpoint.port);
  equal(port?.containerPort, 9435, `endpoint port ${endpoint.port} is not the container's 9435`);
  equal(endpoint.path, "/metrics");
  match(endpoint.interval, /^\d+s$/);
});

// --- Grafana ----------------------------------------------------------------------------------

/** Metric names the exporter can serve for the bundled examples, by kind. */
function exportedMetrics(): { scalars: Set<string>; histograms: Set<string> } {
  const scalars = new Set<string>(SELF_METRIC_NAMES);
  const histograms = new Set<string>();
  for (const entry of Deno.readDirSync(`${ROOT}/examples`)) {
    if (!entry.name.endsWith(".yaml")) continue;
    const [config] = yamlDocuments(`examples/${entry.name}`);
    for (const c of config.metrics?.counters ?? []) scalars.add(`ebpf_exporter_${c.name}`);
    for (const h of config.metrics?.histograms ?? []) histograms.add(`ebpf_exporter_${h.name}`);
  }
  // Built-in series: every family name the exporter core writes.
  for (const file of ["src/metrics/builtin.ts", "src/exporter.ts"]) {
    const source = Deno.readTextFileSync(`${ROOT}/${file}`);
    for (const m of source.matchAll(/name: "(ebpf_exporter_[a-z0-9_]+)"/g)) scalars.add(m[1]);
  }
  return { scalars, histograms };
}

let exported: ReturnType<typeof exportedMetrics> | undefined;

/** The names in `exprs` that no exported metric (or histogram series) carries. */
function unknownMetrics(exprs: string[]): string[] {
  const { scalars, histograms } = exported ??= exportedMetrics();
  const known = (name: string) =>
    scalars.has(name) || histograms.has(name) ||
    histograms.has(name.replace(/_(bucket|sum|count)$/, ""));
  return exprs.flatMap(referencedMetrics).filter((name) => !known(name));
}

const DASHBOARD = "deploy/grafana/ebpf_exporter.json";

Deno.test("every Grafana dashboard query names a metric the exporter serves for the examples", () => {
  const dashboard = JSON.parse(Deno.readTextFileSync(`${ROOT}/${DASHBOARD}`));
  const queries = dashboardQueries(dashboard);
  const missing = queries.flatMap((q) => unknownMetrics([q.expr]).map((n) => `${q.where}: ${n}`));
  deepEqual(missing, []);
  const used = new Set(queries.flatMap((q) => referencedMetrics(q.expr)));
  for (
    const name of [
      "ebpf_exporter_bio_latency_seconds_bucket",
      "ebpf_exporter_run_queue_latency_seconds_bucket",
      "ebpf_exporter_syscall_latency_seconds_bucket",
      "ebpf_exporter_syscalls_total",
      "ebpf_exporter_timer_starts_total",
      "ebpf_exporter_execs_by_comm_total",
      "ebpf_exporter_ebpf_program_attached",
      "ebpf_exporter_decoder_errors_total",
      "ebpf_exporter_scrape_collector_duration_seconds",
    ]
  ) equal(used.has(name), true, `the dashboard does not show ${name}`);
  // The check has teeth: an unknown name, and a _bucket of a counter, are reported.
  deepEqual(
    unknownMetrics([
      'rate(ebpf_exporter_nope_total{map="ebpf_exporter_in_a_string"}[5m])',
      "ebpf_exporter_timer_starts_total_bucket",
      "sum by (le) (ebpf_exporter_bio_latency_seconds_bucket)",
    ]),
    ["ebpf_exporter_nope_total", "ebpf_exporter_timer_starts_total_bucket"],
  );
});

Deno.test("the Grafana dashboard imports anywhere: a data source variable, unique ids, no overlap", () => {
  const dashboard = JSON.parse(Deno.readTextFileSync(`${ROOT}/${DASHBOARD}`));
  const variables = dashboard.templating.list as Manifest[];
  equal(variables.find((v) => v.name === "datasource")?.type, "datasource");
  equal(dashboard.__inputs, undefined, "no import-time inputs: file provisioning works as is");
  const panels = dashboard.panels as Manifest[];
  equal(new Set(panels.map((p) => p.id)).size, panels.length);
  const heatmaps = panels.filter((p) => p.type === "heatmap");
  equal(heatmaps.length, 3);
  for (const p of heatmaps) equal(p.targets[0].format, "heatmap");
  for (const p of panels.filter((p) => p.type !== "row")) {
    equal(p.datasource?.uid, "${datasource}", p.title);
    for (const t of p.targets) equal(t.datasource?.uid, "${datasource}", p.title);
  }
  for (const [i, a] of panels.entries()) {
    const ga = a.gridPos;
    equal(ga.x + ga.w <= 24, true, a.title);
    for (const b of panels.slice(i + 1)) {
      const gb = b.gridPos;
      const overlap = ga.x < gb.x + gb.w && gb.x < ga.x + ga.w && ga.y < gb.y + gb.h &&
        gb.y < ga.y + ga.h;
      equal(overlap, false, `${a.title} overlaps ${b.title}`);
    }
  }
});
