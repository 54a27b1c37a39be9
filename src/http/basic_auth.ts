/**
 * Basic authentication against the bcrypt hashes of a web config's `basic_auth_users`, and the
 * wrapper that puts it (and the configured response headers) in front of the request handler.
 *
 * - The user name is compared in constant time (SHA-256 digests, every user compared), and an
 *   unknown user still costs one bcrypt comparison, so timing tells nothing about which names exist.
 * - bcrypt is slow on purpose (~70-100 ms at cost 10): a successful check is remembered for
 *   {@link AUTH_CACHE_TTL_MS} (renewed on each use), keyed by a SHA-256 of user, hash and password,
 *   so a scraper pays for bcrypt once, not on every scrape.
 * - bcrypt comparisons run one at a time; at most {@link MAX_PENDING_AUTH} may wait. Beyond that a
 *   request is answered 503 at once, so a flood of wrong passwords costs one core at most, queues
 *   nothing without bound, and never delays a scraper whose credentials are cached.
 * @module
 */

import bcrypt from "bcryptjs";
import { bytesToHex } from "../decoders/hex.ts";
import { type Handler, plainTextResponse } from "./handler.ts";

/** How long a successful bcrypt verification is remembered after its last use. */
export const AUTH_CACHE_TTL_MS = 120_000;
/** Most verified credentials remembered at once (the least recently used go first). */
export const AUTH_CACHE_MAX_ENTRIES = 256;
/** Most requests that may wait for a bcrypt comparison; more are refused with 503. */
export const MAX_PENDING_AUTH = 16;

/** The outcome of {@link BasicAuth.check}. */
export type AuthResult = "ok" | "denied" | "busy";

/** What {@link BasicAuth} can be tuned with (tests swap the clock and the bcrypt comparison). */
export interface BasicAuthOptions {
  /** See {@link AUTH_CACHE_TTL_MS}. */
  readonly cacheTtlMs?: number;
  /** See {@link AUTH_CACHE_MAX_ENTRIES}. */
  readonly cacheMaxEntries?: number;
  /** See {@link MAX_PENDING_AUTH}. */
  readonly maxPending?: number;
  /** Milliseconds clock. */
  readonly now?: () => number;
  /** bcrypt comparison of a password with a hash. */
  readonly compare?: (password: string, hash: string) => Promise<boolean>;
}

const encoder = new TextEncoder();

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

/**
 * Whether two byte strings are equal, in time that depends only on their length: every byte is
 * looked at, with no early exit. (Lengths are not hidden; compare fixed-size digests.)
 *
 * @example
 * ```ts
 * import { constantTimeEqual } from "./basic_auth.ts";
 * constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])); // true
 * ```
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Decodes an `Authorization: Basic ...` header into user and password; undefined when the header
 * is missing or not Basic credentials.
 *
 * @example
 * ```ts
 * import { parseBasicAuth } from "./basic_auth.ts";
 * parseBasicAuth("Basic " + btoa("alice:s3cret")); // { user: "alice", password: "s3cret" }
 * ```
 */
export function parseBasicAuth(
  header: string | null,
): { user: string; password: string } | undefined {
  const m = header === null ? null : /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (m === null) return undefined;
  let text: string;
  try {
    const binary = atob(m[1]);
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Verifies Basic credentials against bcrypt hashes. */
export class BasicAuth {
  readonly #users: { digest: Uint8Array; hash: string }[] = [];
  readonly #ready: Promise<void>;
  readonly #cache = new Map<string, number>();
  readonly #ttl: number;
  readonly #maxEntries: number;
  readonly #maxPending: number;
  readonly #now: () => number;
  readonly #compare: (password: string, hash: string) => Promise<boolean>;
  /** The fixed hash an unknown user is compared against (same cost as the first user's). */
  readonly #decoy: string;
  #pending = 0;
  #queue: Promise<unknown> = Promise.resolve();

  /** Takes the users (name -> bcrypt hash) of a web config; at least one is expected. */
  constructor(users: ReadonlyMap<string, string>, options: BasicAuthOptions = {}) {
    this.#ttl = options.cacheTtlMs ?? AUTH_CACHE_TTL_MS;
    this.#maxEntries = options.cacheMaxEntries ?? AUTH_CACHE_MAX_ENTRIES;
    this.#maxPending = options.maxPending ?? MAX_PENDING_AUTH;
    this.#now = options.now ?? (() => performance.now());
    this.#compare = options.compare ?? ((password, hash) => bcrypt.compare(password, hash));
    const first = users.values().next().value ?? "$2b$10$";
    // A syntactically valid hash nobody knows the password of: its salt and digest are random.
    const alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const random = crypto.getRandomValues(new Uint8Array(53));
    this.#decoy = first.slice(0, 7) + Array.from(random, (b) => alphabet[b & 63]).join("");
    this.#ready = Promise.all(
      [...users].map(async ([name, hash]) => {
        this.#users.push({ digest: await sha256(encoder.encode(name)), hash });
      }),
    ).then(() => {});
  }

  /**
   * Checks an `Authorization` header: "ok" for a known user with the right password, "denied"
   * for anything else (no header, not Basic, unknown user, wrong password), "busy" when too many
   * bcrypt comparisons are already waiting.
   */
  async check(header: string | null): Promise<AuthResult> {
    const credentials = parseBasicAuth(header);
    if (credentials === undefined) return "denied";
    await this.#ready;
    const digest = await sha256(encoder.encode(credentials.user));
    let hash = this.#decoy;
    let known = false;
    for (const u of this.#users) {
      const same = constantTimeEqual(digest, u.digest);
      if (same) hash = u.hash;
      known ||= same;
    }
    const key = bytesToHex(
      await sha256(encoder.encode(`${credentials.user}\0${hash}\0${credentials.password}`)),
    );
    const now = this.#now();
    const expires = this.#cache.get(key);
    if (known && expires !== undefined && expires > now) {
      this.#cache.delete(key); // re-inserted last: the map's order is least recently used first
      this.#cache.set(key, now + this.#ttl);
      return "ok";
    }
    if (this.#pending >= this.#maxPending) return "busy";
    this.#pending++;
    const verdict = this.#queue.then(() => this.#compare(credentials.password, hash));
    this.#queue = verdict.catch(() => false);
    let match: boolean;
    try {
      match = await verdict;
    } catch {
      match = false;
    } finally {
      this.#pending--;
    }
    if (!(match && known)) return "denied";
    this.#remember(key, this.#now());
    return "ok";
  }

  #remember(key: string, now: number): void {
    this.#cache.delete(key);
    this.#cache.set(key, now + this.#ttl);
    for (const [k, expires] of this.#cache) {
      if (this.#cache.size <= this.#maxEntries && expires > now) break;
      this.#cache.delete(k);
    }
  }

  /** How many verified credentials are remembered (for tests). */
  get cached(): number {
    return this.#cache.size;
  }
}

/** What {@link protectHandler} puts in front of the handler. */
export interface ProtectOptions {
  /** Basic auth; absent: no authentication. */
  readonly auth?: BasicAuth;
  /** Headers added to every response (the web config's `http_server_config.headers`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Wraps the request handler: every response gets the configured headers, and with basic auth a
 * request without valid credentials gets 401 with `WWW-Authenticate: Basic` (503 while too many
 * bcrypt comparisons wait) and never reaches the handler.
 */
export function protectHandler(handler: Handler, options: ProtectOptions): Handler {
  const { auth } = options;
  const headers = Object.entries(options.headers ?? {});
  const decorate = (res: Response): Response => {
    for (const [name, value] of headers) res.headers.set(name, value);
    return res;
  };
  const refuse = (status: number, text: string, extra: Record<string, string>) =>
    decorate(plainTextResponse(status, text, extra));
  return async (req) => {
    if (auth) {
      const verdict = await auth.check(req.headers.get("authorization"));
      if (verdict === "busy") {
        return refuse(503, "Service Unavailable: too many logins in progress", {
          "retry-after": "1",
        });
      }
      if (verdict !== "ok") {
        return refuse(401, "Unauthorized", { "www-authenticate": "Basic" });
      }
    }
    return decorate(await handler(req));
  };
}
