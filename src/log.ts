/**
 * The exporter's logger: one line per message on stderr, Go `log`-style timestamps
 * (`2006/01/02 15:04:05`) unless `--log.no-timestamps`.
 * @module
 */

/** Logger settings. */
export interface LogOptions {
  /** Omit timestamps (`--log.no-timestamps`). */
  noTimestamps?: boolean;
  /** Print debug lines (`--debug`). */
  debug?: boolean;
}

const options: LogOptions = {};
const encoder = new TextEncoder();

/** Applies logger settings. */
export function configureLog(next: LogOptions): void {
  Object.assign(options, next);
}

function stamp(): string {
  if (options.noTimestamps) return "";
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())} `;
}

function write(line: string): void {
  Deno.stderr.writeSync(encoder.encode(`${stamp()}${line}\n`));
}

/** Logs an informational line. */
export function info(message: string): void {
  write(message);
}

/** Logs a warning. */
export function warn(message: string): void {
  write(`WARNING: ${message}`);
}

/** Logs an error. */
export function error(message: string): void {
  write(`ERROR: ${message}`);
}

/** Logs a debug line when `--debug` is on. */
export function debug(message: string): void {
  if (options.debug) write(`DEBUG: ${message}`);
}

/** Whether debug logging is on. */
export function debugEnabled(): boolean {
  return options.debug === true;
}
