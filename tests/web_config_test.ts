/**
 * `--web.config.file` end to end: a replayed exporter (no kernel needed) behind TLS, client
 * certificates and basic auth, scraped by curl, with certificates made by openssl at test time.
 */
import { equal, match, notEqual, ok } from "#assert";
import bcrypt from "bcryptjs";
import {
  DENO,
  type ExporterProcess,
  freePort,
  permissionFlags,
} from "./helpers/exporter_process.ts";
import { copyOfTestCerts, type TestCerts } from "./helpers/tls_certs.ts";
import {
  startWebReplay,
  WEB_DUMP as DUMP,
  WEB_FIXTURES as FIXTURES,
} from "./helpers/web_replay.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PASSWORD = "correct horse battery staple";
const HASH = bcrypt.hashSync(PASSWORD, 10);

/** The scoped permissions of a replayed exporter that reads its web config from `dir`. */
const permissions = (dir: string, listen: string) =>
  permissionFlags(FIXTURES, listen, { ffi: false, read: [dir] });

/** Starts the replayed exporter with `web.yml` (written into the certificates' directory). */
async function startWith(certs: TestCerts, webYaml: string, scheme: "http" | "https" = "https") {
  Deno.writeTextFileSync(`${certs.dir}/web.yml`, webYaml);
  return await startWebReplay({
    extraArgs: [`--web.config.file=${certs.dir}/web.yml`, "--debug"],
    read: [certs.dir],
    scheme,
  });
}

/** What curl saw: its exit code, the HTTP status (0 without a response), headers and body. */
interface CurlResult {
  code: number;
  status: number;
  headers: string;
  body: string;
  stderr: string;
}

async function curl(url: string, args: string[] = []): Promise<CurlResult> {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "10", "-D", "-", ...args, url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const split = text.indexOf("\r\n\r\n");
  const headers = split < 0 ? text : text.slice(0, split);
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1] ?? 0);
  return {
    code: out.code,
    status,
    headers,
    body: split < 0 ? "" : text.slice(split + 4),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

const OPEN_SERIES = 'ebpf_exporter_web_test_events_total{kind="open"} 42';

/** Runs `body` with its own copy of the certificates and an exporter on `webYaml`, then cleans up. */
async function withExporter(
  webYaml: (certs: TestCerts) => string,
  body: (exporter: ExporterProcess, certs: TestCerts) => Promise<void>,
  scheme: "http" | "https" = "https",
): Promise<void> {
  const certs = await copyOfTestCerts();
  let exporter: ExporterProcess | undefined;
  try {
    exporter = await startWith(certs, webYaml(certs), scheme);
    await body(exporter, certs);
  } finally {
    const status = await exporter?.stop();
    certs.remove();
    if (status) equal(status.code, 0, exporter?.stderr);
  }
}

const tlsOnly = () => "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";

Deno.test("TLS: a scrape that trusts the CA gets the metrics; one that does not, no connection", async () => {
  await withExporter(tlsOnly, async (exporter, certs) => {
    const ok200 = await curl(`${exporter.url}/metrics`, ["--cacert", certs.caCert]);
    equal(ok200.status, 200, ok200.stderr);
    ok(ok200.body.includes(OPEN_SERIES), ok200.body);
    const byName = await curl(exporter.url.replace("127.0.0.1", "localhost") + "/", [
      "--cacert",
      certs.caCert,
      "--resolve",
      `localhost:${new URL(exporter.url).port}:127.0.0.1`,
    ]);
    equal(byName.status, 200, byName.stderr);
    const untrusted = await curl(`${exporter.url}/metrics`);
    equal(untrusted.code, 60, "curl: peer certificate cannot be authenticated");
    const plain = await curl(exporter.url.replace("https:", "http:") + "/metrics");
    notEqual(plain.status, 200, "plain HTTP on the TLS port is not served");
    match(exporter.stderr, /TLS on \(client_auth_type NoClientCert, min_version TLS12\)/);
  });
});

Deno.test("basic auth: no credentials 401, wrong password 401, right password 200", async () => {
  const web = () =>
    `${tlsOnly()}basic_auth_users:\n  prometheus: ${HASH}\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n    Content-Security-Policy: default-src 'none'\n`;
  await withExporter(web, async (exporter, certs) => {
    const ca = ["--cacert", certs.caCert];
    const url = `${exporter.url}/metrics`;
    const none = await curl(url, ca);
    equal(none.status, 401);
    match(none.headers, /^www-authenticate: Basic\r?$/im);
    match(none.headers, /^x-frame-options: deny\r?$/im, "headers on refusals too");
    equal(none.body, "Unauthorized\n");
    const wrong = await curl(url, [...ca, "-u", "prometheus:incorrect"]);
    equal(wrong.status, 401);
    const stranger = await curl(url, [...ca, "-u", `someone:${PASSWORD}`]);
    equal(stranger.status, 401);
    for (let i = 0; i < 3; i++) {
      const right = await curl(url, [...ca, "-u", `prometheus:${PASSWORD}`]);
      equal(right.status, 200, right.stderr);
      ok(right.body.includes(OPEN_SERIES));
      match(right.headers, /^x-frame-options: deny\r?$/im);
      match(right.headers, /^content-security-policy: default-src 'none'\r?$/im);
      match(right.headers, /^content-type: text\/plain; version=0\.0\.4/im, "not overridden");
    }
    const landing = await curl(`${exporter.url}/`, ca);
    equal(landing.status, 401, "every path is protected");
  });
});

Deno.test("basic auth works over plain HTTP too (no tls_server_config)", async () => {
  await withExporter(() => `basic_auth_users:\n  prometheus: ${HASH}\n`, async (exporter) => {
    equal((await curl(`${exporter.url}/metrics`)).status, 401);
    const right = await curl(`${exporter.url}/metrics`, ["-u", `prometheus:${PASSWORD}`]);
    equal(right.status, 200);
    match(exporter.stderr, /TLS off, basic auth on \(1 user\(s\)\)/);
  }, "http");
});

/** A web config with client certificates under `policy`, verified against the test CA. */
const clientAuth = (policy: string, ca = true) => () =>
  `${tlsOnly()}  client_auth_type: ${policy}\n${ca ? "  client_ca_file: ca.crt\n" : ""}`;

Deno.test("RequireAndVerifyClientCert: only a valid certificate signed by the CA gets in", async () => {
  await withExporter(clientAuth("RequireAndVerifyClientCert"), async (exporter, certs) => {
    const url = `${exporter.url}/metrics`;
    const ca = ["--cacert", certs.caCert];
    const without = await curl(url, ca);
    equal(without.status, 0, "no certificate: the handshake fails");
    notEqual(without.code, 0);
    const valid = await curl(url, [...ca, "--cert", certs.clientCert, "--key", certs.clientKey]);
    equal(valid.status, 200, valid.stderr);
    ok(valid.body.includes(OPEN_SERIES));
    const expired = await curl(url, [
      ...ca,
      "--cert",
      certs.expiredClientCert,
      "--key",
      certs.clientKey,
    ]);
    equal(expired.status, 0, "an expired certificate is refused");
    notEqual(expired.code, 0);
    const stranger = await curl(url, [
      ...ca,
      "--cert",
      certs.selfSignedClientCert,
      "--key",
      certs.clientKey,
    ]);
    equal(stranger.status, 0, "a certificate the CA did not sign is refused");
  });
});

Deno.test("VerifyClientCertIfGiven: no certificate is fine, a bad one is not", async () => {
  await withExporter(clientAuth("VerifyClientCertIfGiven"), async (exporter, certs) => {
    const url = `${exporter.url}/metrics`;
    const ca = ["--cacert", certs.caCert];
    equal((await curl(url, ca)).status, 200);
    const valid = await curl(url, [...ca, "--cert", certs.clientCert, "--key", certs.clientKey]);
    equal(valid.status, 200);
    const expired = await curl(url, [
      ...ca,
      "--cert",
      certs.expiredClientCert,
      "--key",
      certs.clientKey,
    ]);
    equal(expired.status, 0);
    match(exporter.stderr, /client refused: client certificate not verified/);
  });
});

Deno.test("RequireAnyClientCert: any certificate, even unverifiable, but one is needed", async () => {
  await withExporter(clientAuth("RequireAnyClientCert", false), async (exporter, certs) => {
    const url = `${exporter.url}/metrics`;
    const ca = ["--cacert", certs.caCert];
    equal((await curl(url, ca)).status, 0);
    const stranger = await curl(url, [
      ...ca,
      "--cert",
      certs.selfSignedClientCert,
      "--key",
      certs.clientKey,
    ]);
    equal(stranger.status, 200, stranger.stderr);
    match(exporter.stderr, /client refused: no client certificate/);
  });
});

Deno.test("RequestClientCert: a certificate is asked for, none is required", async () => {
  await withExporter(clientAuth("RequestClientCert", false), async (exporter, certs) => {
    const url = `${exporter.url}/metrics`;
    equal((await curl(url, ["--cacert", certs.caCert])).status, 200);
    const stranger = await curl(url, [
      "--cacert",
      certs.caCert,
      "--cert",
      certs.selfSignedClientCert,
      "--key",
      certs.clientKey,
    ]);
    equal(stranger.status, 200);
  });
});

Deno.test("min_version TLS13 refuses a TLS 1.2 client; max_version TLS12 refuses TLS 1.3", async () => {
  await withExporter(() => `${tlsOnly()}  min_version: TLS13\n`, async (exporter, certs) => {
    const url = `${exporter.url}/metrics`;
    const old = await curl(url, ["--cacert", certs.caCert, "--tls-max", "1.2"]);
    equal(old.status, 0);
    equal(old.code, 35, `a TLS handshake failure: ${old.stderr}`);
    const current = await curl(url, ["--cacert", certs.caCert, "-w", "%{ssl_version}"]);
    equal(current.status, 200);
  });
  await withExporter(() => `${tlsOnly()}  max_version: TLS12\n`, async (exporter, certs) => {
    const url = `${exporter.url}/metrics`;
    const v13 = await curl(url, ["--cacert", certs.caCert, "--tlsv1.3"]);
    equal(v13.status, 0);
    const v12 = await curl(url, ["--cacert", certs.caCert, "--tls-max", "1.2"]);
    equal(v12.status, 200);
  });
});

/** Runs the exporter with `webYaml` to completion (it should fail at start-up). */
async function startFails(certs: TestCerts, webYaml: string, readable = certs.dir) {
  Deno.writeTextFileSync(`${certs.dir}/web.yml`, webYaml);
  const listen = `127.0.0.1:${freePort()}`;
  const out = await new Deno.Command(DENO, {
    args: [
      "run",
      ...permissions(readable, listen),
      "main.ts",
      `--config.dir=${FIXTURES}`,
      "--config.names=web_replay",
      `--maps.replay=${DUMP}`,
      `--web.config.file=${certs.dir}/web.yml`,
      `--web.listen-address=${listen}`,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("a bad web config fails at start-up naming the file, the line and the key", async () => {
  const certs = await copyOfTestCerts();
  const web = `${certs.dir}/web.yml`;
  try {
    const unknown = await startFails(certs, `${tlsOnly()}  client_auth: RequireAnyClientCert\n`);
    equal(unknown.code, 1);
    match(
      unknown.stderr,
      new RegExp(
        `ERROR: ${web}:4: tls_server_config\\.client_auth: expected one of the keys .*client_auth_type.*, got the unknown key "client_auth"`,
      ),
    );

    const missing = await startFails(
      certs,
      "tls_server_config:\n  cert_file: nothere.crt\n  key_file: server.key\n",
    );
    equal(missing.code, 1);
    match(
      missing.stderr,
      new RegExp(
        `ERROR: ${web}:2: tls_server_config\\.cert_file: expected a readable certificate file, got ${certs.dir}/nothere\\.crt: no such file`,
      ),
    );

    const header = await startFails(
      certs,
      "http_server_config:\n  headers:\n    Content-Type: text/html\n",
    );
    equal(header.code, 1);
    match(header.stderr, /web\.yml:3: http_server_config\.headers\.Content-Type: expected one of/);

    const mismatch = await startFails(
      certs,
      "tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n",
    );
    equal(mismatch.code, 1);
    match(mismatch.stderr, /web\.yml:3: tls_server_config\.key_file: expected the private key/);
  } finally {
    certs.remove();
  }
});

Deno.test("web config and certificate files outside --allow-read fail with a hint", async () => {
  const certs = await copyOfTestCerts();
  const elsewhere = await copyOfTestCerts();
  try {
    // The web config is readable; the key it names (in another directory) is not.
    const out = await startFails(
      certs,
      `tls_server_config:\n  cert_file: server.crt\n  key_file: ${elsewhere.serverKey}\n`,
    );
    equal(out.code, 1);
    match(
      out.stderr,
      /web\.yml:3: tls_server_config\.key_file: expected a readable private key file, got .*server\.key: not readable under the exporter's --allow-read/,
    );
    const unreadable = await startFails(certs, tlsOnly(), FIXTURES);
    equal(unreadable.code, 1);
    match(
      unreadable.stderr,
      /web\.yml: expected a readable web config file \(--web\.config\.file\), got .*not readable under the exporter's --allow-read/,
    );
  } finally {
    certs.remove();
    elsewhere.remove();
  }
});

Deno.test("TLS on an inherited socket (fd://3, systemd socket activation)", async () => {
  const certs = await copyOfTestCerts();
  Deno.writeTextFileSync(`${certs.dir}/web.yml`, tlsOnly());
  const port = freePort();
  const child = new Deno.Command("systemd-socket-activate", {
    args: [
      "-l",
      `127.0.0.1:${port}`,
      DENO,
      "run",
      ...permissions(certs.dir, `127.0.0.1:${port}`),
      "main.ts",
      `--config.dir=${FIXTURES}`,
      "--config.names=web_replay",
      `--maps.replay=${DUMP}`,
      `--web.config.file=${certs.dir}/web.yml`,
      "--web.listen-address=fd://3",
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    // The first connection starts the exporter; curl waits for it.
    const res = await curl(`https://127.0.0.1:${port}/metrics`, ["--cacert", certs.caCert]);
    equal(res.status, 200, res.stderr);
    ok(res.body.includes(OPEN_SERIES));
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    const stderr = new TextDecoder().decode(
      new Uint8Array(await new Response(child.stderr).arrayBuffer()),
    );
    certs.remove();
    match(stderr, /listening on fd:\/\/3/);
    equal(status.code, 0, stderr);
  }
});
