/**
 * Hostile HTTP clients against a real exporter process (replayed from a dump: no kernel needed):
 * oversized request heads, slowloris, thousands of idle connections, a stampede of concurrent
 * scrapes, and a TLS client that never completes its handshake. The limits are the exporter's
 * defaults (src/http/serve.ts); the figures measured are printed.
 */
import { equal, match, ok } from "#assert";
import { ExporterProcess, parseSamples } from "./helpers/exporter_process.ts";
import { makeTestCerts } from "./helpers/tls_certs.ts";
import { startWebReplay } from "./helpers/web_replay.ts";
import { HEADERS_TIMEOUT_MS, TIMEOUT_CHECK_INTERVAL_MS } from "../src/http/serve.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** When a cut-off must have happened by: the timeout, one check interval, and slack. */
const CUT_OFF_BY_S = (HEADERS_TIMEOUT_MS + TIMEOUT_CHECK_INTERVAL_MS) / 1000 + 2;

function addressOf(exporter: ExporterProcess): { hostname: string; port: number } {
  const u = new URL(exporter.url);
  return { hostname: u.hostname, port: Number(u.port) };
}

/** VmRSS of a process in KiB, from /proc/<pid>/status. */
function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]);
}

/** Sends `text` on a fresh connection and returns the status line of the answer ("EOF": none). */
async function rawRequest(exporter: ExporterProcess, text: string): Promise<string> {
  const conn = await Deno.connect(addressOf(exporter));
  try {
    await conn.write(encoder.encode(text)).catch(() => {});
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf).catch(() => null);
    return n === null ? "EOF" : decoder.decode(buf.subarray(0, n)).split("\r\n")[0];
  } finally {
    conn.close();
  }
}

/** A plain scrape, timed: the status and the milliseconds it took. */
async function timedScrape(exporter: ExporterProcess): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${exporter.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  await res.text();
  return { status: res.status, ms: performance.now() - started };
}

/** Seconds until the server closes `conn` (or answers on it); `trickle` sends a byte per second. */
async function secondsUntilCut(conn: Deno.Conn, trickle: boolean): Promise<number> {
  const started = performance.now();
  let cut = false;
  const reading = conn.read(new Uint8Array(256)).catch(() => null).finally(() => cut = true);
  while (!cut && performance.now() - started < 60_000) {
    await Promise.race([reading, new Promise((r) => setTimeout(r, 1000))]);
    if (!cut && trickle) await conn.write(encoder.encode("x")).catch(() => cut = true);
  }
  return (performance.now() - started) / 1000;
}

Deno.test("request heads over 16 KiB or with over 100 headers get 431", async () => {
  const exporter = await startWebReplay();
  try {
    const head = (extra: string) => `GET /metrics HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
    match(await rawRequest(exporter, head(`X-A: ${"a".repeat(8_000)}\r\n`)), / 200 /);
    match(await rawRequest(exporter, head(`X-A: ${"a".repeat(20_000)}\r\n`)), / 431 /);
    match(await rawRequest(exporter, head(`X-A: ${"a".repeat(1_000_000)}\r\n`)), / 431 /);
    const headers = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join("");
    match(await rawRequest(exporter, head(headers(99))), / 200 /);
    match(await rawRequest(exporter, head(headers(100))), / 431 /);
    match(await rawRequest(exporter, "POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), / 405 /);
    match(await rawRequest(exporter, "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n"), / 405 /);
    equal((await timedScrape(exporter)).status, 200);
  } finally {
    await exporter.stop();
  }
});

Deno.test("a slowloris client (a header byte per second) is cut off; scrapes go on", async () => {
  const exporter = await startWebReplay();
  const conn = await Deno.connect(addressOf(exporter));
  try {
    await conn.write(encoder.encode("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "));
    const cut = secondsUntilCut(conn, true);
    const scrape = await timedScrape(exporter);
    equal(scrape.status, 200);
    const seconds = await cut;
    console.log(`slowloris client cut off after ${seconds.toFixed(1)} s`);
    ok(seconds >= HEADERS_TIMEOUT_MS / 1000 - 0.5, `cut too early: ${seconds} s`);
    ok(seconds <= CUT_OFF_BY_S, `cut after ${seconds} s`);
  } finally {
    conn.close();
    await exporter.stop();
  }
});

Deno.test("2000 idle connections neither stall scrapes nor hold memory, and are closed", async () => {
  const exporter = await startWebReplay();
  const pid = exporter.child.pid;
  const conns: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 3; i++) equal((await timedScrape(exporter)).status, 200); // warm up
    const before = rssKiB(pid);
    const opened = performance.now();
    for (let i = 0; i < 2000; i += 100) {
      conns.push(
        ...await Promise.all(Array.from({ length: 100 }, () => Deno.connect(addressOf(exporter)))),
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
    const scrapes = [];
    for (let i = 0; i < 5; i++) scrapes.push(await timedScrape(exporter));
    const held = rssKiB(pid);
    const cuts = await Promise.all(conns.map((c) => secondsUntilCut(c, false)));
    const closedAfter = (performance.now() - opened) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
    const after = rssKiB(pid);
    const slowest = Math.max(...scrapes.map((s) => s.ms));
    console.log(
      `exporter VmRSS: ${(before / 1024).toFixed(1)} MiB before, ${
        (held / 1024).toFixed(1)
      } MiB holding 2000 idle connections (+${((held - before) / 2000).toFixed(1)} KiB each), ${
        (after / 1024).toFixed(1)
      } MiB after the server closed them all (${closedAfter.toFixed(1)} s after opening); ` +
        `slowest scrape meanwhile ${slowest.toFixed(0)} ms`,
    );
    ok(scrapes.every((s) => s.status === 200));
    ok(slowest < 2_000, `a scrape took ${slowest} ms`);
    ok(held - before < 64 * 1024, `2000 idle connections cost ${held - before} KiB`);
    // What is left is garbage V8 has not collected yet, not connections: it is reclaimed later.
    ok(after - before < 96 * 1024, `${after - before} KiB more after the connections closed`);
    ok(
      Math.max(...cuts) <= CUT_OFF_BY_S + 2,
      `the last idle connection closed at ${Math.max(...cuts)} s`,
    );
    equal((await timedScrape(exporter)).status, 200);
  } finally {
    conns.forEach((c) => c.close());
    await exporter.stop();
  }
});

Deno.test("50 concurrent scrapes share collections: one body per collection", async () => {
  const exporter = await startWebReplay();
  // Each collection adds 1 to this counter (the fixture has a key that never decodes).
  const collections = (body: string) =>
    parseSamples(body).get('ebpf_exporter_decoder_errors_total{config="web_replay"}')!;
  try {
    const first = collections(await exporter.scrape());
    const bodies = await Promise.all(Array.from({ length: 50 }, async () => {
      const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 }); // 50 connections
      try {
        const res = await fetch(`${exporter.url}/metrics`, { client });
        equal(res.status, 200);
        return await res.text();
      } finally {
        client.close();
      }
    }));
    const last = collections(await exporter.scrape());
    const ran = last - first - 1;
    const distinct = new Set(bodies);
    console.log(`50 concurrent scrapes: ${ran} collection(s), ${distinct.size} distinct body(ies)`);
    equal(distinct.size, ran, "scrapes of one collection get the same body");
    ok(ran >= 1 && ran < 50, `${ran} collections for 50 scrapes`);
    for (const body of distinct) {
      equal(parseSamples(body).get('ebpf_exporter_web_test_events_total{kind="open"}'), 42);
    }
  } finally {
    await exporter.stop();
  }
});

Deno.test("a TLS client that never completes its handshake is cut off", async () => {
  const certs = await makeTestCerts();
  Deno.writeTextFileSync(
    `${certs.dir}/web.yml`,
    "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
  );
  const exporter = await startWebReplay({
    extraArgs: [`--web.config.file=${certs.dir}/web.yml`],
    read: [certs.dir],
    scheme: "https",
  });
  const conn = await Deno.connect(addressOf(exporter));
  try {
    await conn.write(new Uint8Array([0x16, 0x03, 0x01])); // the first bytes of a ClientHello
    const seconds = await secondsUntilCut(conn, false);
    console.log(`TLS client stuck in its handshake cut off after ${seconds.toFixed(1)} s`);
    ok(seconds <= CUT_OFF_BY_S, `cut after ${seconds} s`);
  } finally {
    conn.close();
    await exporter.stop();
    certs.remove();
  }
});
