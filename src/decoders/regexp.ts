/**
 * `regexp`: keeps text that matches one of the configured patterns (compat.md §4).
 *
 * Patterns are Go's RE2 syntax, as upstream reads them, and they run on a small engine of the RE2
 * family here rather than on JavaScript's backtracking RegExp: a pattern is parsed into a program
 * that a Pike VM runs over the input once, so matching takes time proportional to the program
 * size times the input length, whatever the pattern. With JavaScript's RegExp a config pattern
 * such as `^(a|a)*$` took 3.5 s on 27 characters of a key and twice as long per character more,
 * blocking every scrape; label text from a kernel map is not under the operator's control (comm
 * names, file names, DNS names), so the bound must hold for any input. Programs are capped at
 * {@link MAX_PROGRAM_SIZE} instructions (`x{1000}` counts 1000 times), as RE2 caps them.
 *
 * Semantics are Go's: leftmost-first matches (the first alternative and the greedy choice win);
 * `.` matches anything but `\n` (anything with `(?s)`); `^`/`$` are the ends of the text (of a line
 * with `(?m)`); `\A`, `\z`, `\b` (ASCII words), `\B`; `\d`, `\s`, `\w` and POSIX classes are ASCII;
 * `\pL`, `\p{Greek}`, `\PN`; `\Q...\E`; `\x7f`, `\x{10FFFF}`, octal `\012`; flags `i`, `m`, `s`,
 * `U` as `(?flags)` or `(?flags:re)`, with `-` to clear; groups `(re)`, `(?:re)`, `(?P<name>re)`,
 * `(?<name>re)`; repeats `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` (at most 1000), lazy with `?`.
 * Go refuses backreferences and lookaround, and so does this. Case-insensitive matching and the
 * Unicode classes use JavaScript's Unicode tables, one character at a time.
 * @module
 */

import { type DecoderFactory, inputText } from "./decoder.ts";

/** Most instructions a compiled pattern may have. */
export const MAX_PROGRAM_SIZE = 20_000;

/** Largest count in `{n}`, `{n,}`, `{n,m}` (as in RE2). */
const MAX_REPEAT = 1000;

/** Deepest nesting of groups (as in Go). */
const MAX_NESTING = 1000;

/** A pattern compiled for matching. */
export interface CompiledPattern {
  /** The pattern as written in the config. */
  readonly source: string;
  /** Number of capture groups. */
  readonly groups: number;
  /**
   * The decoder's output for `text`: the capture group when the pattern has exactly one (empty
   * when it did not take part), else the whole leftmost-first match; `null` when nothing matches.
   */
  match(text: string): string | null;
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

/** Whether a character (code point) belongs to a class. */
type CharTest = (cp: number) => boolean;

const BOT = 0; // \A, or ^ without (?m)
const EOT = 1; // \z, or $ without (?m)
const BOL = 2; // ^ with (?m)
const EOL = 3; // $ with (?m)
const WORD_BOUNDARY = 4; // \b
const NOT_WORD_BOUNDARY = 5; // \B

type Node =
  | { readonly k: "char"; readonly test: CharTest }
  | { readonly k: "assert"; readonly what: number }
  | { readonly k: "cat"; readonly items: readonly Node[] }
  | { readonly k: "alt"; readonly items: readonly Node[] }
  | {
    readonly k: "repeat";
    readonly min: number;
    readonly max: number; // -1: unbounded
    readonly greedy: boolean;
    readonly sub: Node;
  }
  | { readonly k: "group"; readonly index: number; readonly sub: Node };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordChar = (c: number) =>
  isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** JavaScript class-body spelling of a code point (valid in `u` mode, in and out of classes). */
const jsChar = (cp: number) => `\\u{${cp.toString(16)}}`;

/** ASCII classes of Go: the Perl ones (`\d`) and the POSIX ones (`[:alpha:]`), as JS class bodies. */
const ASCII_CLASSES: Readonly<Record<string, string>> = {
  d: "0-9",
  s: "\\t\\n\\f\\r ",
  w: "0-9A-Za-z_",
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7f",
  blank: "\\t ",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** A test backed by a one-character JavaScript RegExp, answers for ASCII cached. */
function regexpTest(body: string, fold: boolean): CharTest {
  const re = new RegExp(`^[${body}]$`, fold ? "iu" : "u");
  const ascii = new Int8Array(128).fill(-1);
  return (cp) => {
    if (cp < 128) {
      let known = ascii[cp];
      if (known < 0) known = ascii[cp] = re.test(String.fromCharCode(cp)) ? 1 : 0;
      return known === 1;
    }
    return re.test(String.fromCodePoint(cp));
  };
}

/** A parse failure, reported with the rest of the pattern from where it was noticed. */
class SyntaxProblem extends Error {}

/** Recursive-descent parser of Go's RE2 syntax. */
class Parser {
  pos = 0;
  groups = 0;
  depth = 0;
  readonly names = new Set<string>();

  constructor(readonly src: string) {}

  fail(what: string, from = this.pos): never {
    throw new SyntaxProblem(`${what}: \`${this.src.slice(from, from + 12)}\``);
  }

  /** The code point at the current position, or -1 at the end. */
  peek(): number {
    return this.pos < this.src.length ? this.src.codePointAt(this.pos)! : -1;
  }

  /** Consumes and returns the current code point. */
  next(): number {
    const cp = this.peek();
    if (cp < 0) this.fail("unexpected end of pattern");
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  eat(text: string): boolean {
    if (!this.src.startsWith(text, this.pos)) return false;
    this.pos += text.length;
    return true;
  }

  parse(): Node {
    const node = this.alternation({ i: false, m: false, s: false, U: false });
    if (this.pos < this.src.length) this.fail("unexpected )");
    return node;
  }

  /** Alternatives up to a `)` or the end; `flags` is the group's, changed by `(?i)` and such. */
  alternation(flags: Flags): Node {
    const items = [this.concatenation(flags)];
    while (this.eat("|")) items.push(this.concatenation(flags));
    return items.length === 1 ? items[0] : { k: "alt", items };
  }

  concatenation(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c < 0 || c === 0x7c /* | */ || c === 0x29 /* ) */) break;
      const atom = this.src.startsWith("\\Q", this.pos)
        ? this.quoted(flags, items)
        : this.atom(flags);
      if (atom === null) continue; // a flag group such as (?i), an empty \Q\E
      let node = atom;
      let repeated = false;
      for (;;) {
        const opStart = this.pos;
        const bounds = this.repeatOperator();
        if (bounds === undefined) break;
        if (repeated) this.fail("invalid nested repetition operator", opStart);
        repeated = true;
        const lazy = this.eat("?");
        node = { k: "repeat", min: bounds[0], max: bounds[1], greedy: lazy === flags.U, sub: node };
      }
      items.push(node);
    }
    return items.length === 1 ? items[0] : { k: "cat", items };
  }

  /** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` as [min, max] (max -1: unbounded), else undefined. */
  repeatOperator(): [number, number] | undefined {
    const c = this.peek();
    if (c === 0x2a /* * */) return this.pos++, [0, -1];
    if (c === 0x2b /* + */) return this.pos++, [1, -1];
    if (c === 0x3f /* ? */) return this.pos++, [0, 1];
    if (c !== 0x7b /* { */) return undefined;
    const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(this.src.slice(this.pos, this.pos + 24));
    if (!m) return undefined; // a literal {
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) {
      this.fail("invalid repeat count");
    }
    this.pos += m[0].length;
    return [min, max];
  }

  /** One atom; null for a flag group, which only changes `flags`. */
  atom(flags: Flags): Node | null {
    const start = this.pos;
    const c = this.next();
    switch (c) {
      case 0x28: /* ( */
        return this.group(flags, start);
      case 0x5b: /* [ */
        return { k: "char", test: this.charClass(flags) };
      case 0x2e: /* . */
        return { k: "char", test: flags.s ? () => true : (cp) => cp !== 10 };
      case 0x5e: /* ^ */
        return { k: "assert", what: flags.m ? BOL : BOT };
      case 0x24: /* $ */
        return { k: "assert", what: flags.m ? EOL : EOT };
      case 0x2a: /* * */
      case 0x2b: /* + */
      case 0x3f: /* ? */
        return this.fail("missing argument to repetition operator", start);
      case 0x7b: /* { */
        this.pos = start;
        if (this.repeatOperator() !== undefined) {
          this.fail("missing argument to repetition operator", start);
        }
        this.pos = start + 1;
        return this.literal(c, flags);
      case 0x5c: /* \ */
        return this.escapeAtom(flags, start);
      default:
        return this.literal(c, flags);
    }
  }

  /**
   * `\Q...\E` (or to the end): literal text. Every character but the last goes to `items`; the
   * last is returned, so that a repeat after `\E` applies to it alone, as in Go.
   */
  quoted(flags: Flags, items: Node[]): Node | null {
    this.pos += 2;
    const end = this.src.indexOf("\\E", this.pos);
    const chars = Array.from(this.src.slice(this.pos, end < 0 ? undefined : end));
    this.pos = end < 0 ? this.src.length : end + 2;
    const last = chars.pop();
    for (const ch of chars) items.push(this.literal(ch.codePointAt(0)!, flags));
    return last === undefined ? null : this.literal(last.codePointAt(0)!, flags);
  }

  literal(cp: number, flags: Flags): Node {
    return { k: "char", test: flags.i ? regexpTest(jsChar(cp), true) : (c) => c === cp };
  }

  group(flags: Flags, start: number): Node | null {
    if (++this.depth > MAX_NESTING) this.fail("expression nests too deeply", start);
    let index = 0;
    let inner: Flags = { ...flags };
    if (this.eat("?")) {
      const named = /^P?<([A-Za-z0-9_]+)>/.exec(this.src.slice(this.pos, this.pos + 200));
      if (named) {
        if (this.names.has(named[1])) this.fail("duplicate capture group name", start);
        this.names.add(named[1]);
        this.pos += named[0].length;
        index = ++this.groups;
      } else {
        const f = /^([imsU]*)(?:-([imsU]*))?([:)])/.exec(this.src.slice(this.pos, this.pos + 16));
        if (
          !f || (f[2] !== undefined && f[2] === "") ||
          (f[1] === "" && f[2] === undefined && f[3] === ")")
        ) {
          this.fail("invalid or unsupported Perl syntax", start);
        }
        this.pos += f![0].length;
        const target = f![3] === ")" ? flags : inner;
        for (const letter of f![1]) target[letter as keyof Flags] = true;
        for (const letter of f![2] ?? "") target[letter as keyof Flags] = false;
        if (f![3] === ")") {
          this.depth--;
          return null;
        }
        inner = target;
      }
    } else {
      index = ++this.groups;
    }
    const sub = this.alternation(inner);
    if (!this.eat(")")) this.fail("missing closing )", start);
    this.depth--;
    return index === 0 ? sub : { k: "group", index, sub };
  }

  escapeAtom(flags: Flags, start: number): Node {
    const c = this.peek();
    switch (c) {
      case 0x41: /* A */
        this.pos++;
        return { k: "assert", what: BOT };
      case 0x7a: /* z */
        this.pos++;
        return { k: "assert", what: EOT };
      case 0x62: /* b */
        this.pos++;
        return { k: "assert", what: WORD_BOUNDARY };
      case 0x42: /* B */
        this.pos++;
        return { k: "assert", what: NOT_WORD_BOUNDARY };
    }
    const cls = this.classEscape(flags);
    if (cls !== undefined) return { k: "char", test: cls.test };
    this.pos = start;
    return this.literal(this.escapedChar(), flags);
  }

  /**
   * After a `\`: a Perl class (`\d`, `\S`, ...) or a Unicode class (`\pL`, `\P{Greek}`) as a test
   * (with its class body when it is a plain positive ASCII class), or undefined (position
   * unchanged) when the escape is a single character.
   */
  classEscape(flags: Flags): { test: CharTest; body?: string } | undefined {
    const c = this.peek();
    const letter = String.fromCharCode(c);
    if (c > 0 && "dswDSW".includes(letter)) {
      this.pos++;
      const body = ASCII_CLASSES[letter.toLowerCase()];
      const test = regexpTest(body, false);
      return letter === letter.toLowerCase() ? { test, body } : { test: (cp) => !test(cp) };
    }
    if (c === 0x70 /* p */ || c === 0x50 /* P */) {
      this.pos++;
      return { test: this.unicodeClass(c === 0x50, flags) };
    }
    return undefined;
  }

  /** `\pL`, `\p{Greek}`, `\p{^Greek}` after the `p` / `P`. */
  unicodeClass(negated: boolean, flags: Flags): CharTest {
    const start = this.pos - 2;
    let name: string;
    if (this.eat("{")) {
      const end = this.src.indexOf("}", this.pos);
      if (end < 0) this.fail("invalid character class range", start);
      name = this.src.slice(this.pos, end);
      this.pos = end + 1;
    } else {
      name = String.fromCodePoint(this.next());
    }
    if (name.startsWith("^")) {
      negated = !negated;
      name = name.slice(1);
    }
    let test: CharTest | undefined;
    if (name === "Any") test = () => true;
    else if (/^[A-Za-z_]+$/.test(name)) {
      for (const body of [`\\p{${name}}`, `\\p{Script=${name}}`]) {
        try {
          test = regexpTest(body, flags.i);
          break;
        } catch {
          // not a property under this spelling
        }
      }
    }
    if (test === undefined) this.fail("invalid character class range", start);
    return negated ? (cp) => !test!(cp) : test!;
  }

  /** After a `\`: the one character it stands for (`\n`, `\x41`, `\101`, `\.`, ...). */
  escapedChar(): number {
    const start = this.pos;
    this.pos++; // the backslash
    const c = this.next();
    switch (c) {
      case 0x61: /* a */
        return 7;
      case 0x66: /* f */
        return 12;
      case 0x74: /* t */
        return 9;
      case 0x6e: /* n */
        return 10;
      case 0x72: /* r */
        return 13;
      case 0x76: /* v */
        return 11;
      case 0x78: {
        /* x */
        const m = /^(?:\{([0-9A-Fa-f]{1,8})\}|([0-9A-Fa-f]{2}))/.exec(
          this.src.slice(this.pos, this.pos + 12),
        );
        const value = m ? parseInt(m[1] ?? m[2], 16) : NaN;
        if (!m || value > 0x10ffff) this.fail("invalid escape sequence", start);
        this.pos += m![0].length;
        return value;
      }
    }
    if (c >= 0x30 && c <= 0x37) {
      // Octal: \0, \01, \012; a lone \1..\7 would be a backreference, which Go refuses.
      const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos, this.pos + 2))![0];
      if (c !== 0x30 && m === "") this.fail("invalid escape sequence", start);
      this.pos += m.length;
      return parseInt(String.fromCharCode(c) + m, 8);
    }
    if (c < 128 && !(isWordChar(c) && c !== 0x5f)) return c; // escaped punctuation, `\_` too
    return this.fail("invalid escape sequence", start);
  }

  /** A bracketed class after its `[`. */
  charClass(flags: Flags): CharTest {
    const start = this.pos - 1;
    const negated = this.eat("^");
    const body: string[] = [];
    const also: CharTest[] = []; // parts a JS class body cannot spell: \D, \pL, [:^alpha:]
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c < 0) this.fail("missing closing ]", start);
      if (c === 0x5d /* ] */ && !first) {
        this.pos++;
        break;
      }
      first = false;
      // `[:name:]` (Go: once `[:` has a `:]` after it, the name must be a POSIX class).
      const posixEnd = this.src.startsWith("[:", this.pos)
        ? this.src.indexOf(":]", this.pos + 2)
        : -1;
      if (posixEnd >= 0) {
        let name = this.src.slice(this.pos + 2, posixEnd);
        const complement = name.startsWith("^");
        if (complement) name = name.slice(1);
        if (name.length < 2 || !Object.hasOwn(ASCII_CLASSES, name)) {
          this.fail("invalid character class range");
        }
        this.pos = posixEnd + 2;
        if (!complement) body.push(ASCII_CLASSES[name]);
        else {
          const test = regexpTest(ASCII_CLASSES[name], false);
          also.push((cp) => !test(cp));
        }
        continue;
      }
      if (c === 0x5c /* \ */) {
        this.pos++;
        const escaped = this.classEscape(flags);
        if (escaped !== undefined) {
          if (escaped.body !== undefined) body.push(escaped.body);
          else also.push(escaped.test);
          continue;
        }
        this.pos--;
      }
      const lo = this.classChar();
      if (
        this.peek() === 0x2d /* - */ && this.src[this.pos + 1] !== "]" &&
        this.pos + 1 < this.src.length
      ) {
        this.pos++;
        const hi = this.classChar();
        if (hi < lo) this.fail("invalid character class range", start);
        body.push(`${jsChar(lo)}-${jsChar(hi)}`);
      } else {
        body.push(jsChar(lo));
      }
    }
    const included = body.length > 0 ? regexpTest(body.join(""), flags.i) : () => false;
    const inClass: CharTest = also.length === 0
      ? included
      : (cp) => included(cp) || also.some((test) => test(cp));
    return negated ? (cp) => !inClass(cp) : inClass;
  }

  /** One character inside a class: a literal or an escape. */
  classChar(): number {
    if (this.peek() === 0x5c /* \ */) return this.escapedChar();
    return this.next();
  }
}

// ---------------------------------------------------------------------------------------------
// Program

const CHAR = 0;
const SPLIT = 1; // try x first, then y
const JMP = 2;
const SAVE = 3;
const ASSERT = 4;
const MATCH = 5;

/** A compiled pattern: parallel arrays indexed by instruction. */
class Program {
  readonly ops: number[] = [];
  readonly x: number[] = [];
  readonly y: number[] = [];
  readonly tests: (CharTest | undefined)[] = [];

  /** `slots`: capture positions kept (2 = the whole match, 4 = also group 1). */
  constructor(readonly slots: number) {}

  emit(op: number, x = 0, y = 0, test?: CharTest): number {
    if (this.ops.length >= MAX_PROGRAM_SIZE) {
      throw new SyntaxProblem(`pattern too large (over ${MAX_PROGRAM_SIZE} instructions)`);
    }
    this.ops.push(op);
    this.x.push(x);
    this.y.push(y);
    this.tests.push(test);
    return this.ops.length - 1;
  }

  get next(): number {
    return this.ops.length;
  }

  compile(node: Node): void {
    switch (node.k) {
      case "char":
        this.emit(CHAR, 0, 0, node.test);
        return;
      case "assert":
        this.emit(ASSERT, node.what);
        return;
      case "cat":
        for (const item of node.items) this.compile(item);
        return;
      case "alt": {
        const jumps: number[] = [];
        node.items.forEach((item, i) => {
          if (i === node.items.length - 1) {
            this.compile(item);
            return;
          }
          const split = this.emit(SPLIT, 0, 0);
          this.x[split] = this.next;
          this.compile(item);
          jumps.push(this.emit(JMP));
          this.y[split] = this.next;
        });
        for (const j of jumps) this.x[j] = this.next;
        return;
      }
      case "group": {
        const kept = node.index * 2 + 1 < this.slots;
        if (kept) this.emit(SAVE, node.index * 2);
        this.compile(node.sub);
        if (kept) this.emit(SAVE, node.index * 2 + 1);
        return;
      }
      case "repeat": {
        for (let i = 0; i < node.min; i++) this.compile(node.sub);
        if (node.max < 0) {
          // sub*: L: split(body, out); body; jmp L
          const split = this.emit(SPLIT);
          this.compile(node.sub);
          this.emit(JMP, split);
          this.branch(split, split + 1, this.next, node.greedy);
          return;
        }
        // sub{0,k}: k nested optional copies, each skipping to the end.
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          splits.push(this.emit(SPLIT));
          this.compile(node.sub);
        }
        for (const split of splits) this.branch(split, split + 1, this.next, node.greedy);
        return;
      }
    }
  }

  /** Points a split at `into` and `past`, the preferred one first. */
  branch(split: number, into: number, past: number, greedy: boolean): void {
    this.x[split] = greedy ? into : past;
    this.y[split] = greedy ? past : into;
  }
}

/** Threads of the Pike VM at one input position, in priority order, each pc at most once. */
class ThreadList {
  readonly pcs: Int32Array;
  readonly caps: (readonly number[])[] = [];
  readonly stamp: Int32Array;
  size = 0;
  generation = 1;

  constructor(size: number) {
    this.pcs = new Int32Array(size);
    this.stamp = new Int32Array(size);
  }

  clear(): void {
    this.size = 0;
    this.generation++;
  }
}

/**
 * Runs a program over texts: a Pike VM, which keeps every live thread in step over the input,
 * each instruction at most once per position, so a run is O(program size x text length).
 * Reuses its buffers between runs (decoders run one at a time).
 */
class Matcher {
  readonly #ops: Uint8Array;
  readonly #x: Int32Array;
  readonly #y: Int32Array;
  readonly #tests: readonly (CharTest | undefined)[];
  readonly #empty: readonly number[];
  #clist: ThreadList;
  #nlist: ThreadList;
  readonly #stackPc: Int32Array;
  readonly #stackCaps: (readonly number[])[] = [];
  /** Only a match at position 0 is possible (the pattern starts with `^` or `\A`). */
  readonly #anchored: boolean;
  /** Tests of the characters a match can start with; null when it may start with an assertion. */
  readonly #firsts: readonly CharTest[] | null;
  #text = "";

  constructor(prog: Program) {
    const size = prog.ops.length;
    this.#ops = Uint8Array.from(prog.ops);
    this.#x = Int32Array.from(prog.x);
    this.#y = Int32Array.from(prog.y);
    this.#tests = prog.tests;
    this.#empty = new Array<number>(prog.slots).fill(-1);
    this.#clist = new ThreadList(size);
    this.#nlist = new ThreadList(size);
    this.#stackPc = new Int32Array(size + 1);
    this.#anchored = this.#ops[1] === ASSERT && this.#x[1] === BOT;
    this.#firsts = this.#firstChars();
  }

  /** The CHAR tests reachable from the start without input, or null if more is reachable. */
  #firstChars(): CharTest[] | null {
    const seen = new Set<number>();
    const tests: CharTest[] = [];
    const todo = [0];
    while (todo.length > 0) {
      const pc = todo.pop()!;
      if (seen.has(pc)) continue;
      seen.add(pc);
      const op = this.#ops[pc];
      if (op === CHAR) tests.push(this.#tests[pc]!);
      else if (op === JMP) todo.push(this.#x[pc]);
      else if (op === SPLIT) todo.push(this.#x[pc], this.#y[pc]);
      else if (op === SAVE) todo.push(pc + 1);
      else return null;
    }
    return tests;
  }

  #holds(what: number, pos: number): boolean {
    const text = this.#text;
    const n = text.length;
    switch (what) {
      case BOT:
        return pos === 0;
      case EOT:
        return pos === n;
      case BOL:
        return pos === 0 || text.charCodeAt(pos - 1) === 10;
      case EOL:
        return pos === n || text.charCodeAt(pos) === 10;
      default: {
        const before = pos > 0 && isWordChar(text.charCodeAt(pos - 1));
        const after = pos < n && isWordChar(text.charCodeAt(pos));
        return (before !== after) === (what === WORD_BOUNDARY);
      }
    }
  }

  /** Adds the thread at `pc0` and every thread it reaches without input, in priority order. */
  #add(list: ThreadList, pc0: number, caps0: readonly number[], pos: number): void {
    const ops = this.#ops;
    const stackPc = this.#stackPc;
    const stackCaps = this.#stackCaps;
    let top = 0;
    stackPc[top] = pc0;
    stackCaps[top++] = caps0;
    while (top > 0) {
      let pc = stackPc[--top];
      let caps = stackCaps[top];
      for (;;) {
        if (list.stamp[pc] === list.generation) break;
        list.stamp[pc] = list.generation;
        const op = ops[pc];
        if (op === JMP) {
          pc = this.#x[pc];
        } else if (op === SPLIT) {
          stackPc[top] = this.#y[pc];
          stackCaps[top++] = caps;
          pc = this.#x[pc];
        } else if (op === SAVE) {
          const copy = caps.slice();
          copy[this.#x[pc]] = pos;
          caps = copy;
          pc++;
        } else if (op === ASSERT) {
          if (!this.#holds(this.#x[pc], pos)) break;
          pc++;
        } else {
          list.pcs[list.size] = pc;
          list.caps[list.size++] = caps;
          break;
        }
      }
    }
  }

  /** The capture slots of the leftmost-first match in `text`, or null. */
  run(text: string): readonly number[] | null {
    const ops = this.#ops;
    const tests = this.#tests;
    const firsts = this.#firsts;
    const n = text.length;
    this.#text = text;
    let clist = this.#clist;
    let nlist = this.#nlist;
    clist.clear();
    let matched: readonly number[] | null = null;
    for (let pos = 0;;) {
      if (matched === null && (pos === 0 || !this.#anchored)) {
        if (clist.size === 0 && firsts !== null) {
          // Nothing is running: jump to where a match can start (one needs a character).
          while (pos < n) {
            const c = text.codePointAt(pos)!;
            if (firsts.some((test) => test(c))) break;
            pos += c > 0xffff ? 2 : 1;
          }
          if (pos >= n) break;
        }
        this.#add(clist, 0, this.#empty, pos);
      }
      if (clist.size === 0 && (matched !== null || pos >= n || this.#anchored)) break;
      const cp = pos < n ? text.codePointAt(pos)! : -1;
      const width = cp > 0xffff ? 2 : 1;
      nlist.clear();
      for (let i = 0; i < clist.size; i++) {
        const pc = clist.pcs[i];
        if (ops[pc] === MATCH) {
          matched = clist.caps[i];
          break; // threads after this one have lower priority
        }
        if (cp >= 0 && tests[pc]!(cp)) this.#add(nlist, pc + 1, clist.caps[i], pos + width);
      }
      const swap = clist;
      clist = nlist;
      nlist = swap;
      if (pos >= n) break;
      pos += width;
    }
    this.#clist = clist;
    this.#nlist = nlist;
    this.#text = "";
    clist.caps.length = 0;
    nlist.caps.length = 0;
    this.#stackCaps.length = 0;
    return matched;
  }
}

/** Compiles one config pattern; throws an Error naming the pattern when it is invalid. */
export function compilePattern(pattern: string): CompiledPattern {
  let prog: Program;
  let groups: number;
  try {
    const parser = new Parser(pattern);
    const tree = parser.parse();
    groups = parser.groups;
    prog = new Program(groups === 1 ? 4 : 2);
    prog.compile({ k: "group", index: 0, sub: tree });
    prog.emit(MATCH);
  } catch (e) {
    if (!(e instanceof SyntaxProblem)) throw e;
    throw new Error(`regexp: invalid pattern ${JSON.stringify(pattern)}: ${e.message}`);
  }
  const matcher = new Matcher(prog);
  return {
    source: pattern,
    groups,
    match(text: string): string | null {
      const caps = matcher.run(text);
      if (caps === null) return null;
      if (groups === 1) return caps[2] < 0 ? "" : text.slice(caps[2], caps[3]);
      return text.slice(caps[0], caps[1]);
    },
  };
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
    for (const pattern of compiled) {
      const out = pattern.match(text);
      if (out !== null) return out;
    }
    return null;
  };
};
