/**
 * Command-line flags with upstream ebpf_exporter's names, parsed the way kingpin parses them:
 * `--name=value` or `--name value`, booleans as `--flag`, `--no-flag` or `--flag=true|false`,
 * `-h` for help, `--` ending the flags, and errors printed as
 * `ebpf_exporter: error: <what>, try --help`.
 * @module
 */

/** The parsed command line. */
export interface Flags {
  /** `--config.dir`: directory holding `NAME.yaml` + `NAME.bpf.o` pairs. */
  configDir: string;
  /** `--config.names`: config names, split on commas, non-empty and distinct. */
  configNames: string[];
  /** `--config.strict`: any missed attachment (or unknown config key) is fatal. */
  configStrict: boolean;
  /** `--config.check`: load and attach everything, drop capabilities, then exit. */
  configCheck: boolean;
  /** `--config.skip-cache-size`: bound of the skipped-keys decode cache (0 = default). */
  skipCacheSize: number;
  /** `--config.cache-size`: bound of the decoded-labels cache (0 = default). */
  cacheSize: number;
  /** `--debug`: libbpf debug output and the `/maps` endpoint. */
  debug: boolean;
  /** `--log.no-timestamps`: log lines without timestamps. */
  logNoTimestamps: boolean;
  /** `--web.listen-address` as given, e.g. `:9435` or `fd://3`. */
  listenAddress: string;
  /** `--web.listen-address`, parsed by {@link parseListenAddress}. */
  listen: ListenAddress;
  /** `--web.telemetry-path`, starting with `/`. */
  telemetryPath: string;
  /** `--web.config.file`: TLS / basic auth web config file, `""` for none. */
  webConfigFile: string;
  /** `--capabilities.keep`: `all`, `none` or a comma-separated capability list. */
  capabilitiesKeep: string;
  /** `--btf.path`: external BTF file, `""` for the kernel's own. */
  btfPath: string;
  /** `--maps.replay`: a `/maps` dump to serve instead of kernel maps, `""` for none. */
  mapsReplay: string;
}

/** Where to listen: a host and TCP port, or an inherited socket's file descriptor. */
export type ListenAddress = { hostname: string; port: number } | { fd: number };

/** What {@link parseFlags} returns when `--help` / `-h` was given. */
export interface HelpRequest {
  /** The full help text, ending with a newline. */
  help: string;
}

/** What {@link parseFlags} returns when `--version` was given. */
export interface VersionRequest {
  /** Always true. */
  version: true;
}

/**
 * A command-line error. `message` is the one line to print (kingpin style); `detail` is the part
 * that says what was wrong.
 */
export class FlagError extends Error {
  /** What was wrong, e.g. `unknown long flag '--foo'`. */
  readonly detail: string;

  /** Creates an error from its detail, e.g. `required flag --config.dir not provided`. */
  constructor(detail: string) {
    super(`ebpf_exporter: error: ${detail}, try --help`);
    this.name = "FlagError";
    this.detail = detail;
  }
}

type Kind = "string" | "bool" | "int";

interface FlagSpec {
  readonly name: string;
  readonly kind: Kind;
  /** Default as text; undefined for required flags and the help/version switches. */
  readonly def?: string;
  readonly required?: boolean;
  readonly placeholder?: string;
  readonly help: string;
}

const SPECS: readonly FlagSpec[] = [
  { name: "help", kind: "bool", help: "Show this help and exit." },
  { name: "version", kind: "bool", help: "Show the version and exit." },
  {
    name: "config.dir",
    kind: "string",
    required: true,
    placeholder: "DIR",
    help: "Directory with NAME.yaml + NAME.bpf.o config pairs.",
  },
  {
    name: "config.names",
    kind: "string",
    required: true,
    placeholder: "NAMES",
    help: "Comma-separated names of the configs to load from --config.dir.",
  },
  {
    name: "config.strict",
    kind: "bool",
    def: "false",
    help: "Fail on any program that does not attach (and on unknown config keys).",
  },
  {
    name: "config.check",
    kind: "bool",
    def: "false",
    help: "Load and attach every config, drop capabilities, then exit (0 on success).",
  },
  {
    name: "config.skip-cache-size",
    kind: "int",
    def: "0",
    placeholder: "N",
    help: "Max entries in the cache of keys skipped while decoding (0 = built-in default).",
  },
  {
    name: "config.cache-size",
    kind: "int",
    def: "0",
    placeholder: "N",
    help: "Max entries in the cache of decoded label sets (0 = built-in default).",
  },
  {
    name: "debug",
    kind: "bool",
    def: "false",
    help: "Enable libbpf debug output and the /maps endpoint.",
  },
  {
    name: "log.no-timestamps",
    kind: "bool",
    def: "false",
    help: "Write log lines without timestamps.",
  },
  {
    name: "web.listen-address",
    kind: "string",
    def: ":9435",
    placeholder: "ADDR",
    help: "Address to listen on for HTTP; fd://N uses an inherited (systemd) socket.",
  },
  {
    name: "web.telemetry-path",
    kind: "string",
    def: "/metrics",
    placeholder: "PATH",
    help: "Path under which to expose metrics.",
  },
  {
    name: "web.config.file",
    kind: "string",
    def: "",
    placeholder: "FILE",
    help: "Web config file enabling TLS and/or basic auth (empty = plain HTTP).",
  },
  {
    name: "capabilities.keep",
    kind: "string",
    def: "all",
    placeholder: "CAPS",
    help: "Capabilities to keep after attaching: all, none, or a list like cap_syslog,cap_bpf.",
  },
  {
    name: "btf.path",
    kind: "string",
    def: "",
    placeholder: "FILE",
    help: "External BTF file for kernels without /sys/kernel/btf/vmlinux.",
  },
  {
    name: "maps.replay",
    kind: "string",
    def: "",
    placeholder: "FILE",
    help: "Serve metrics from a saved /maps dump instead of kernel maps (no BPF needed).",
  },
];

const BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(SPECS.map((s) => [s.name, s]));

const TRUE_WORDS = new Set(["1", "t", "T", "true", "TRUE", "True"]);
const FALSE_WORDS = new Set(["0", "f", "F", "false", "FALSE", "False"]);

function leftColumn(spec: FlagSpec): string {
  const short = spec.name === "help" ? "-h, " : "    ";
  if (spec.kind === "bool") {
    const negatable = spec.name !== "help" && spec.name !== "version";
    return `  ${short}--${negatable ? "[no-]" : ""}${spec.name}`;
  }
  return `  ${short}--${spec.name}=${spec.placeholder}`;
}

function rightColumn(spec: FlagSpec): string {
  if (spec.required) return `${spec.help} (required)`;
  if (spec.def === undefined) return spec.help;
  const def = spec.kind === "string" ? JSON.stringify(spec.def) : spec.def;
  return `${spec.help} (default: ${def})`;
}

/**
 * The `--help` text: a usage line, then every flag with a one-line description and its default.
 *
 * @example
 * ```ts
 * import { helpText } from "./flags.ts";
 * helpText().startsWith("usage: ebpf_exporter"); // true
 * ```
 */
export function helpText(): string {
  const lefts = SPECS.map(leftColumn);
  const width = Math.max(...lefts.map((l) => l.length)) + 2;
  const lines = SPECS.map((s, i) => lefts[i].padEnd(width) + rightColumn(s));
  return [
    "usage: ebpf_exporter --config.dir=DIR --config.names=NAMES [<flags>]",
    "",
    "A Prometheus exporter for custom eBPF metrics.",
    "",
    "Flags:",
    ...lines,
    "",
  ].join("\n");
}

function parseBool(flag: string, value: string): boolean {
  if (TRUE_WORDS.has(value)) return true;
  if (FALSE_WORDS.has(value)) return false;
  throw new FlagError(`expected a boolean for ${flag}, got ${JSON.stringify(value)}`);
}

function parseCount(flag: string, value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new FlagError(
      `expected a non-negative integer for ${flag}, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function splitNames(value: string): string[] {
  const names = value.split(",");
  const seen = new Set<string>();
  for (const name of names) {
    if (name === "") {
      throw new FlagError(`--config.names contains an empty name in ${JSON.stringify(value)}`);
    }
    if (seen.has(name)) {
      throw new FlagError(`--config.names contains duplicate name ${JSON.stringify(name)}`);
    }
    seen.add(name);
  }
  return names;
}

const PORT_RE = /^[0-9]{1,5}$/;

/**
 * Parses a `--web.listen-address` value: `:9435` (all IPv4 interfaces), `127.0.0.1:9435`,
 * `[::1]:9435`, `localhost:9435`, or `fd://3` (a socket inherited from systemd). Throws a
 * {@link FlagError} naming the flag and the value when it is none of these.
 *
 * @example
 * ```ts
 * import { parseListenAddress } from "./flags.ts";
 * parseListenAddress(":9435"); // { hostname: "0.0.0.0", port: 9435 }
 * parseListenAddress("fd://3"); // { fd: 3 }
 * ```
 */
export function parseListenAddress(addr: string): ListenAddress {
  const bad = (why: string) =>
    new FlagError(`invalid --web.listen-address ${JSON.stringify(addr)}: ${why}`);
  if (addr.startsWith("fd://")) {
    const rest = addr.slice(5);
    const fd = /^[0-9]{1,10}$/.test(rest) ? Number(rest) : NaN;
    if (!(fd <= 0x7fffffff)) throw bad("expected fd://N with a file descriptor number N");
    return { fd };
  }
  let host: string;
  let port: string;
  if (addr.startsWith("[")) {
    const close = addr.indexOf("]");
    if (close < 0) throw bad("missing ']' in address");
    if (addr[close + 1] !== ":") throw bad("missing port in address");
    host = addr.slice(1, close);
    port = addr.slice(close + 2);
    if (host === "" || /[[\]]/.test(host)) throw bad("bad host in brackets");
  } else {
    const colon = addr.lastIndexOf(":");
    if (colon < 0) throw bad("missing port in address");
    host = addr.slice(0, colon);
    port = addr.slice(colon + 1);
    if (host.includes(":")) {
      throw bad("too many colons in address (bracket IPv6 hosts: [::1]:9435)");
    }
    if (/[[\]\s/]/.test(host)) throw bad("bad host");
  }
  if (!PORT_RE.test(port) || Number(port) > 65535) {
    throw bad(port === "" ? "missing port in address" : `bad port ${JSON.stringify(port)}`);
  }
  return { hostname: host === "" ? "0.0.0.0" : host, port: Number(port) };
}

/**
 * Parses the command line (without the program name). Returns the flags, `{ help }` for
 * `--help`/`-h`, or `{ version: true }` for `--version` (both win over missing required flags);
 * throws a {@link FlagError} for anything else that is wrong. Each flag may be given once.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./flags.ts";
 * const flags = parseFlags(["--config.dir=examples", "--config.names", "timers,biolatency"]);
 * if ("configNames" in flags) flags.configNames; // ["timers", "biolatency"]
 * ```
 */
export function parseFlags(argv: string[]): Flags | HelpRequest | VersionRequest {
  const values = new Map<string, string | boolean>();
  const set = (spec: FlagSpec, value: string | boolean) => {
    if (values.has(spec.name)) throw new FlagError(`flag '${spec.name}' cannot be repeated`);
    values.set(spec.name, value);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      if (i + 1 < argv.length) throw new FlagError(`unexpected ${argv[i + 1]}`);
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      let spec = BY_NAME.get(name);
      let negated = false;
      if (spec === undefined && name.startsWith("no-")) {
        const positive = BY_NAME.get(name.slice(3));
        if (positive?.kind === "bool") {
          spec = positive;
          negated = true;
        }
      }
      if (spec === undefined) throw new FlagError(`unknown long flag '--${name}'`);
      if (spec.kind === "bool") {
        let on = true;
        if (inline !== undefined) on = parseBool(`--${name}`, inline);
        if (negated) on = !on;
        set(spec, on);
        if (on && spec.name === "help") return { help: helpText() };
        if (on && spec.name === "version") return { version: true };
        continue;
      }
      let value = inline;
      if (value === undefined) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith("-") && next !== "-")) {
          throw new FlagError(`expected argument for flag '--${name}'`);
        }
        value = next;
        i++;
      }
      if (spec.kind === "int") set(spec, String(parseCount(`--${name}`, value)));
      else set(spec, value);
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") {
      if (arg === "-h") return { help: helpText() };
      throw new FlagError(`unknown short flag '-${arg[1]}'`);
    }
    throw new FlagError(`unexpected ${arg}`);
  }

  for (const spec of SPECS) {
    if (spec.required && !values.has(spec.name)) {
      throw new FlagError(`required flag --${spec.name} not provided`);
    }
  }
  const str = (name: string): string => {
    const v = values.get(name);
    return typeof v === "string" ? v : BY_NAME.get(name)!.def!;
  };
  const bool = (name: string): boolean => values.get(name) === true;

  const telemetryPath = str("web.telemetry-path");
  if (!telemetryPath.startsWith("/")) {
    throw new FlagError(
      `--web.telemetry-path must start with "/", got ${JSON.stringify(telemetryPath)}`,
    );
  }
  const listenAddress = str("web.listen-address");
  return {
    configDir: str("config.dir"),
    configNames: splitNames(str("config.names")),
    configStrict: bool("config.strict"),
    configCheck: bool("config.check"),
    skipCacheSize: Number(str("config.skip-cache-size")),
    cacheSize: Number(str("config.cache-size")),
    debug: bool("debug"),
    logNoTimestamps: bool("log.no-timestamps"),
    listenAddress,
    listen: parseListenAddress(listenAddress),
    telemetryPath,
    webConfigFile: str("web.config.file"),
    capabilitiesKeep: str("capabilities.keep"),
    btfPath: str("btf.path"),
    mapsReplay: str("maps.replay"),
  };
}
