/**
 * Puts the request handler on the network: `Deno.serve` for a host and port, and Node's HTTP
 * server (through Deno's `node:http`) for an inherited socket (`fd://N`, systemd socket
 * activation), since `Deno.serve` cannot adopt a file descriptor.
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "#node-http";
import type { ListenAddress } from "../cli/flags.ts";

/** A running server. */
export interface RunningServer {
  /** Where it listens, for the log. */
  readonly address: string;
  /** Resolves when the server has stopped. */
  readonly finished: Promise<void>;
  /** Stops accepting and waits for open requests to finish. */
  shutdown(): Promise<void>;
}

type Handler = (req: Request) => Promise<Response>;

/** Starts serving `handler` on `listen`; resolves once the socket accepts connections. */
export function serve(listen: ListenAddress, handler: Handler): Promise<RunningServer> {
  return "fd" in listen ? serveFd(listen.fd, handler) : serveTcp(listen, handler);
}

function serveTcp(
  listen: { hostname: string; port: number },
  handler: Handler,
): Promise<RunningServer> {
  // Deno.serve binds before it returns; onListen only silences its default banner.
  const server = Deno.serve(
    { hostname: listen.hostname, port: listen.port, onListen() {} },
    handler,
  );
  const addr = server.addr;
  return Promise.resolve({
    address: `${addr.hostname}:${addr.port}`,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  });
}

async function respond(handler: Handler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
  const response = await handler(new Request(url, { method: req.method, headers }));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) {
    for await (const chunk of response.body) {
      if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
    }
  }
  res.end();
}

function serveFd(fd: number, handler: Handler): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      respond(handler, req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`${(e as Error).message}\n`);
      });
    });
    const finished = new Promise<void>((done) => server.on("close", () => done()));
    server.once("error", reject);
    server.listen({ fd }, () => {
      server.off("error", reject);
      resolve({
        address: `fd://${fd}`,
        finished,
        shutdown: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
