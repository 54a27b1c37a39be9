/**
 * A promise raced against a timer, with no dependencies (the scrape budget and the span
 * pipeline's shutdown both use it).
 * @module
 */

/**
 * What `promise` settles with, or `"timeout"` when `ms` milliseconds pass first; the timer is
 * cleared either way. A rejection before the timeout rejects; one after it is ignored (not an
 * unhandled rejection).
 *
 * @example
 * ```ts
 * import { withTimeout } from "./timeout.ts";
 * await withTimeout(new Promise(() => {}), 10); // "timeout"
 * ```
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | "timeout"> {
  promise.catch(() => {}); // failing after the timeout was answered is not an unhandled rejection
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
