import { equal, match, ok } from "#assert";
import { makeTestCerts } from "../../tests/helpers/tls_certs.ts";
import { clientCertProblem, DEFAULT_HTTP_LIMITS, type HttpLimits, serve } from "./serve.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Serves `handler` on a free loopback port with the given limits; stops it after `body`. */
async function withServer(
  handler: (req: Request) => Promise<Response>,
  limits: Partial<HttpLimits>,
  body: (port: number, refused: string[]) => Promise<void>,
): Promise<void> {
  const refused: string[] = [];
  const server = await serve({ hostname: "127.0.0.1", port: 0 }, handler, {
    limits,
    onClientRefused: (r) => refused.push(r),
  });
  try {
    await body(Number(server.address.split(":").pop()), refused);
  } finally {
    await server.shutdown();
  }
}

const hello = () => Promise.resolve(new Response("hello\n", { headers: { "x-test": "1" } }));

/** Sends raw bytes and returns the first line the server answers (or "EOF"). */
async function rawRequest(port: number, text: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(encoder.encode(text)).catch(() => {});
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf).catch(() => null);
    return n === null ? "EOF" : decoder.decode(buf.subarray(0, n)).split("\r\n")[0];
  } finally {
    conn.close();
  }
}

/** Resolves with the seconds until the server closes `conn` (or answers), at most `limitS`. */
async function secondsUntilClosed(conn: Deno.Conn, limitS: number, trickle: boolean) {
  const started = performance.now();
  let closed = false;
  const reading = conn.read(new Uint8Array(512)).catch(() => null).finally(() => closed = true);
  while (!closed && performance.now() - started < limitS * 1000) {
    await Promise.race([reading, new Promise((r) => setTimeout(r, 100))]);
    if (!closed && trickle) await conn.write(encoder.encode("a")).catch(() => closed = true);
  }
  return closed ? (performance.now() - started) / 1000 : Infinity;
}

Deno.test("serve answers GET and HEAD through the Request -> Response handler", async () => {
  await withServer(hello, {}, async (port) => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics?x=1`);
    equal(res.status, 200);
    equal(res.headers.get("x-test"), "1");
    equal(await res.text(), "hello\n");
    const head = await fetch(`http://127.0.0.1:${port}/`, { method: "HEAD" });
    equal(head.status, 200);
    equal(await head.text(), "");
  });
});

Deno.test("serve passes the path and query, not the Host header, to the handler", async () => {
  const seen: string[] = [];
  const handler = (req: Request) => {
    seen.push(req.url);
    return hello();
  };
  await withServer(handler, {}, async (port) => {
    match(
      await rawRequest(port, "GET /metrics?a=b HTTP/1.1\r\nHost: evil example\r\n\r\n"),
      / 200 /,
    );
    match(await rawRequest(port, "GET //x/y HTTP/1.1\r\nHost: x\r\n\r\n"), / 200 /);
  });
  equal(seen[0], "http://localhost/metrics?a=b");
  equal(new URL(seen[1]).pathname, "//x/y");
});

Deno.test("serve refuses a request head larger than maxHeaderBytes with 431", async () => {
  await withServer(hello, { maxHeaderBytes: 4096 }, async (port) => {
    match(
      await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-A: ${"a".repeat(2000)}\r\n\r\n`),
      / 200 /,
    );
    match(
      await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-A: ${"a".repeat(8000)}\r\n\r\n`),
      / 431 /,
    );
  });
});

Deno.test("serve refuses more than maxHeaderCount headers with 431", async () => {
  const headers = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: v\r\n`).join("");
  await withServer(hello, { maxHeaderCount: 20 }, async (port) => {
    // 19 + Host = 20 headers: served; 20 + Host: refused.
    match(await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\n${headers(19)}\r\n`), / 200 /);
    match(await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\n${headers(20)}\r\n`), / 431 /);
  });
});

Deno.test("serve answers methods a Request cannot carry with 405", async () => {
  await withServer(hello, {}, async (port) => {
    match(await rawRequest(port, "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n"), / 405 /);
  });
});

Deno.test("serve cuts off a client that trickles its headers (slowloris)", async () => {
  const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, checkIntervalMs: 100 };
  await withServer(hello, limits, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "));
      const seconds = await secondsUntilClosed(conn, 10, true);
      ok(seconds >= 0.9 && seconds < 2.5, `cut off after ${seconds} s`);
    } finally {
      conn.close();
    }
  });
});

Deno.test("serve closes a connection that never sends a request", async () => {
  const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, checkIntervalMs: 100 };
  await withServer(hello, limits, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      const seconds = await secondsUntilClosed(conn, 10, false);
      ok(seconds >= 0.9 && seconds < 2.5, `closed after ${seconds} s`);
    } finally {
      conn.close();
    }
  });
});

Deno.test("serve closes connections beyond maxConnections at once, and serves again later", async () => {
  await withServer(hello, { maxConnections: 4 }, async (port, refused) => {
    const held = await Promise.all(
      Array.from({ length: 4 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    await new Promise((r) => setTimeout(r, 200));
    equal(await rawRequest(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "EOF");
    ok(refused.some((r) => r.includes("4 connections already open")), refused.join("\n"));
    held.forEach((c) => c.close());
    await new Promise((r) => setTimeout(r, 200));
    match(await rawRequest(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), / 200 /);
  });
});

Deno.test("serve stops reading the body when the client goes away", async () => {
  let cancelled = Promise.withResolvers<void>();
  const endless = () => {
    cancelled = Promise.withResolvers<void>();
    const chunk = new Uint8Array(64 * 1024).fill(97);
    return Promise.resolve(
      new Response(
        new ReadableStream<Uint8Array>({
          pull: (c) => c.enqueue(chunk),
          cancel: () => cancelled.resolve(),
        }),
      ),
    );
  };
  await withServer(endless, {}, async (port) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(encoder.encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await conn.read(new Uint8Array(1024));
    conn.close();
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error("not cancelled")), 5000)
    );
    await Promise.race([cancelled.promise, timeout]);
  });
});

Deno.test("serve answers 500 when the handler throws", async () => {
  const failing = () => Promise.reject(new Error("boom"));
  await withServer(failing, {}, async (port) => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    equal(res.status, 500);
    match(await res.text(), /boom/);
  });
});

Deno.test("the default limits are the named constants", () => {
  equal(DEFAULT_HTTP_LIMITS.maxHeaderBytes, 16 * 1024);
  equal(DEFAULT_HTTP_LIMITS.maxHeaderCount, 100);
  ok(DEFAULT_HTTP_LIMITS.headersTimeoutMs < DEFAULT_HTTP_LIMITS.requestTimeoutMs);
  ok(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs > 60_000, "a 1 m scrape interval reuses connections");
});

Deno.test("clientCertProblem enforces each client_auth_type", () => {
  const none = { getPeerCertificate: () => ({}), destroy() {} };
  const verified = { authorized: true, getPeerCertificate: () => ({ subject: {} }), destroy() {} };
  const unverified = {
    authorized: false,
    authorizationError: "CERT_HAS_EXPIRED",
    getPeerCertificate: () => ({ subject: {} }),
    destroy() {},
  };
  for (const s of [none, verified, unverified]) {
    equal(clientCertProblem("NoClientCert", s), undefined);
    equal(clientCertProblem("RequestClientCert", s), undefined);
  }
  match(clientCertProblem("RequireAnyClientCert", none)!, /no client certificate/);
  equal(clientCertProblem("RequireAnyClientCert", unverified), undefined);
  equal(clientCertProblem("VerifyClientCertIfGiven", none), undefined);
  equal(clientCertProblem("VerifyClientCertIfGiven", verified), undefined);
  match(clientCertProblem("VerifyClientCertIfGiven", unverified)!, /CERT_HAS_EXPIRED/);
  match(clientCertProblem("RequireAndVerifyClientCert", none)!, /no client certificate/);
  match(clientCertProblem("RequireAndVerifyClientCert", unverified)!, /not verified/);
  equal(clientCertProblem("RequireAndVerifyClientCert", verified), undefined);
});

Deno.test("TLS: serves over HTTPS, cuts off a stalled handshake, caps connections", async () => {
  const certs = await makeTestCerts();
  const refused: string[] = [];
  const server = await serve({ hostname: "127.0.0.1", port: 0 }, hello, {
    tls: {
      cert: Deno.readTextFileSync(certs.serverCert),
      key: Deno.readTextFileSync(certs.serverKey),
      clientAuth: "NoClientCert",
      minVersion: "TLS12",
      maxVersion: "TLS13",
    },
    limits: { handshakeTimeoutMs: 500, maxConnections: 3 },
    onClientRefused: (r) => refused.push(r),
  });
  const port = Number(server.address.split(":").pop());
  const client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(certs.caCert)] });
  try {
    const res = await fetch(`https://localhost:${port}/`, { client });
    equal(await res.text(), "hello\n");
    client.close();
    await new Promise((r) => setTimeout(r, 100)); // the pooled connection is gone

    const stalled = await Deno.connect({ hostname: "127.0.0.1", port });
    const seconds = await secondsUntilClosed(stalled, 10, false);
    stalled.close();
    ok(seconds >= 0.4 && seconds < 2, `handshake cut off after ${seconds} s`);
    ok(refused.some((r) => r.startsWith("TLS handshake failed")), refused.join("\n"));

    const held = await Promise.all(
      Array.from({ length: 3 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    await new Promise((r) => setTimeout(r, 100));
    equal(await rawRequest(port, "x"), "EOF");
    ok(refused.some((r) => r.includes("3 connections already open")), refused.join("\n"));
    held.forEach((c) => c.close());
  } finally {
    await server.shutdown();
    certs.remove();
  }
});
