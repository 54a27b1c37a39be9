/**
 * Errors and warnings about config files.
 *
 * Every problem names the file, the key path inside it (`metrics.histograms[0].bucket_type`) and,
 * when known, the 1-based line, so a user can jump straight to it.
 * @module
 */

/** What a {@link ConfigError} is built from. */
export interface ConfigErrorInit {
  /** Path of the YAML file (or of whatever was being read). */
  readonly file: string;
  /** Dotted key path inside the file, `""` for the file as a whole. */
  readonly keyPath: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** What was expected, e.g. `expected a mapping`. */
  readonly expected: string;
  /** What was found instead, e.g. `a list`; omitted when the expectation says it all. */
  readonly found?: string;
}

/** Builds the `<file>:<line>: <keyPath>: ` prefix shared by errors and warnings. */
export function locationPrefix(file: string, line: number | undefined, keyPath: string): string {
  let text = file;
  if (line !== undefined) text += `:${line}`;
  text += ": ";
  if (keyPath !== "") text += `${keyPath}: `;
  return text;
}

/**
 * A config that cannot be used. The message reads
 * `<file>:<line>: <keyPath>: <expected>, got <found>` (line and key path omitted when unknown).
 */
export class ConfigError extends Error {
  /** Path of the offending file. */
  readonly file: string;
  /** Key path inside the file (`""` for the whole file). */
  readonly keyPath: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** What was expected. */
  readonly expected: string;
  /** What was found instead, if stated separately. */
  readonly found?: string;

  /** Creates the error from its parts; the message is derived from them. */
  constructor(init: ConfigErrorInit) {
    const tail = init.found === undefined ? init.expected : `${init.expected}, got ${init.found}`;
    super(locationPrefix(init.file, init.line, init.keyPath) + tail);
    this.name = "ConfigError";
    this.file = init.file;
    this.keyPath = init.keyPath;
    if (init.line !== undefined) this.line = init.line;
    this.expected = init.expected;
    if (init.found !== undefined) this.found = init.found;
  }
}

/** A problem that does not stop the config from loading, such as an unknown key. */
export interface ConfigWarning {
  /** Path of the YAML file. */
  readonly file: string;
  /** Key path of the offending key (`metrics.histograms[0].bucket_typ`). */
  readonly keyPath: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** Human-readable description, e.g. `unknown key "bucket_typ" (did you mean "bucket_type"?)`. */
  readonly message: string;
}

/** Renders a warning as `<file>:<line>: <keyPath>: <message>`. */
export function formatConfigWarning(warning: ConfigWarning): string {
  return locationPrefix(warning.file, warning.line, warning.keyPath) + warning.message;
}
