import { deepEqual, equal, match, rejects, throws } from "#assert";
import { makeTestCerts } from "../../tests/helpers/tls_certs.ts";
import { ConfigError } from "../config/errors.ts";
import { loadWebConfig, parseWebConfig, type WebConfigSpec } from "./web_config.ts";

const FILE = "/etc/ebpf_exporter/web.yml";
const HASH = "$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG";

const parse = (text: string): WebConfigSpec => parseWebConfig(FILE, text);

/** Asserts that parsing fails with exactly this message. */
function fails(text: string, message: string): void {
  throws(() => parse(text), (e: unknown) => {
    if (!(e instanceof ConfigError)) throw e;
    equal(e.message, message);
    return true;
  });
}

Deno.test("an empty web config serves plain HTTP without auth", () => {
  for (const text of ["", "# nothing\n", "{}\n"]) {
    const spec = parse(text);
    equal(spec.tls, undefined);
    equal(spec.users.size, 0);
    deepEqual(spec.headers, {});
    equal(spec.http2, true);
  }
});

Deno.test("tls_server_config: relative paths resolve against the web config's directory", () => {
  const spec = parse(
    "tls_server_config:\n  cert_file: certs/server.crt\n  key_file: /abs/server.key\n",
  );
  deepEqual(spec.tls, {
    cert: {
      keyPath: "tls_server_config.cert_file",
      file: "/etc/ebpf_exporter/certs/server.crt",
      line: 2,
    },
    key: { keyPath: "tls_server_config.key_file", file: "/abs/server.key", line: 3 },
    clientAuth: "NoClientCert",
    minVersion: "TLS12",
    maxVersion: "TLS13",
  });
  equal(spec.tlsLine, 1);
  const local = parseWebConfig(
    "web.yml",
    "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n",
  );
  deepEqual(local.tls?.cert, { keyPath: "tls_server_config.cert_file", file: "a.crt", line: 2 });
  const nested = parseWebConfig(
    "conf/web.yml",
    "tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n",
  );
  deepEqual(nested.tls?.key, {
    keyPath: "tls_server_config.key_file",
    file: "conf/a.key",
    line: 3,
  });
});

Deno.test("tls_server_config: inline PEM, client auth, CA and versions", () => {
  const spec = parse(`tls_server_config:
  cert: |
    -----BEGIN CERTIFICATE-----
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS13
`);
  equal(spec.tls?.clientAuth, "RequireAndVerifyClientCert");
  equal(spec.tls?.minVersion, "TLS13");
  deepEqual(spec.tls?.cert, {
    keyPath: "tls_server_config.cert",
    text: "-----BEGIN CERTIFICATE-----\n",
    line: 2,
  });
  deepEqual(spec.tls?.clientCa, {
    keyPath: "tls_server_config.client_ca_file",
    file: "/etc/ebpf_exporter/ca.crt",
    line: 6,
  });
});

Deno.test("RequireClientCert is read as the toolkit's old name of RequireAnyClientCert", () => {
  const spec = parse(
    "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireClientCert\n",
  );
  equal(spec.tls?.clientAuth, "RequireAnyClientCert");
});

Deno.test("unknown keys are errors naming the file, line and key path", () => {
  fails(
    "tls_server_config:\n  cert_file: a\n  key_file: b\nbasic_auth_user:\n  x: y\n",
    `${FILE}:4: basic_auth_user: expected one of the keys tls_server_config, http_server_config, basic_auth_users, got the unknown key "basic_auth_user"`,
  );
  fails(
    "tls_server_config:\n  cert_file: a\n  keyfile: b\n",
    `${FILE}:3: tls_server_config.keyfile: expected one of the keys cert, key, client_ca, cert_file, key_file, client_ca_file, client_auth_type, min_version, max_version, got the unknown key "keyfile"`,
  );
  fails(
    "http_server_config:\n  http3: true\n",
    `${FILE}:2: http_server_config.http3: expected one of the keys http2, headers, got the unknown key "http3"`,
  );
});

Deno.test("toolkit settings this exporter does not implement are refused, not ignored", () => {
  fails(
    "tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
    `${FILE}:4: tls_server_config.cipher_suites: expected no cipher_suites: cipher suites cannot be chosen (the TLS library's safe defaults are used)`,
  );
  fails(
    "rate_limit:\n  interval: 1s\n  burst: 5\n",
    `${FILE}:1: rate_limit: expected no rate_limit: rate limiting is not implemented by this exporter`,
  );
  fails(
    "tls_server_config:\n  client_allowed_sans: [a]\n",
    `${FILE}:2: tls_server_config.client_allowed_sans: expected no client_allowed_sans: client SAN matching is not implemented`,
  );
});

Deno.test("TLS settings that do not make sense are errors", () => {
  fails(
    "tls_server_config:\n  cert_file: a\n",
    `${FILE}:1: tls_server_config.key_file: expected key_file (or key) when TLS is configured, got none`,
  );
  fails(
    "tls_server_config:\n  client_auth_type: RequireAnyClientCert\n  key_file: b\n",
    `${FILE}:1: tls_server_config.cert_file: expected cert_file (or cert) when TLS is configured, got none`,
  );
  fails(
    "tls_server_config:\n  cert_file: a\n  cert: b\n  key_file: c\n",
    `${FILE}:2: tls_server_config.cert_file: expected only one of cert and cert_file, got both`,
  );
  fails(
    "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: VerifyAlways\n",
    `${FILE}:4: tls_server_config.client_auth_type: expected one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, got "VerifyAlways"`,
  );
  fails(
    "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: ca\n",
    `${FILE}:4: tls_server_config.client_ca_file: expected a client_auth_type other than NoClientCert when a client CA is configured, got no client_auth_type`,
  );
  fails(
    "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n",
    `${FILE}:4: tls_server_config.client_ca_file: expected client_ca_file (or client_ca) to verify client certificates with RequireAndVerifyClientCert, got none`,
  );
  fails(
    "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n",
    `${FILE}:4: tls_server_config.min_version: expected TLS12 or TLS13 (TLS 1.0 and 1.1 are not offered), got "TLS10"`,
  );
  fails(
    "tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n",
    `${FILE}:5: tls_server_config.max_version: expected max_version to be at least min_version (TLS13), got TLS12`,
  );
  fails(
    "tls_server_config:\n  cert_file: [a]\n  key_file: b\n",
    `${FILE}:2: tls_server_config.cert_file: expected a string, got a list`,
  );
});

Deno.test("http_server_config.headers: only the toolkit's headers, with their allowed values", () => {
  const spec = parse(`http_server_config:
  http2: false
  headers:
    X-Frame-Options: sameorigin
    Content-Security-Policy: default-src 'self'
    X-XSS-Protection: ""
`);
  deepEqual(spec.headers, {
    "X-Frame-Options": "sameorigin",
    "Content-Security-Policy": "default-src 'self'",
  });
  equal(spec.http2, false);
  fails(
    "http_server_config:\n  headers:\n    Content-Type: text/html\n",
    `${FILE}:3: http_server_config.headers.Content-Type: expected one of the configurable headers Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy, got "Content-Type" (headers the exporter sets itself cannot be configured)`,
  );
  fails(
    "http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
    `${FILE}:3: http_server_config.headers.X-Frame-Options: expected one of deny, sameorigin, got "allow"`,
  );
  fails(
    "http_server_config:\n  http2: maybe\n",
    `${FILE}:2: http_server_config.http2: expected a boolean (true or false), got "maybe"`,
  );
});

Deno.test("basic_auth_users: bcrypt hashes only, and a bad one is not echoed", () => {
  const spec = parse(
    `basic_auth_users:\n  alice: ${HASH}\n  bob: "${HASH.replace("$2y$", "$2b$")}"\n`,
  );
  deepEqual([...spec.users.keys()], ["alice", "bob"]);
  equal(spec.users.get("alice"), HASH);
  fails(
    "basic_auth_users:\n  alice: hunter2\n",
    `${FILE}:2: basic_auth_users.alice: expected a bcrypt hash ($2y$10$ + 53 characters, e.g. from htpasswd -nBC 10 ""), got something else (not shown: it may be a password)`,
  );
  fails(
    `basic_auth_users:\n  alice: ${HASH.replace("$10$", "$03$")}\n`,
    `${FILE}:2: basic_auth_users.alice: expected a bcrypt hash ($2y$10$ + 53 characters, e.g. from htpasswd -nBC 10 ""), got something else (not shown: it may be a password)`,
  );
});

Deno.test("YAML mistakes name the line", () => {
  throws(
    () => parse("tls_server_config:\n  cert_file: [a\n"),
    /^ConfigError: \/etc\/ebpf_exporter\/web\.yml:3: expected valid YAML, got a syntax error: /,
  );
  throws(
    () => parse(`basic_auth_users:\n  a: ${HASH}\n  a: ${HASH}\n`),
    /web\.yml:3: expected valid YAML, got a syntax error: Map keys must be unique/,
  );
  fails("- a\n", `${FILE}:1: expected a mapping, got a list`);
});

/** Writes `files` (name -> text) into a fresh directory; returns its path. */
function tempDir(files: Record<string, string>): string {
  const dir = Deno.makeTempDirSync();
  for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(`${dir}/${name}`, text);
  return dir;
}

Deno.test("loadWebConfig reads the certificate, key and CA files next to the web config", async () => {
  const certs = await makeTestCerts();
  const dir = tempDir({
    "web.yml":
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n",
  });
  try {
    for (const name of ["server.crt", "server.key", "ca.crt"]) {
      Deno.copyFileSync(`${certs.dir}/${name}`, `${dir}/${name}`);
    }
    const web = await loadWebConfig(`${dir}/web.yml`);
    equal(web.tls?.cert, Deno.readTextFileSync(certs.serverCert));
    equal(web.tls?.key, Deno.readTextFileSync(certs.serverKey));
    equal(web.tls?.clientCa, Deno.readTextFileSync(certs.caCert));
    equal(web.tls?.clientAuth, "VerifyClientCertIfGiven");
    equal(web.file, `${dir}/web.yml`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
    certs.remove();
  }
});

Deno.test("loadWebConfig: a missing, non-PEM or mismatched file is an error naming the key", async () => {
  const certs = await makeTestCerts();
  const c = certs.dir;
  const dir = tempDir({
    "missing.yml": "tls_server_config:\n  cert_file: missing.crt\n  key_file: s.key\n",
    "notpem.yml": `tls_server_config:\n  cert_file: ${c}/server.key\n  key_file: ${c}/server.key\n`,
    "mismatch.yml":
      `tls_server_config:\n  cert_file: ${c}/server.crt\n  key_file: ${c}/client.key\n`,
    "badpem.yml":
      `tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n    MIIB\n    -----END CERTIFICATE-----\n  key_file: ${c}/server.key\n`,
  });
  try {
    await rejects(
      loadWebConfig(`${dir}/missing.yml`),
      new RegExp(
        `^ConfigError: ${dir}/missing\\.yml:2: tls_server_config\\.cert_file: expected a readable certificate file, got ${dir}/missing\\.crt: no such file$`,
      ),
    );
    await rejects(loadWebConfig(`${dir}/notpem.yml`), (e: unknown) => {
      match(
        String(e),
        /notpem\.yml:2: tls_server_config\.cert_file: expected a PEM certificate, got .*server\.key: text without a "-----BEGIN CERTIFICATE-----" line/,
      );
      return true;
    });
    await rejects(
      loadWebConfig(`${dir}/mismatch.yml`),
      /mismatch\.yml:3: tls_server_config\.key_file: expected the private key of the certificate in tls_server_config\.cert_file, got .*client\.key: a key that does not match it/,
    );
    await rejects(
      loadWebConfig(`${dir}/badpem.yml`),
      /badpem\.yml:2: tls_server_config\.cert: expected certificates that parse, got /,
    );
    await rejects(
      loadWebConfig(`${dir}/nope.yml`),
      /nope\.yml: expected a readable web config file \(--web\.config\.file\), got .*nope\.yml: no such file/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
    certs.remove();
  }
});

Deno.test("loadWebConfig without TLS reads no other file", async () => {
  const dir = tempDir({ "web.yml": `basic_auth_users:\n  alice: ${HASH}\n` });
  try {
    const web = await loadWebConfig(`${dir}/web.yml`);
    equal(web.tls, undefined);
    equal(web.users.get("alice"), HASH);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
