import { deepEqual, equal, ok, throws } from "#assert";
import { FlagError, type Flags, helpText, parseFlags, parseListenAddress } from "./flags.ts";

const REQ = ["--config.dir=examples", "--config.names=timers"];

function flags(...extra: string[]): Flags {
  const r = parseFlags([...REQ, ...extra]);
  if (!("configDir" in r)) throw new Error("expected flags, got " + JSON.stringify(r));
  return r;
}

/** Asserts that parsing fails with exactly this detail (and the kingpin-style message). */
function fails(argv: string[], detail: string) {
  throws(() => parseFlags(argv), (err: unknown) => {
    if (!(err instanceof FlagError)) throw new Error(`not a FlagError: ${err}`);
    equal(err.detail, detail);
    equal(err.message, `ebpf_exporter: error: ${detail}, try --help`);
    ok(!err.message.includes("\n"));
    return true;
  });
}

Deno.test("defaults", () => {
  deepEqual(flags(), {
    configDir: "examples",
    configNames: ["timers"],
    configStrict: false,
    configCheck: false,
    skipCacheSize: 0,
    cacheSize: 0,
    debug: false,
    logNoTimestamps: false,
    listenAddress: ":9435",
    listen: { hostname: "0.0.0.0", port: 9435 },
    telemetryPath: "/metrics",
    webConfigFile: "",
    capabilitiesKeep: "all",
    btfPath: "",
    mapsReplay: "",
  });
});

Deno.test("every flag, --name=value form", () => {
  const f = parseFlags([
    "--config.dir=/etc/ebpf",
    "--config.names=timers,biolatency,cachestat",
    "--config.strict",
    "--config.check",
    "--config.skip-cache-size=100",
    "--config.cache-size=2048",
    "--debug",
    "--log.no-timestamps",
    "--web.listen-address=127.0.0.1:9999",
    "--web.telemetry-path=/ebpf",
    "--web.config.file=web.yml",
    "--capabilities.keep=cap_syslog,cap_bpf",
    "--btf.path=/tmp/vmlinux.btf",
    "--maps.replay=dump.txt",
  ]);
  deepEqual(f, {
    configDir: "/etc/ebpf",
    configNames: ["timers", "biolatency", "cachestat"],
    configStrict: true,
    configCheck: true,
    skipCacheSize: 100,
    cacheSize: 2048,
    debug: true,
    logNoTimestamps: true,
    listenAddress: "127.0.0.1:9999",
    listen: { hostname: "127.0.0.1", port: 9999 },
    telemetryPath: "/ebpf",
    webConfigFile: "web.yml",
    capabilitiesKeep: "cap_syslog,cap_bpf",
    btfPath: "/tmp/vmlinux.btf",
    mapsReplay: "dump.txt",
  });
});

Deno.test("every value flag, --name value form", () => {
  const f = parseFlags([
    "--config.dir",
    "/etc/ebpf",
    "--config.names",
    "a,b",
    "--config.skip-cache-size",
    "7",
    "--config.cache-size",
    "8",
    "--web.listen-address",
    "[::1]:9435",
    "--web.telemetry-path",
    "/m",
    "--web.config.file",
    "w.yml",
    "--capabilities.keep",
    "none",
    "--btf.path",
    "b.btf",
    "--maps.replay",
    "-",
  ]) as Flags;
  equal(f.configDir, "/etc/ebpf");
  deepEqual(f.configNames, ["a", "b"]);
  equal(f.skipCacheSize, 7);
  equal(f.cacheSize, 8);
  deepEqual(f.listen, { hostname: "::1", port: 9435 });
  equal(f.telemetryPath, "/m");
  equal(f.webConfigFile, "w.yml");
  equal(f.capabilitiesKeep, "none");
  equal(f.btfPath, "b.btf");
  equal(f.mapsReplay, "-");
});

Deno.test("values may contain '=' and be empty with the = form", () => {
  const f = flags("--btf.path=a=b", "--web.config.file=");
  equal(f.btfPath, "a=b");
  equal(f.webConfigFile, "");
});

Deno.test("values starting with '-' need the = form", () => {
  equal(flags("--btf.path=-weird").btfPath, "-weird");
  fails([...REQ, "--btf.path", "-weird"], "expected argument for flag '--btf.path'");
  fails([...REQ, "--btf.path", "--debug"], "expected argument for flag '--btf.path'");
});

const BOOLS: [string, "configStrict" | "configCheck" | "debug" | "logNoTimestamps"][] = [
  ["config.strict", "configStrict"],
  ["config.check", "configCheck"],
  ["debug", "debug"],
  ["log.no-timestamps", "logNoTimestamps"],
];
for (const [name, key] of BOOLS) {
  Deno.test(`boolean --${name}: all spellings`, () => {
    equal(flags()[key], false);
    equal(flags(`--${name}`)[key], true);
    equal(flags(`--no-${name}`)[key], false);
    for (const t of ["true", "TRUE", "True", "t", "T", "1"]) {
      equal(flags(`--${name}=${t}`)[key], true, t);
      equal(flags(`--no-${name}=${t}`)[key], false, t);
    }
    for (const f of ["false", "FALSE", "False", "f", "F", "0"]) {
      equal(flags(`--${name}=${f}`)[key], false, f);
      equal(flags(`--no-${name}=${f}`)[key], true, f);
    }
    fails([...REQ, `--${name}=maybe`], `expected a boolean for --${name}, got "maybe"`);
    fails([...REQ, `--${name}=`], `expected a boolean for --${name}, got ""`);
    fails([...REQ, `--no-${name}=yes`], `expected a boolean for --no-${name}, got "yes"`);
  });
}

Deno.test("a boolean flag does not consume the next argument", () => {
  fails([...REQ, "--debug", "true"], "unexpected true");
});

Deno.test("the example error messages", () => {
  fails([...REQ, "--foo"], "unknown long flag '--foo'");
  fails([...REQ, "--debug=maybe"], 'expected a boolean for --debug, got "maybe"');
  throws(() => parseFlags([...REQ, "--foo"]), {
    message: "ebpf_exporter: error: unknown long flag '--foo', try --help",
  });
});

Deno.test("unknown flags", () => {
  fails([...REQ, "--foo=1"], "unknown long flag '--foo'");
  fails([...REQ, "--config"], "unknown long flag '--config'");
  fails([...REQ, "--Debug"], "unknown long flag '--Debug'");
  fails([...REQ, "--no-config.dir=x"], "unknown long flag '--no-config.dir'");
  fails([...REQ, "--no-foo"], "unknown long flag '--no-foo'");
  fails([...REQ, "---debug"], "unknown long flag '---debug'");
  fails([...REQ, "-x"], "unknown short flag '-x'");
  fails([...REQ, "-debug"], "unknown short flag '-d'");
});

Deno.test("positional arguments are rejected", () => {
  fails([...REQ, "extra"], "unexpected extra");
  fails([...REQ, "-"], "unexpected -");
  fails([...REQ, "--", "--debug"], "unexpected --debug");
  equal(flags("--").debug, false);
});

Deno.test("required flags", () => {
  fails([], "required flag --config.dir not provided");
  fails(["--config.names=a"], "required flag --config.dir not provided");
  fails(["--config.dir=d"], "required flag --config.names not provided");
  fails(["--config.dir=d", "--debug"], "required flag --config.names not provided");
});

Deno.test("missing value at the end", () => {
  fails(["--config.dir"], "expected argument for flag '--config.dir'");
  fails([...REQ, "--web.listen-address"], "expected argument for flag '--web.listen-address'");
});

Deno.test("flags cannot be repeated", () => {
  fails([...REQ, "--debug", "--debug"], "flag 'debug' cannot be repeated");
  fails([...REQ, "--debug", "--no-debug"], "flag 'debug' cannot be repeated");
  fails([...REQ, "--config.dir=x"], "flag 'config.dir' cannot be repeated");
});

Deno.test("--config.names splitting and validation", () => {
  deepEqual(flags().configNames, ["timers"]);
  deepEqual(
    (parseFlags(["--config.dir=d", "--config.names=a,b-c,d_e"]) as Flags).configNames,
    ["a", "b-c", "d_e"],
  );
  fails(["--config.dir=d", "--config.names="], '--config.names contains an empty name in ""');
  fails(
    ["--config.dir=d", "--config.names=a,,b"],
    '--config.names contains an empty name in "a,,b"',
  );
  fails(["--config.dir=d", "--config.names=a,"], '--config.names contains an empty name in "a,"');
  fails(["--config.dir=d", "--config.names=,a"], '--config.names contains an empty name in ",a"');
  fails(
    ["--config.dir=d", "--config.names=timers,bio,timers"],
    '--config.names contains duplicate name "timers"',
  );
});

Deno.test("cache sizes", () => {
  equal(flags("--config.cache-size=0").cacheSize, 0);
  equal(flags("--config.cache-size=1000000").cacheSize, 1000000);
  equal(flags("--config.skip-cache-size=007").skipCacheSize, 7);
  for (const bad of ["-1", "1.5", "x", "", "1e3", "0x10", " 1", "99999999999999999999"]) {
    fails(
      [...REQ, `--config.cache-size=${bad}`],
      `expected a non-negative integer for --config.cache-size, got ${JSON.stringify(bad)}`,
    );
    fails(
      [...REQ, `--config.skip-cache-size=${bad}`],
      `expected a non-negative integer for --config.skip-cache-size, got ${JSON.stringify(bad)}`,
    );
  }
});

Deno.test("--web.telemetry-path must start with /", () => {
  equal(flags("--web.telemetry-path=/").telemetryPath, "/");
  fails(
    [...REQ, "--web.telemetry-path=metrics"],
    '--web.telemetry-path must start with "/", got "metrics"',
  );
  fails([...REQ, "--web.telemetry-path="], '--web.telemetry-path must start with "/", got ""');
});

Deno.test("--web.listen-address is validated", () => {
  deepEqual(flags("--web.listen-address=fd://3").listen, { fd: 3 });
  fails(
    [...REQ, "--web.listen-address=9435"],
    'invalid --web.listen-address "9435": missing port in address',
  );
});

Deno.test("--help and -h return the help text, even without required flags", () => {
  deepEqual(parseFlags(["--help"]), { help: helpText() });
  deepEqual(parseFlags(["-h"]), { help: helpText() });
  deepEqual(parseFlags([...REQ, "--help"]), { help: helpText() });
  deepEqual(parseFlags(["--help", "--foo"]), { help: helpText() });
  deepEqual(parseFlags(["--help=true"]), { help: helpText() });
  fails(["--help=false"], "required flag --config.dir not provided");
});

Deno.test("--version returns the version request, even without required flags", () => {
  deepEqual(parseFlags(["--version"]), { version: true });
  deepEqual(parseFlags([...REQ, "--version"]), { version: true });
  deepEqual(parseFlags(["--version", "--help"]), { version: true });
});

Deno.test("an error before --help is still an error", () => {
  fails(["--foo", "--help"], "unknown long flag '--foo'");
});

Deno.test("helpText lists every flag with its default and a description", () => {
  const text = helpText();
  ok(text.startsWith("usage: ebpf_exporter"));
  ok(text.endsWith("\n"));
  const expected: [string, string][] = [
    ["--help", ""],
    ["--version", ""],
    ["--config.dir=", "(required)"],
    ["--config.names=", "(required)"],
    ["--[no-]config.strict", "(default: false)"],
    ["--[no-]config.check", "(default: false)"],
    ["--config.skip-cache-size=", "(default: 0)"],
    ["--config.cache-size=", "(default: 0)"],
    ["--[no-]debug", "(default: false)"],
    ["--[no-]log.no-timestamps", "(default: false)"],
    ["--web.listen-address=", '(default: ":9435")'],
    ["--web.telemetry-path=", '(default: "/metrics")'],
    ["--web.config.file=", '(default: "")'],
    ["--capabilities.keep=", '(default: "all")'],
    ["--btf.path=", '(default: "")'],
    ["--maps.replay=", '(default: "")'],
  ];
  const lines = text.split("\n");
  for (const [flag, def] of expected) {
    const line = lines.find((l) => l.startsWith("  ") && l.includes(flag + (def ? "" : " ")));
    if (line === undefined) throw new Error(`no line for ${flag}`);
    ok(line.endsWith(def), `${flag}: ${line}`);
    ok(line.trim().length > flag.length + def.length + 10, `${flag} lacks a description`);
  }
  ok(lines.some((l) => l.startsWith("  -h, --help")));
  // Descriptions start in one column.
  const flagLines = lines.filter((l) => /^ {2}(-h, | {4})--/.test(l));
  equal(flagLines.length, expected.length);
  const cols = new Set(flagLines.map((l) => /^ {2}(?:-h, | {4})\S+ {2,}/.exec(l)?.[0].length));
  equal(cols.size, 1);
  ok(!cols.has(undefined));
});

Deno.test("parseListenAddress: valid forms", () => {
  deepEqual(parseListenAddress(":9435"), { hostname: "0.0.0.0", port: 9435 });
  deepEqual(parseListenAddress("127.0.0.1:9435"), { hostname: "127.0.0.1", port: 9435 });
  deepEqual(parseListenAddress("[::1]:9435"), { hostname: "::1", port: 9435 });
  deepEqual(parseListenAddress("[::]:80"), { hostname: "::", port: 80 });
  deepEqual(parseListenAddress("[fe80::1%eth0]:80"), { hostname: "fe80::1%eth0", port: 80 });
  deepEqual(parseListenAddress("localhost:9435"), { hostname: "localhost", port: 9435 });
  deepEqual(parseListenAddress("exporter.example.com:1"), {
    hostname: "exporter.example.com",
    port: 1,
  });
  deepEqual(parseListenAddress(":0"), { hostname: "0.0.0.0", port: 0 });
  deepEqual(parseListenAddress(":65535"), { hostname: "0.0.0.0", port: 65535 });
  deepEqual(parseListenAddress("fd://3"), { fd: 3 });
  deepEqual(parseListenAddress("fd://0"), { fd: 0 });
});

Deno.test("parseListenAddress: invalid forms name the flag and value", () => {
  const cases: [string, string][] = [
    ["", "missing port in address"],
    ["9435", "missing port in address"],
    ["localhost", "missing port in address"],
    ["localhost:", "missing port in address"],
    [":65536", 'bad port "65536"'],
    [":123456", 'bad port "123456"'],
    [":http", 'bad port "http"'],
    [":-1", 'bad port "-1"'],
    [":94 35", 'bad port "94 35"'],
    ["::1:9435", "too many colons in address (bracket IPv6 hosts: [::1]:9435)"],
    ["[::1]", "missing port in address"],
    ["[::1]9435", "missing port in address"],
    ["[::1:9435", "missing ']' in address"],
    ["[]:9435", "bad host in brackets"],
    ["a b:9435", "bad host"],
    ["http://x:9435", "too many colons in address (bracket IPv6 hosts: [::1]:9435)"],
    ["fd://", "expected fd://N with a file descriptor number N"],
    ["fd://x", "expected fd://N with a file descriptor number N"],
    ["fd://-1", "expected fd://N with a file descriptor number N"],
    ["fd://3.0", "expected fd://N with a file descriptor number N"],
    ["fd://99999999999", "expected fd://N with a file descriptor number N"],
  ];
  for (const [addr, why] of cases) {
    throws(() => parseListenAddress(addr), (err: unknown) => {
      if (!(err instanceof FlagError)) throw new Error(`${addr}: not a FlagError: ${err}`);
      equal(err.detail, `invalid --web.listen-address ${JSON.stringify(addr)}: ${why}`);
      return true;
    });
  }
});

Deno.test("FlagError is an Error with a name", () => {
  const e = new FlagError("x");
  ok(e instanceof Error);
  equal(e.name, "FlagError");
  equal(e.message, "ebpf_exporter: error: x, try --help");
});
