/**
 * `--web.config.file`: the Prometheus exporter-toolkit web config (YAML) that turns on TLS, client
 * certificates, basic auth and extra response headers.
 *
 * ```yaml
 * tls_server_config:
 *   cert_file: server.crt # relative paths resolve against this file's directory
 *   key_file: server.key
 *   client_auth_type: RequireAndVerifyClientCert
 *   client_ca_file: ca.crt
 *   min_version: TLS13
 * http_server_config:
 *   headers:
 *     X-Frame-Options: deny
 * basic_auth_users:
 *   prometheus: $2y$10$... # bcrypt hash
 * ```
 *
 * The file is read once, at start-up; so are the certificate, key and CA files it names (a change
 * needs a restart). Every mistake is a {@link ConfigError} naming the file, the key path, the line
 * and what was expected. Unknown keys are errors, and so are the toolkit's keys this exporter does
 * not implement (`cipher_suites`, `curve_preferences`, `prefer_server_cipher_suites`,
 * `client_allowed_sans`, `rate_limit`): a security setting is never ignored silently.
 * @module
 */

import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { createPrivateKey, X509Certificate } from "#node-crypto";
import { ConfigError } from "../config/errors.ts";

/** Client certificate policies, with Go's `tls.ClientAuthType` names. */
export const CLIENT_AUTH_TYPES = [
  "NoClientCert",
  "RequestClientCert",
  "RequireAnyClientCert",
  "VerifyClientCertIfGiven",
  "RequireAndVerifyClientCert",
] as const;

/** One of {@link CLIENT_AUTH_TYPES}. */
export type ClientAuthType = typeof CLIENT_AUTH_TYPES[number];

/** TLS versions the server can be limited to (the TLS library offers 1.2 and 1.3 only). */
export const TLS_VERSIONS = ["TLS12", "TLS13"] as const;

/** One of {@link TLS_VERSIONS}. */
export type TlsVersion = typeof TLS_VERSIONS[number];

/**
 * The response headers a web config may set, with the values allowed (none listed: any value), as
 * the exporter-toolkit allows them. Anything else (`Content-Type`, `Content-Length`, ...) is the
 * exporter's own and cannot be overridden.
 */
export const CONFIGURABLE_HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  "Strict-Transport-Security": undefined,
  "X-Content-Type-Options": ["nosniff"],
  "X-Frame-Options": ["deny", "sameorigin"],
  "X-XSS-Protection": undefined,
  "Content-Security-Policy": undefined,
};

/** A bcrypt hash as `htpasswd -nB` or Go's bcrypt writes it: `$2a$`, `$2b$` or `$2y$`, cost 4-31. */
const BCRYPT_RE = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/**
 * The TLS settings other than PEM material, shared by {@link TlsServerSpec} and
 * {@link TlsServerSettings}.
 */
export interface TlsPolicy {
  /** The client certificate policy. */
  readonly clientAuth: ClientAuthType;
  /** Oldest TLS version accepted. */
  readonly minVersion: TlsVersion;
  /** Newest TLS version accepted. */
  readonly maxVersion: TlsVersion;
}

/** `tls_server_config` after parsing: file paths resolved, not yet read. */
export interface TlsServerSpec extends TlsPolicy {
  /** Where the server certificate comes from: a file, or PEM text written inline (`cert`). */
  readonly cert: PemSource;
  /** Where the server key comes from: a file, or PEM text written inline (`key`). */
  readonly key: PemSource;
  /** CA bundle that client certificates are verified against, if any. */
  readonly clientCa?: PemSource;
}

/** PEM material named by a web config: a file to read, or the text itself. */
export type PemSource =
  & {
    /** Key path of the setting, e.g. `tls_server_config.cert_file`. */
    readonly keyPath: string;
    /** Line of the setting. */
    readonly line?: number;
  }
  & ({ readonly file: string } | { readonly text: string });

/** A parsed web config, before any file it names is read. */
export interface WebConfigSpec {
  /** Path of the web config file. */
  readonly file: string;
  /** TLS settings; absent: plain HTTP. */
  readonly tls?: TlsServerSpec;
  /** Basic auth users: name -> bcrypt hash; empty: no authentication. */
  readonly users: ReadonlyMap<string, string>;
  /** Extra response headers (only {@link CONFIGURABLE_HEADERS}, blank values left out). */
  readonly headers: Readonly<Record<string, string>>;
  /** `http_server_config.http2` (accepted for compatibility; the server speaks HTTP/1.1). */
  readonly http2: boolean;
  /** Line of `tls_server_config`, for errors found when the TLS material is used. */
  readonly tlsLine?: number;
}

/** TLS settings with their PEM material read. */
export interface TlsServerSettings extends TlsPolicy {
  /** Server certificate chain (PEM). */
  readonly cert: string;
  /** Server private key (PEM). */
  readonly key: string;
  /** CA bundle for client certificates (PEM), if any. */
  readonly clientCa?: string;
}

/** A web config ready to serve with: the spec plus the TLS material read from disk. */
export interface WebConfig extends Omit<WebConfigSpec, "tls"> {
  /** TLS settings with PEM text; absent: plain HTTP. */
  readonly tls?: TlsServerSettings;
}

const TOP_KEYS = ["tls_server_config", "http_server_config", "basic_auth_users"];
const TLS_KEYS = [
  "cert",
  "key",
  "client_ca",
  "cert_file",
  "key_file",
  "client_ca_file",
  "client_auth_type",
  "min_version",
  "max_version",
];
const HTTP_KEYS = ["http2", "headers"];
/** The toolkit's keys this exporter refuses rather than ignores. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  rate_limit: "rate limiting is not implemented by this exporter",
  "tls_server_config.cipher_suites":
    "cipher suites cannot be chosen (the TLS library's safe defaults are used)",
  "tls_server_config.curve_preferences":
    "curves cannot be chosen (the TLS library's safe defaults are used)",
  "tls_server_config.prefer_server_cipher_suites":
    "cipher suite preference cannot be chosen (the TLS library's safe defaults are used)",
  "tls_server_config.client_allowed_sans": "client SAN matching is not implemented",
};
const TRUE_RE = /^(?:true|yes|on|y)$/i;
const FALSE_RE = /^(?:false|no|off|n)$/i;
const NULL_TEXTS = new Set(["", "~", "null", "Null", "NULL"]);

type Node = Scalar | YAMLMap | YAMLSeq;

/** A mapping's value with where it was written. */
interface Field {
  readonly key: string;
  readonly path: string;
  readonly line?: number;
  readonly value: Node | null;
}

/** Walks the parsed document, throwing {@link ConfigError}s that point into the file. */
class Reader {
  constructor(readonly file: string, readonly doc: Document, readonly lines: LineCounter) {}

  lineOf(node: unknown): number | undefined {
    const range = (node as { range?: readonly number[] | null } | null | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : undefined;
  }

  fail(path: string, line: number | undefined, expected: string, found?: string): never {
    throw new ConfigError({ file: this.file, keyPath: path, line, expected, found });
  }

  resolve(node: unknown): Node | null {
    let current = node;
    for (let depth = 0; isAlias(current) && depth < 64; depth++) {
      current = current.resolve(this.doc);
    }
    if (isScalar(current)) {
      const plain = current.type === undefined || current.type === Scalar.PLAIN;
      return plain && NULL_TEXTS.has(String(current.value)) ? null : current;
    }
    if (isMap(current) || isSeq(current)) return current;
    return null;
  }

  describe(node: Node | null): string {
    if (node === null) return "nothing";
    if (isMap(node)) return "a mapping";
    if (isSeq(node)) return "a list";
    return JSON.stringify(String(node.value));
  }

  /** The keys of a mapping; `known` lists the keys allowed there (undefined: any key). */
  fields(node: Node | null, path: string, line: number | undefined, known?: string[]): Field[] {
    if (node === null) return [];
    if (!isMap(node)) {
      this.fail(path, this.lineOf(node) ?? line, "expected a mapping", this.describe(node));
    }
    return node.items.map((pair) => {
      const keyNode = this.resolve(pair.key);
      const keyLine = this.lineOf(pair.key) ?? line;
      if (keyNode === null || !isScalar(keyNode)) {
        this.fail(path, keyLine, "expected a plain key", this.describe(keyNode));
      }
      const key = String(keyNode.value);
      const keyPath = path === "" ? key : `${path}.${key}`;
      const reason = UNSUPPORTED[keyPath];
      if (reason !== undefined) {
        this.fail(keyPath, keyLine, `expected no ${key}: ${reason}`);
      }
      if (known !== undefined && !known.includes(key)) {
        this.fail(
          keyPath,
          keyLine,
          `expected one of the keys ${known.join(", ")}`,
          `the unknown key ${JSON.stringify(key)}`,
        );
      }
      const field: Field = { key, path: keyPath, value: this.resolve(pair.value) };
      return keyLine === undefined ? field : { ...field, line: keyLine };
    });
  }

  text(field: Field | undefined): string | undefined {
    if (field === undefined || field.value === null) return undefined;
    if (!isScalar(field.value)) {
      this.fail(field.path, field.line, "expected a string", this.describe(field.value));
    }
    return String(field.value.value);
  }

  oneOf<T extends string>(field: Field | undefined, allowed: readonly T[], fallback: T): T {
    const value = this.text(field);
    if (value === undefined || value === "") return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.fail(
        field!.path,
        field!.line,
        `expected one of ${allowed.join(", ")}`,
        JSON.stringify(value),
      );
    }
    return value as T;
  }

  boolean(field: Field | undefined, fallback: boolean): boolean {
    const value = this.text(field);
    if (value === undefined) return fallback;
    if (TRUE_RE.test(value)) return true;
    if (FALSE_RE.test(value)) return false;
    this.fail(
      field!.path,
      field!.line,
      "expected a boolean (true or false)",
      JSON.stringify(value),
    );
  }
}

function dirOf(file: string): string {
  const slash = file.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : file.slice(0, slash);
}

/** `path` made relative to the web config's directory unless it is absolute. */
function resolvePath(dir: string, path: string): string {
  if (path.startsWith("/") || dir === ".") return path;
  return dir.endsWith("/") ? `${dir}${path}` : `${dir}/${path}`;
}

/** Picks the inline (`cert`) or file (`cert_file`) form of one piece of PEM material. */
function pemSource(
  reader: Reader,
  dir: string,
  byKey: ReadonlyMap<string, Field>,
  inlineKey: string,
  fileKey: string,
): PemSource | undefined {
  const inline = byKey.get(inlineKey);
  const file = byKey.get(fileKey);
  const inlineText = reader.text(inline);
  const fileText = reader.text(file);
  if (inlineText && fileText) {
    reader.fail(file!.path, file!.line, `expected only one of ${inlineKey} and ${fileKey}`, "both");
  }
  if (fileText) {
    const source = { keyPath: file!.path, file: resolvePath(dir, fileText) };
    return file!.line === undefined ? source : { ...source, line: file!.line };
  }
  if (inlineText) {
    const source = { keyPath: inline!.path, text: inlineText };
    return inline!.line === undefined ? source : { ...source, line: inline!.line };
  }
  return undefined;
}

function parseTls(reader: Reader, dir: string, field: Field): TlsServerSpec | undefined {
  const byKey = new Map(
    reader.fields(field.value, field.path, field.line, TLS_KEYS).map((f) => [f.key, f]),
  );
  const cert = pemSource(reader, dir, byKey, "cert", "cert_file");
  const key = pemSource(reader, dir, byKey, "key", "key_file");
  const clientCa = pemSource(reader, dir, byKey, "client_ca", "client_ca_file");
  const authField = byKey.get("client_auth_type");
  const authText = reader.text(authField);
  // As the toolkit: TLS is on as soon as any certificate setting or a client auth type is given.
  if (!cert && !key && !clientCa && !authText) return undefined;
  if (!cert) {
    reader.fail(
      `${field.path}.cert_file`,
      field.line,
      "expected cert_file (or cert) when TLS is configured",
      "none",
    );
  }
  if (!key) {
    reader.fail(
      `${field.path}.key_file`,
      field.line,
      "expected key_file (or key) when TLS is configured",
      "none",
    );
  }
  // RequireClientCert is the toolkit's old name for RequireAnyClientCert.
  const clientAuth = authText === "RequireClientCert"
    ? "RequireAnyClientCert"
    : reader.oneOf(authField, CLIENT_AUTH_TYPES, "NoClientCert");
  if (clientCa && clientAuth === "NoClientCert") {
    reader.fail(
      clientCa.keyPath,
      clientCa.line,
      "expected a client_auth_type other than NoClientCert when a client CA is configured",
      authText ? JSON.stringify(authText) : "no client_auth_type",
    );
  }
  if (
    !clientCa &&
    (clientAuth === "VerifyClientCertIfGiven" || clientAuth === "RequireAndVerifyClientCert")
  ) {
    reader.fail(
      `${field.path}.client_ca_file`,
      authField?.line ?? field.line,
      `expected client_ca_file (or client_ca) to verify client certificates with ${clientAuth}`,
      "none",
    );
  }
  const versionField = (name: string) => byKey.get(name);
  const version = (name: string, fallback: TlsVersion): TlsVersion => {
    const f = versionField(name);
    const text = reader.text(f);
    if (text === "TLS10" || text === "TLS11") {
      reader.fail(
        f!.path,
        f!.line,
        "expected TLS12 or TLS13 (TLS 1.0 and 1.1 are not offered)",
        JSON.stringify(text),
      );
    }
    return reader.oneOf(f, TLS_VERSIONS, fallback);
  };
  const minVersion = version("min_version", "TLS12");
  const maxVersion = version("max_version", "TLS13");
  if (minVersion === "TLS13" && maxVersion === "TLS12") {
    const f = versionField("max_version")!;
    reader.fail(f.path, f.line, "expected max_version to be at least min_version (TLS13)", "TLS12");
  }
  const spec = { cert, key, clientAuth, minVersion, maxVersion };
  return clientCa ? { ...spec, clientCa } : spec;
}

function parseHttp(
  reader: Reader,
  field: Field,
): { headers: Record<string, string>; http2: boolean } {
  const byKey = new Map(
    reader.fields(field.value, field.path, field.line, HTTP_KEYS).map((f) => [f.key, f]),
  );
  const http2 = reader.boolean(byKey.get("http2"), true);
  const headers: Record<string, string> = {};
  const headersField = byKey.get("headers");
  if (headersField) {
    const names = Object.keys(CONFIGURABLE_HEADERS);
    for (const h of reader.fields(headersField.value, headersField.path, headersField.line)) {
      if (!Object.hasOwn(CONFIGURABLE_HEADERS, h.key)) {
        reader.fail(
          h.path,
          h.line,
          `expected one of the configurable headers ${names.join(", ")}`,
          `${JSON.stringify(h.key)} (headers the exporter sets itself cannot be configured)`,
        );
      }
      const value = reader.text(h) ?? "";
      if (value === "") continue; // "unset if blank"
      if (/[\r\n\0]/.test(value)) {
        reader.fail(h.path, h.line, "expected a header value on one line", JSON.stringify(value));
      }
      const allowed = CONFIGURABLE_HEADERS[h.key];
      if (allowed && !allowed.includes(value)) {
        reader.fail(h.path, h.line, `expected one of ${allowed.join(", ")}`, JSON.stringify(value));
      }
      headers[h.key] = value;
    }
  }
  return { headers, http2 };
}

function parseUsers(reader: Reader, field: Field): Map<string, string> {
  const users = new Map<string, string>();
  for (const u of reader.fields(field.value, field.path, field.line)) {
    if (u.key === "") reader.fail(u.path, u.line, "expected a non-empty user name");
    const hash = reader.text(u);
    const match = hash === undefined ? null : BCRYPT_RE.exec(hash);
    if (match === null || Number(match[1]) < 4 || Number(match[1]) > 31) {
      reader.fail(
        u.path,
        u.line,
        'expected a bcrypt hash ($2y$10$ + 53 characters, e.g. from htpasswd -nBC 10 "")',
        hash === undefined ? "nothing" : "something else (not shown: it may be a password)",
      );
    }
    users.set(u.key, hash!);
  }
  return users;
}

/**
 * Parses the text of a web config file. Paths in it resolve against the directory of `file`. Throws
 * a {@link ConfigError} naming `file`, the key path and the line for any mistake. Reads no file.
 *
 * @example
 * ```ts
 * import { parseWebConfig } from "./web_config.ts";
 * const spec = parseWebConfig("/etc/ebpf_exporter/web.yml", "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n");
 * spec.tls?.cert; // { keyPath: "tls_server_config.cert_file", line: 2, file: "/etc/ebpf_exporter/a.crt" }
 * ```
 */
export function parseWebConfig(file: string, text: string): WebConfigSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { schema: "failsafe", lineCounter: lines, prettyErrors: false });
  const reader = new Reader(file, doc, lines);
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const line = error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line;
    reader.fail("", line, "expected valid YAML", `a syntax error: ${error.message}`);
  }
  const dir = dirOf(file);
  let tls: TlsServerSpec | undefined;
  let tlsLine: number | undefined;
  let http = { headers: {} as Record<string, string>, http2: true };
  let users = new Map<string, string>();
  for (const field of reader.fields(reader.resolve(doc.contents), "", 1, TOP_KEYS)) {
    if (field.key === "tls_server_config") {
      tls = parseTls(reader, dir, field);
      tlsLine = field.line;
    } else if (field.key === "http_server_config") {
      http = parseHttp(reader, field);
    } else {
      users = parseUsers(reader, field);
    }
  }
  const spec: WebConfigSpec = { file, users, headers: http.headers, http2: http.http2 };
  if (!tls) return spec;
  return tlsLine === undefined ? { ...spec, tls } : { ...spec, tls, tlsLine };
}

/** Reads a file for a web config, turning every failure into a {@link ConfigError}. */
async function readFor(
  configFile: string,
  keyPath: string,
  line: number | undefined,
  path: string,
  what: string,
): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    let found = `${path}: ${(e as Error).message}`;
    if (e instanceof Deno.errors.NotFound) found = `${path}: no such file`;
    if (e instanceof Deno.errors.NotCapable) {
      found = `${path}: not readable under the exporter's --allow-read (add it to --allow-read)`;
    }
    throw new ConfigError({ file: configFile, keyPath, line, expected: `expected ${what}`, found });
  }
}

async function loadPem(
  configFile: string,
  source: PemSource,
  what: string,
  marker: RegExp,
): Promise<string> {
  const text = "text" in source ? source.text : await readFor(
    configFile,
    source.keyPath,
    source.line,
    source.file,
    `a readable ${what} file`,
  );
  if (!marker.test(text)) {
    throw new ConfigError({
      file: configFile,
      keyPath: source.keyPath,
      line: source.line,
      expected: `expected a PEM ${what}`,
      found: `${"file" in source ? `${source.file}: ` : ""}text without a "${marker.source}" line`,
    });
  }
  return text;
}

const CERT_RE = /-----BEGIN CERTIFICATE-----/;
const KEY_RE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const CERT_BLOCK_RE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Checks that the PEM material can be used, so that a mistake fails at start-up rather than in
 * every TLS handshake (the server only reads it when a client connects): each certificate parses,
 * the key parses, and the key belongs to the (first) server certificate.
 */
function checkTlsMaterial(file: string, t: TlsServerSpec, pem: TlsServerSettings): void {
  const fail = (source: PemSource, expected: string, e: unknown): never => {
    throw new ConfigError({
      file,
      keyPath: source.keyPath,
      line: source.line,
      expected,
      found: `${"file" in source ? `${source.file}: ` : ""}${(e as Error).message ?? e}`,
    });
  };
  const parseCerts = (source: PemSource, text: string): X509Certificate[] =>
    (text.match(CERT_BLOCK_RE) ?? []).map((block) => {
      try {
        return new X509Certificate(block);
      } catch (e) {
        return fail(source, "expected certificates that parse", e);
      }
    });
  const [leaf] = parseCerts(t.cert, pem.cert);
  if (t.clientCa && pem.clientCa) parseCerts(t.clientCa, pem.clientCa);
  let key;
  try {
    key = createPrivateKey(pem.key);
  } catch (e) {
    return fail(t.key, "expected a private key that parses", e);
  }
  let matches = false;
  try {
    matches = leaf.checkPrivateKey(key);
  } catch {
    matches = false;
  }
  if (!matches) {
    fail(
      t.key,
      `expected the private key of the certificate in ${t.cert.keyPath}`,
      new Error("a key that does not match it"),
    );
  }
}

/**
 * Reads and parses `--web.config.file`, then reads the certificate, key and CA files it names.
 * Every failure, including a file the exporter's `--allow-read` does not cover, is a
 * {@link ConfigError} naming the web config file and the key.
 */
export async function loadWebConfig(file: string): Promise<WebConfig> {
  const text = await readFor(
    file,
    "",
    undefined,
    file,
    "a readable web config file (--web.config.file)",
  );
  const { tls: t, ...spec } = parseWebConfig(file, text);
  if (!t) return spec;
  const cert = await loadPem(file, t.cert, "certificate", CERT_RE);
  const key = await loadPem(file, t.key, "private key", KEY_RE);
  const clientCa = t.clientCa
    ? await loadPem(file, t.clientCa, "CA certificate", CERT_RE)
    : undefined;
  const tls: TlsServerSettings = {
    cert,
    key,
    clientAuth: t.clientAuth,
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    ...(clientCa === undefined ? {} : { clientCa }),
  };
  checkTlsMaterial(file, t, tls);
  return { ...spec, tls };
}
