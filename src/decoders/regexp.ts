/**
 * `regexp`: keeps text that matches one of the configured patterns (compat.md §4).
 *
 * Patterns are written for Go's RE2 and compiled here as JavaScript RegExps; the two dialects agree
 * on everything configs commonly use. A few Go spellings are translated first: `(?P<name>...)`,
 * leading inline flags `(?i)` / `(?m)` / `(?s)`, `\A`, `\z`, and `]` first in a class (`[]a]`).
 * @module
 */

import { type DecoderFactory, inputText } from "./decoder.ts";

/** A pattern compiled for matching, with how many capture groups it has. */
export interface CompiledPattern {
  /** The pattern as written in the config. */
  readonly source: string;
  /** The JavaScript RegExp it became. */
  readonly regexp: RegExp;
  /** Number of capture groups. */
  readonly groups: number;
}

const START_OF_TEXT = "(?<![\\s\\S])";
const END_OF_TEXT = "(?![\\s\\S])";

/** Rewrites the Go-only spellings of `pattern` and returns the JS source and flags. */
export function translateGoPattern(
  pattern: string,
): { source: string; flags: string } {
  let flags = "";
  let i = 0;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]) {
      if (f !== "i" && f !== "m" && f !== "s") {
        throw new Error(`unsupported flag "${f}"`);
      }
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }
  let out = "";
  let inClass = false;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === "\\") {
      const next = pattern[i + 1] ?? "";
      if (!inClass && next === "A") out += START_OF_TEXT;
      else if (!inClass && next === "z") out += END_OF_TEXT;
      else out += ch + next;
      i += 2;
    } else if (inClass) {
      if (ch === "]") inClass = false;
      out += ch;
      i++;
    } else if (ch === "[") {
      inClass = true;
      out += ch;
      i++;
      if (pattern[i] === "^") {
        out += "^";
        i++;
      }
      if (pattern[i] === "]") {
        out += "\\]";
        i++;
      }
    } else if (pattern.startsWith("(?P<", i)) {
      out += "(?<";
      i += 4;
    } else {
      out += ch;
      i++;
    }
  }
  return { source: out, flags };
}

/** Compiles one config pattern; throws an Error naming the pattern when it is invalid. */
export function compilePattern(pattern: string): CompiledPattern {
  let regexp: RegExp;
  try {
    const { source, flags } = translateGoPattern(pattern);
    try {
      regexp = new RegExp(source, flags + "u");
    } catch {
      // Go accepts escapes of any punctuation (`\_`, `\-`), which Unicode mode rejects.
      regexp = new RegExp(source, flags);
    }
  } catch (e) {
    throw new Error(
      `regexp: invalid pattern "${pattern}": ${(e as Error).message}`,
    );
  }
  // An alternative that matches the empty string reveals the group count.
  const probe = new RegExp(`${regexp.source}|`, regexp.flags).exec("");
  const groups = probe === null ? 0 : probe.length - 1;
  return { source: pattern, regexp, groups };
}

/**
 * Factory of the `regexp` decoder. The first pattern that matches gives the output: its capture
 * group when it has exactly one, else the whole match. When none matches the step returns `null`,
 * which drops the whole series. Patterns are compiled once, here.
 */
export const regexpDecoder: DecoderFactory = (config) => {
  const patterns = config.regexps ?? [];
  if (patterns.length === 0) throw new Error("regexp: no regexps configured");
  const compiled = patterns.map(compilePattern);
  return (input) => {
    const text = inputText(input);
    for (const { regexp, groups } of compiled) {
      const m = regexp.exec(text);
      if (m === null) continue;
      return groups === 1 ? (m[1] ?? "") : m[0];
    }
    return null;
  };
};
