/**
 * Puts the request handler on the network, through Deno's Node-compatible HTTP servers: `node:http`
 * for plain HTTP and `node:https` for TLS, on a host and port or on an inherited socket (`fd://N`,
 * systemd socket activation).
 *
 * Why not `Deno.serve`: in Deno 2.9 it takes a certificate and key but cannot ask for, or verify,
 * client certificates, nor set the lowest TLS version; it cannot adopt a file descriptor; and it
 * has no timeout for a client that sends its request head slowly (a slowloris client holds the
 * connection forever). The Node servers do all of that: `requestCert` / `rejectUnauthorized` / `ca`
 * / `minVersion` for TLS, and `headersTimeout` / `requestTimeout` / `maxHeaderSize` for hostile
 * clients. The handler stays a pure `Request -> Response` function; {@link serve} adapts it.
 *
 * The limits ({@link DEFAULT_HTTP_LIMITS}) bound what one client can hold: every connection either
 * completes a request head within `headersTimeoutMs` or is cut off, and at most `maxConnections`
 * are open at once.
 * @module
 */

import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "#node-http";
import { createServer as createHttpsServer } from "#node-https";
import type { ListenAddress } from "../cli/flags.ts";
import type { Handler } from "./handler.ts";
import type { ClientAuthType, TlsServerSettings, TlsVersion } from "./web_config.ts";

/** The limits a server applies to its clients; {@link DEFAULT_HTTP_LIMITS} are the exporter's. */
export interface HttpLimits {
  /** Longest request head (request line and headers) accepted, in bytes; longer gets 431. */
  readonly maxHeaderBytes: number;
  /** Most request headers accepted; more gets 431. */
  readonly maxHeaderCount: number;
  /**
   * Time a client has to send a complete request head, counted from the connection's start (or
   * from the first byte of a later request on a kept-alive connection). A client that sends
   * nothing, or trickles its headers (slowloris), gets 408 and is disconnected.
   */
  readonly headersTimeoutMs: number;
  /** Time a client has to send a whole request (head and any body). */
  readonly requestTimeoutMs: number;
  /**
   * Time an idle kept-alive connection stays open between requests: longer than the usual scrape
   * intervals (15 s to 1 m), so a scraper reuses its connection (and its TLS session).
   */
  readonly keepAliveTimeoutMs: number;
  /** Time a TLS client has to complete its handshake. */
  readonly handshakeTimeoutMs: number;
  /** How often open connections are checked against the timeouts: the precision of a cut-off. */
  readonly checkIntervalMs: number;
  /** Most connections open at once; one more is closed as soon as it is accepted. */
  readonly maxConnections: number;
}

/** The limits the exporter serves with. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 90_000,
  handshakeTimeoutMs: 10_000,
  checkIntervalMs: 1_000,
  maxConnections: 4_096,
};

/** {@link DEFAULT_HTTP_LIMITS}' `headersTimeoutMs`. */
export const HEADERS_TIMEOUT_MS = DEFAULT_HTTP_LIMITS.headersTimeoutMs;
/** {@link DEFAULT_HTTP_LIMITS}' `checkIntervalMs`. */
export const TIMEOUT_CHECK_INTERVAL_MS = DEFAULT_HTTP_LIMITS.checkIntervalMs;

/** How {@link serve} serves. */
export interface ServeOptions {
  /** TLS settings (from `--web.config.file`); absent: plain HTTP. */
  readonly tls?: TlsServerSettings;
  /** Overrides of {@link DEFAULT_HTTP_LIMITS} (tests shorten the timeouts). */
  readonly limits?: Partial<HttpLimits>;
  /** Told about each client refused before a request: failed handshake, bad certificate, cap. */
  readonly onClientRefused?: (reason: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** Where it listens, for the log: `host:port` or `fd://N`. */
  readonly address: string;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
  /** Stops accepting, closes open connections, and resolves once the server has stopped. */
  shutdown(): Promise<void>;
}

/** The parts of a Node TLS socket the client certificate policy reads. */
interface PeerSocket {
  authorized?: boolean;
  authorizationError?: Error | string | null;
  getPeerCertificate?: () => Record<string, unknown> | null | undefined;
  destroy(): void;
}

const PLAIN = "text/plain; charset=utf-8";

const NODE_TLS_VERSION: Readonly<Record<TlsVersion, "TLSv1.2" | "TLSv1.3">> = {
  TLS12: "TLSv1.2",
  TLS13: "TLSv1.3",
};

/**
 * Why a TLS client's certificate breaks the policy, or undefined when it does not. The server asks
 * for a certificate under every policy but `NoClientCert`, and rejects an unverified one during the
 * handshake only under `RequireAndVerifyClientCert`; the other policies are enforced here, once
 * the handshake is done and before any request is read.
 *
 * @example
 * ```ts
 * import { clientCertProblem } from "./serve.ts";
 * clientCertProblem("RequireAnyClientCert", { getPeerCertificate: () => ({}), destroy() {} });
 * // "no client certificate (client_auth_type RequireAnyClientCert)"
 * ```
 */
export function clientCertProblem(policy: ClientAuthType, socket: PeerSocket): string | undefined {
  if (policy === "NoClientCert" || policy === "RequestClientCert") return undefined;
  const peer = socket.getPeerCertificate?.();
  const present = peer !== null && peer !== undefined && Object.keys(peer).length > 0;
  if (!present) {
    if (policy === "VerifyClientCertIfGiven") return undefined;
    return `no client certificate (client_auth_type ${policy})`;
  }
  if (policy === "RequireAnyClientCert" || socket.authorized === true) return undefined;
  const why = socket.authorizationError;
  return `client certificate not verified: ${
    why instanceof Error ? why.message : String(why ?? "unknown reason")
  } (client_auth_type ${policy})`;
}

/** The request target as a URL: origin-form paths on a fixed origin (the Host header is unused). */
function requestUrl(target: string | undefined): URL {
  if (target !== undefined && /^https?:\/\//i.test(target)) {
    try {
      return new URL(target);
    } catch {
      // fall through to the path form
    }
  }
  return new URL(
    target?.startsWith("/") ? `http://localhost${target}` : "http://localhost/",
  );
}

function plain(res: ServerResponse, status: number, text: string, extra = {}): void {
  res.writeHead(status, { "content-type": PLAIN, connection: "close", ...extra });
  res.end(text + "\n");
}

/** Waits until `res` can take more data, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function respond(
  handler: Handler,
  req: IncomingMessage,
  res: ServerResponse,
  limits: HttpLimits,
): Promise<void> {
  if (req.rawHeaders.length / 2 > limits.maxHeaderCount) {
    plain(res, 431, "Request Header Fields Too Large");
    return;
  }
  const headers = new Headers();
  let request: Request;
  try {
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    request = new Request(requestUrl(req.url), { method: req.method, headers });
  } catch {
    // Methods a Request cannot carry (CONNECT, TRACE, TRACK) are not served, like any but GET/HEAD.
    if (req.method !== "GET" && req.method !== "HEAD") {
      plain(res, 405, "Method Not Allowed", { allow: "GET, HEAD" });
    } else {
      plain(res, 400, "Bad Request");
    }
    return;
  }
  const response = await handler(request);
  const head: Record<string, string> = {};
  response.headers.forEach((value, name) => head[name] = value);
  res.writeHead(response.status, head);
  if (response.body) {
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // The client went away: stop producing the body.
        if (res.destroyed) {
          await reader.cancel();
          return;
        }
        if (!res.write(value)) await drained(res);
      }
    } finally {
      reader.releaseLock();
    }
  }
  res.end();
}

function formatAddress(address: unknown, fallback: string): string {
  const a = address as { address?: string; port?: number; family?: string | number } | null;
  if (!a || typeof a !== "object" || a.port === undefined) return fallback;
  const host = String(a.family) === "IPv6" || String(a.family) === "6"
    ? `[${a.address}]`
    : a.address;
  return `${host}:${a.port}`;
}

/**
 * Starts serving `handler` on `listen` (plain HTTP, or TLS when `options.tls` is set); resolves
 * once the socket accepts connections. Requests with more than the allowed header bytes or count
 * get 431, clients that are too slow get 408 or are disconnected, and TLS clients that break the
 * client certificate policy are disconnected before any request is read.
 */
export function serve(
  listen: ListenAddress,
  handler: Handler,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const refused = options.onClientRefused ?? (() => {});
  const tls = options.tls;
  const common = {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (tls) {
      const problem = clientCertProblem(tls.clientAuth, req.socket as unknown as PeerSocket);
      if (problem) {
        refused(problem);
        req.socket.destroy();
        return;
      }
    }
    respond(handler, req, res, limits).catch((e) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      plain(res, 500, `An error has occurred while serving:\n\n${(e as Error).message}`);
    });
  };
  const server = tls
    ? createHttpsServer({
      ...common,
      cert: tls.cert,
      key: tls.key,
      ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa }),
      requestCert: tls.clientAuth !== "NoClientCert",
      rejectUnauthorized: tls.clientAuth === "RequireAndVerifyClientCert",
      minVersion: NODE_TLS_VERSION[tls.minVersion],
      maxVersion: NODE_TLS_VERSION[tls.maxVersion],
      handshakeTimeout: limits.handshakeTimeoutMs,
    }, onRequest)
    : createHttpServer(common, onRequest);
  // One more than allowed is kept, so that too many headers are seen (and refused), not dropped.
  server.maxHeadersCount = limits.maxHeaderCount + 1;

  let open = 0;
  server.on("connection", (socket: { destroy(): void; once(e: "close", f: () => void): void }) => {
    if (open >= limits.maxConnections) {
      refused(`connection refused: ${open} connections already open`);
      socket.destroy();
      return;
    }
    open++;
    socket.once("close", () => open--);
  });
  if (tls) {
    server.on("secureConnection", (socket: PeerSocket) => {
      const problem = clientCertProblem(tls.clientAuth, socket);
      if (problem) {
        refused(problem);
        socket.destroy();
      }
    });
    server.on("tlsClientError", (err: Error) => refused(`TLS handshake failed: ${err.message}`));
  }

  const finished = new Promise<void>((done) => server.on("close", () => done()));
  const fallback = "fd" in listen ? `fd://${listen.fd}` : `${listen.hostname}:${listen.port}`;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const ready = () => {
      server.off("error", reject);
      resolve({
        address: "fd" in listen ? fallback : formatAddress(server.address(), fallback),
        finished,
        shutdown: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections?.();
          }),
      });
    };
    if ("fd" in listen) server.listen({ fd: listen.fd }, ready);
    else server.listen({ host: listen.hostname, port: listen.port }, ready);
  });
}
