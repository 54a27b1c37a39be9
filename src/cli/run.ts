/**
 * The exporter's command: flags -> configs -> kernel -> HTTP server, and a clean shutdown.
 * `main.ts` only calls {@link run}.
 * @module
 */

import { setLibbpfSink } from "../../ffi/libbpf_log.ts";
import { kernelPathExists, readKernelTextFile } from "../../ffi/libc.ts";
import { ConfigLoadError, loadKernelConfig } from "../bpf/kernel_config.ts";
import type { LoadedConfig } from "../bpf/loaded_config.ts";
import { firePostAttachMark } from "../bpf/post_attach_mark.ts";
import { ConfigError, formatConfigWarning } from "../config/errors.ts";
import { checkConfigMaps } from "../config/check_maps.ts";
import { loadConfigs } from "../config/load.ts";
import type { Config } from "../config/types.ts";
import { renderDumpText } from "../maps/dump.ts";
import { replayEnv } from "../maps/host_table.ts";
import { parseDump, replayConfigs } from "../maps/replay.ts";
import type { DecoderEnv } from "../decoders/decoder.ts";
import { Exporter } from "../exporter.ts";
import {
  closeEventStreams,
  eventMapsOf,
  openEventStreams,
  spanPipelineFor,
} from "./event_streams.ts";
import { createHandler } from "../http/handler.ts";
import { warmUpScrapePath } from "./warm_up.ts";
import { BasicAuth, protectHandler } from "../http/basic_auth.ts";
import { type RunningServer, serve } from "../http/serve.ts";
import { loadWebConfig, type WebConfig } from "../http/web_config.ts";
import { CgroupResolver } from "../kernel/cgroups.ts";
import { InterfacesResolver } from "../kernel/interfaces.ts";
import { KallsymsResolver } from "../kernel/kallsyms.ts";
import { PartitionsResolver } from "../kernel/partitions.ts";
import { lazyPciIds, PCI_IDS_PATH } from "../kernel/pci_ids.ts";
import * as log from "../log.ts";
import { VERSION } from "../version.ts";
import { FlagError, type Flags, helpText, parseFlags } from "./flags.ts";
import {
  applyCapabilityPlan,
  capabilityNames,
  type CapabilityPlan,
  parseCapabilities,
} from "./capabilities.ts";
import { revokeStartupPermissions } from "./permissions.ts";
import { notifyReady, notifyStopping } from "./systemd.ts";

/** Exit code for command-line mistakes (as kingpin uses). */
export const EXIT_USAGE = 2;
/** Exit code for start-up failures. */
export const EXIT_FAILURE = 1;

/** Host lookups backed by the kernel's files, read through libc. */
export function kernelDecoderEnv(): DecoderEnv & { cgroups: CgroupResolver } {
  const onError = (e: unknown) => log.warn((e as Error).message);
  return {
    symbols: new KallsymsResolver({ read: () => readKernelTextFile("/proc/kallsyms"), onError }),
    devices: new PartitionsResolver({
      read: () => readKernelTextFile("/proc/partitions"),
      onError,
    }),
    interfaces: new InterfacesResolver({ onError }),
    cgroups: new CgroupResolver({ onError }),
    pciIds: lazyPciIds({
      read: () => readKernelTextFile(PCI_IDS_PATH),
      onError: (e) =>
        log.warn(
          `pci.ids database unavailable, pci decoders print "missing pci.ids db": ${
            (e as Error).message
          }`,
        ),
    }),
  };
}

/** Runs the exporter until SIGINT/SIGTERM; returns the process exit code. */
export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseFlags(argv);
  } catch (e) {
    if (e instanceof FlagError) {
      console.error(e.message);
      return EXIT_USAGE;
    }
    throw e;
  }
  if ("help" in parsed) {
    await Deno.stdout.write(new TextEncoder().encode(helpText()));
    return 0;
  }
  if ("version" in parsed) {
    console.log(`ebpf_exporter, version ${VERSION.version} (revision: ${VERSION.revision})`);
    return 0;
  }
  const flags: Flags = parsed;
  log.configureLog({ noTimestamps: flags.logNoTimestamps, debug: flags.debug });
  try {
    return await start(flags);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ConfigLoadError) {
      log.error(e.message);
      return EXIT_FAILURE;
    }
    log.error(`${(e as Error).message}`);
    return EXIT_FAILURE;
  }
}

async function start(flags: Flags): Promise<number> {
  let capabilities: CapabilityPlan;
  try {
    capabilities = parseCapabilities(flags.capabilitiesKeep);
  } catch (e) {
    console.error(`ebpf_exporter: error: ${(e as Error).message}, try --help`);
    return EXIT_USAGE;
  }
  // Read before any config or kernel work: a bad web config fails fast and touches nothing.
  const web = flags.webConfigFile ? await loadWebConfig(flags.webConfigFile) : undefined;
  const { configs, warnings } = await loadConfigs(flags.configDir, flags.configNames);
  for (const w of warnings) log.warn(formatConfigWarning(w));
  if (flags.configStrict && warnings.length > 0) {
    log.error(`${warnings.length} unknown config key(s) under --config.strict`);
    return EXIT_FAILURE;
  }

  // Ring buffer spans go where the OTEL_* variables say; a replay reads no ring buffers.
  const spans = flags.mapsReplay ? undefined : await spanPipelineFor(configs);
  const { loaded, env } = flags.mapsReplay
    ? await replay(flags.mapsReplay, configs)
    : loadFromKernel(configs, flags);
  if (!flags.mapsReplay) dropCapabilities(capabilities, env, configs);

  const exporter = new Exporter(loaded, env, {
    cacheSize: flags.cacheSize,
    skipCacheSize: flags.skipCacheSize,
    programStats: flags.mapsReplay ? () => false : bpfStatsEnabled,
    spans,
    selfMetrics: true, // scrape and map-read timings, map fill (not upstream series)
  });
  const streams = flags.mapsReplay ? undefined : openEventStreams(exporter);
  if (flags.configCheck) {
    await closeEventStreams(streams, spans);
    exporter.close();
    log.info(`config check passed: ${configs.map((c) => c.name).join(", ")}`);
    return 0;
  }

  try {
    const warm = await warmUpScrapePath(env);
    log.debug(`scrape path warmed up in ${warm.ms.toFixed(0)} ms (${warm.bytes} bytes a scrape)`);
  } catch (e) {
    log.warn(`warm-up: ${(e as Error).message}`); // only the first scrape is slower
  }

  const handler = createHandler({
    telemetryPath: flags.telemetryPath,
    gather: () => {
      streams?.drain(); // a scrape sees every event emitted before it
      return exporter.gather();
    },
    maps: flags.debug
      ? (format) => {
        const dump = exporter.dumpMaps();
        return Promise.resolve(
          format === "json" ? JSON.stringify(dump, null, 1) + "\n" : renderDumpText(dump),
        );
      }
      : undefined,
    version: VERSION.version,
  });
  streams?.start();
  // Upkeep between scrapes: cgroups created or removed reach cgroup_id_map within a second.
  const upkeep = setInterval(() => exporter.tick(), 1000);
  const server = await serveWeb(flags.listen, handler, web);
  log.info(`listening on ${server.address}`);
  notifyReady(`serving ${configs.length} config(s) on ${server.address}`);
  const revoked = revokeStartupPermissions();
  if (revoked.length > 0) log.debug(`permissions revoked after start-up: ${revoked.join(", ")}`);

  const stopped = Promise.withResolvers<void>();
  const stop = () => stopped.resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await Promise.race([stopped.promise, server.finished]);
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  notifyStopping();
  clearInterval(upkeep);
  log.info("shutting down: detaching programs");
  await closeEventStreams(streams, spans);
  await server.shutdown();
  exporter.close();
  return 0;
}

/**
 * `--capabilities.keep`: once everything is attached, keep only the named capabilities on every
 * thread. Kernel symbols are read first, while CAP_SYSLOG still shows their addresses (the
 * resolver keeps that snapshot when a later re-read shows only zeros).
 */
function dropCapabilities(plan: CapabilityPlan, env: DecoderEnv, configs: readonly Config[]): void {
  if (plan.keepAll) return;
  const usesSymbols = configs.some((c) =>
    [...c.counters, ...c.histograms, ...c.spans].some((m) =>
      m.labels.some((l) => l.decoders.some((d) => d.name === "ksym" || d.name === "kstack"))
    )
  );
  if (usesSymbols && env.symbols instanceof KallsymsResolver) env.symbols.refresh();
  const kept = applyCapabilityPlan(plan);
  if (kept !== undefined) log.info(`capabilities kept on every thread: ${capabilityNames(kept)}`);
}

/**
 * Serves `handler` as the web config says: TLS (client certificates included), basic auth and
 * extra headers; plain HTTP without one. A TLS setting the TLS library refuses (a key that does
 * not match its certificate, say) is reported against the web config file.
 */
async function serveWeb(
  listen: Flags["listen"],
  handler: (req: Request) => Promise<Response>,
  web: WebConfig | undefined,
): Promise<RunningServer> {
  if (web === undefined) return await serve(listen, handler);
  const guarded = protectHandler(handler, {
    auth: web.users.size > 0 ? new BasicAuth(web.users) : undefined,
    headers: web.headers,
  });
  const refused = (reason: string) => log.debug(`client refused: ${reason}`);
  let server: RunningServer;
  try {
    server = await serve(listen, guarded, { tls: web.tls, onClientRefused: refused });
  } catch (e) {
    if (!web.tls) throw e;
    throw new ConfigError({
      file: web.file,
      keyPath: "tls_server_config",
      line: web.tlsLine,
      expected: "expected a certificate and key the TLS library accepts",
      found: (e as Error).message,
    });
  }
  const tls = web.tls
    ? `on (client_auth_type ${web.tls.clientAuth}, min_version ${web.tls.minVersion})`
    : "off";
  const auth = web.users.size > 0 ? `on (${web.users.size} user(s))` : "off";
  log.info(`web config ${web.file}: TLS ${tls}, basic auth ${auth}`);
  return server;
}

/** The kernel's decoder env, and every config loaded and attached with it. */
function loadFromKernel(
  configs: readonly Config[],
  flags: Flags,
): { loaded: LoadedConfig[]; env: DecoderEnv } {
  const env = kernelDecoderEnv();
  return { loaded: loadIntoKernel(configs, flags, env.cgroups), env };
}

/** Loads and attaches every config; on a failure closes what was loaded and rethrows. */
function loadIntoKernel(
  configs: readonly Config[],
  flags: Flags,
  cgroups: CgroupResolver,
): LoadedConfig[] {
  if (flags.btfPath && !kernelPathExists(flags.btfPath)) {
    throw new Error(`--btf.path=${flags.btfPath}: no such file`);
  }
  setLibbpfSink((level, message) => {
    if (flags.debug) log.debug(`libbpf ${level}: ${message.trimEnd()}`);
  });
  const loaded: LoadedConfig[] = [];
  try {
    for (const config of configs) {
      const l = loadKernelConfig(config, {
        btfPath: flags.btfPath,
        debug: flags.debug,
        cgroups,
        onWarning: log.warn,
      });
      loaded.push(l);
      for (const p of l.programs) {
        if (p.attached) log.debug(`config ${config.name}: attached ${p.name} (${p.section})`);
        else log.warn(`config ${config.name}: program ${p.name}: ${p.attachError}`);
      }
      const missed = l.programs.filter((p) => !p.attached);
      if (flags.configStrict && missed.length > 0) {
        throw new ConfigLoadError(
          config.name,
          `${missed.length} program(s) not attached under --config.strict: ${
            missed.map((p) => `${p.name} (${p.attachError})`).join("; ")
          }`,
        );
      }
    }
  } catch (e) {
    loaded.forEach((l) => l.close());
    throw e;
  }
  // Every config is attached: uprobes on post_attach_mark run now, once.
  firePostAttachMark(loaded);
  return loaded;
}

/** Configs backed by a `/maps?format=json` dump instead of the kernel. */
async function replay(
  file: string,
  configs: readonly Config[],
): Promise<{ loaded: LoadedConfig[]; env: DecoderEnv }> {
  const dump = parseDump(file, await Deno.readTextFile(file));
  for (const config of configs) {
    const recorded = dump.configs.find((c) => c.name === config.name);
    if (recorded) {
      checkConfigMaps(
        config,
        new Map([
          ...eventMapsOf(config), // dumps hold no event maps: they have no entries to replay
          ...recorded.maps.map((m) =>
            [m.name, {
              type: m.type,
              keySize: m.key_size,
              valueSize: m.value_size,
            }] as const
          ),
        ]),
      );
    }
  }
  log.info(`replaying ${file}: no kernel maps are read`);
  return { loaded: replayConfigs(file, dump, configs), env: replayEnv(dump.host) };
}

let statsCheckedAt = -Infinity;
let statsEnabled = false;

/** Whether `kernel.bpf_stats_enabled` is 1, re-read at most every 10 s. */
function bpfStatsEnabled(): boolean {
  const now = Date.now();
  if (now - statsCheckedAt > 10_000) {
    statsCheckedAt = now;
    try {
      statsEnabled = readKernelTextFile("/proc/sys/kernel/bpf_stats_enabled").trim() === "1";
    } catch {
      statsEnabled = false;
    }
  }
  return statsEnabled;
}
