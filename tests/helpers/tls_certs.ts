/**
 * Test certificates made with `openssl` at test time, in a fresh temporary directory: a CA, a
 * server certificate for `127.0.0.1` / `localhost`, a client certificate signed by the CA, an
 * expired client certificate signed by the CA, and a self-signed client certificate.
 * @module
 */

/** Paths of the generated files (PEM). */
export interface TestCerts {
  /** The temporary directory holding them all. */
  readonly dir: string;
  /** CA certificate (signs the server and client certificates). */
  readonly caCert: string;
  /** Server certificate: CN localhost, SANs DNS:localhost and IP:127.0.0.1. */
  readonly serverCert: string;
  /** Server key. */
  readonly serverKey: string;
  /** Client certificate signed by the CA (extendedKeyUsage clientAuth). */
  readonly clientCert: string;
  /** Client key (also the key of the expired and self-signed client certificates). */
  readonly clientKey: string;
  /** A client certificate signed by the CA whose validity ended a day before it began. */
  readonly expiredClientCert: string;
  /** A self-signed client certificate no CA vouches for. */
  readonly selfSignedClientCert: string;
  /** Removes the directory. */
  remove(): void;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Generates the CA and the certificates of {@link TestCerts} with the `openssl` command. */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = Deno.makeTempDirSync({ prefix: "ebpf_exporter_tls_" });
  await generate(dir);
  return certsIn(dir);
}

let generated: Promise<Map<string, { bytes: Uint8Array; mode: number }>> | undefined;

/**
 * Like {@link makeTestCerts}, but openssl runs once per process (about 0.5 s): every call writes
 * the same files into a fresh directory of its own.
 */
export async function copyOfTestCerts(): Promise<TestCerts> {
  generated ??= (async () => {
    const certs = await makeTestCerts();
    try {
      const files = new Map<string, { bytes: Uint8Array; mode: number }>();
      for (const entry of Deno.readDirSync(certs.dir)) {
        const path = `${certs.dir}/${entry.name}`;
        files.set(entry.name, { bytes: Deno.readFileSync(path), mode: Deno.statSync(path).mode! });
      }
      return files;
    } finally {
      certs.remove();
    }
  })();
  const files = await generated;
  const dir = Deno.makeTempDirSync({ prefix: "ebpf_exporter_tls_" });
  for (const [name, { bytes, mode }] of files) {
    Deno.writeFileSync(`${dir}/${name}`, bytes, { mode: mode & 0o777 });
  }
  return certsIn(dir);
}

async function generate(dir: string): Promise<void> {
  const leaf = "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n";
  Deno.writeTextFileSync(
    `${dir}/server.ext`,
    `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`,
  );
  Deno.writeTextFileSync(`${dir}/client.ext`, `${leaf}extendedKeyUsage=clientAuth\n`);
  const rsa = ["-newkey", "rsa:2048", "-nodes"];
  await openssl(dir, [
    "req",
    "-x509",
    ...rsa,
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-days",
    "2",
    "-subj",
    "/CN=ebpf_exporter test CA",
  ]);
  const sign = async (name: string, ext: string, days: string, subject: string) => {
    await openssl(dir, [
      "req",
      ...rsa,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      subject,
    ]);
    await openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      days,
      "-extfile",
      ext,
    ]);
  };
  await sign("server", "server.ext", "2", "/CN=localhost");
  await sign("client", "client.ext", "2", "/CN=scraper");
  // Same key, negative validity: not after = a day before not before (= now), so expired.
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    "client.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "expired.crt",
    "-days",
    "-1",
    "-extfile",
    "client.ext",
  ]);
  await openssl(dir, [
    "req",
    "-x509",
    "-key",
    "client.key",
    "-out",
    "selfsigned.crt",
    "-days",
    "2",
    "-subj",
    "/CN=stranger",
    "-addext",
    "extendedKeyUsage=clientAuth",
  ]);
}

function certsIn(dir: string): TestCerts {
  return {
    dir,
    caCert: `${dir}/ca.crt`,
    serverCert: `${dir}/server.crt`,
    serverKey: `${dir}/server.key`,
    clientCert: `${dir}/client.crt`,
    clientKey: `${dir}/client.key`,
    expiredClientCert: `${dir}/expired.crt`,
    selfSignedClientCert: `${dir}/selfsigned.crt`,
    remove: () => Deno.removeSync(dir, { recursive: true }),
  };
}
