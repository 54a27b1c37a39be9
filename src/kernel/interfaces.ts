/**
 * Network interface names by ifindex, for the `ifname` decoder (compat.md §4).
 *
 * Interfaces come and go (containers, VPNs, hot-plug) and a freed index can be reused by an
 * interface with another name, so both answers are cached only for a while: a name for
 * `positiveTtlMs`, a miss for `negativeRetryMs`. Both caches are bounded; the least recently
 * stored entry goes first.
 * @module
 */

import { ifIndexToName } from "../../ffi/libc_net.ts";
import type { InterfaceResolver } from "../decoders/decoder.ts";

/** How an {@link InterfacesResolver} looks names up and how long it trusts them. */
export interface InterfacesResolverOptions {
  /** Asks the system for the name of an index (default: libc `if_indextoname`); may throw. */
  readonly lookup?: (index: number) => string | undefined;
  /** How long a found name is reused before asking again (default 60 000 ms). */
  readonly positiveTtlMs?: number;
  /** Minimum time between two lookups of an index that had no interface (default 10 000 ms). */
  readonly negativeRetryMs?: number;
  /** Most names kept (default 4096). */
  readonly maxNames?: number;
  /** Most unknown indexes remembered (default 1024). */
  readonly maxMisses?: number;
  /** Clock in milliseconds (default `Date.now`); tests pass a fake. */
  readonly now?: () => number;
  /** Told about lookup failures (which count as misses). */
  readonly onError?: (error: unknown) => void;
}

/** Adds or moves `key` to the newest end of `map`, dropping the oldest entries beyond `max`. */
function store<V>(map: Map<number, V>, key: number, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

/**
 * {@link InterfaceResolver} over libc `if_indextoname` with bounded, expiring caches: each index is
 * asked about at most once per `positiveTtlMs` while it has a name and at most once per
 * `negativeRetryMs` while it has none.
 */
export class InterfacesResolver implements InterfaceResolver {
  readonly #lookup: (index: number) => string | undefined;
  readonly #positiveTtlMs: number;
  readonly #negativeRetryMs: number;
  readonly #maxNames: number;
  readonly #maxMisses: number;
  readonly #now: () => number;
  readonly #onError?: (error: unknown) => void;
  readonly #names = new Map<number, { name: string; at: number }>();
  readonly #misses = new Map<number, number>();
  #lookups = 0;

  /** Creates a resolver; nothing is looked up until the first {@link name} call. */
  constructor(options: InterfacesResolverOptions = {}) {
    this.#lookup = options.lookup ?? ifIndexToName;
    this.#positiveTtlMs = options.positiveTtlMs ?? 60_000;
    this.#negativeRetryMs = options.negativeRetryMs ?? 10_000;
    this.#maxNames = Math.max(1, options.maxNames ?? 4096);
    this.#maxMisses = Math.max(1, options.maxMisses ?? 1024);
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError;
  }

  /** How many times the system has been asked (for tests and debugging). */
  get lookups(): number {
    return this.#lookups;
  }

  /** Sizes of the name cache and the miss cache (for tests and debugging). */
  get cacheSizes(): { names: number; misses: number } {
    return { names: this.#names.size, misses: this.#misses.size };
  }

  /** Interface name for `index`, e.g. `eth0`; undefined if no interface has it. */
  name(index: number): string | undefined {
    if (!Number.isInteger(index) || index <= 0 || index > 0xffff_ffff) return undefined;
    const now = this.#now();
    const hit = this.#names.get(index);
    if (hit !== undefined && now - hit.at < this.#positiveTtlMs) return hit.name;
    const missedAt = this.#misses.get(index);
    if (missedAt !== undefined && now - missedAt < this.#negativeRetryMs) return undefined;

    this.#lookups++;
    let name: string | undefined;
    try {
      name = this.#lookup(index);
    } catch (error) {
      this.#onError?.(error);
    }
    if (name === undefined) {
      this.#names.delete(index);
      store(this.#misses, index, now, this.#maxMisses);
      return undefined;
    }
    this.#misses.delete(index);
    store(this.#names, index, { name, at: now }, this.#maxNames);
    return name;
  }
}
