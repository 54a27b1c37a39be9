import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { compilePattern, MAX_PROGRAM_SIZE, regexpDecoder } from "./regexp.ts";

const env = emptyEnv();
const decoderFor = (...regexps: string[]) => regexpDecoder({ name: "regexp", regexps }, env);

Deno.test("regexp: capture group, whole match, no match", () => {
  const cases: [string[], string, string | null][] = [
    // no group: the whole match (unanchored, like Go's MatchString)
    [["^sys"], "system.slice", "sys"],
    [["slice"], "system.slice", "slice"],
    [["^.*$"], "anything", "anything"],
    // one group: the group
    [
      ["^/sys/fs/cgroup/([^/]+)\\.slice"],
      "/sys/fs/cgroup/system.slice/ssh.service",
      "system",
    ],
    [["(?P<unit>[a-z]+)\\.service$"], "/system.slice/ssh.service", "ssh"],
    [["(?<unit>[a-z]+)\\.service$"], "/system.slice/ssh.service", "ssh"],
    // an optional group that did not take part gives the empty text
    [["^a(b)?"], "ac", ""],
    // non-capturing groups do not count
    [["^(?:foo|bar)baz"], "barbazz", "barbaz"],
    // two groups: the whole match
    [["(a)(b)"], "xaby", "ab"],
    // first matching pattern wins
    [["^nope", "(ss)h", "ssh"], "ssh.service", "ss"],
    // no pattern matches: drop the series
    [["^foo$"], "foobar", null],
    [["^a", "^b"], "c", null],
    // Go spellings
    [["(?i)^SSH"], "ssh.service", "ssh"],
    [["\\Assh\\z"], "ssh", "ssh"],
    [["\\Assh\\z"], "sshd", null],
    [["[]a]+"], "x]a]y", "]a]"],
    [["^\\_x"], "_x", "_x"],
    [["^\\w+\\-\\d+$"], "cpu-12", "cpu-12"],
  ];
  for (const [patterns, input, want] of cases) {
    assert.equal(
      decoderFor(...patterns)(input),
      want,
      `${patterns} on ${input}`,
    );
  }
});

Deno.test("regexp: byte input is read as text", () => {
  assert.equal(decoderFor("^(b)")(new TextEncoder().encode("bash")), "b");
});

Deno.test("regexp: bad patterns throw at compile time, naming the pattern", () => {
  assert.throws(
    () => decoderFor("ok", "(unclosed"),
    /invalid pattern "\(unclosed"/,
  );
  // What Go's regexp refuses: backreferences, lookaround, huge or nested repeats, stray operators.
  for (
    const bad of [
      "(a)\\1",
      "(?=a)",
      "(?<=a)b",
      "(?!a)",
      "x{1001}",
      "x{3,2}",
      "a**",
      "*a",
      "+",
      "{2}",
      "a)",
      "[a",
      "[z-a]",
      "\\8",
      "\\q",
      "\\p{NoSuchScript}",
      "(?P<n>a)(?P<n>b)",
      "(?)",
      "(?i-)",
      "[[:constructor:]]",
      "[[:d:]]",
      "(".repeat(1001) + ")".repeat(1001),
    ]
  ) {
    assert.throws(() => decoderFor(bad), /regexp: invalid pattern /, bad);
  }
  assert.throws(() => decoderFor("((((a{1000}){1000})))"), /pattern too large/);
  assert.throws(() => regexpDecoder({ name: "regexp" }, env), /no regexps/);
  assert.throws(
    () => regexpDecoder({ name: "regexp", regexps: [] }, env),
    /no regexps/,
  );
});

Deno.test("regexp: group counting", () => {
  assert.equal(compilePattern("abc").groups, 0);
  assert.equal(compilePattern("(a)|(b)").groups, 2);
  assert.equal(compilePattern("\\(a\\)").groups, 0);
  assert.equal(compilePattern("[(]a[)]").groups, 0);
  assert.equal(compilePattern("(?is)(?P<x>a)[(?P<]").groups, 1);
  assert.equal(compilePattern("(?:a)(?i:b)(?P<n>c)").groups, 1);
  assert.equal(compilePattern("\\Q(a)\\E").groups, 0);
});

Deno.test("regexp: Go (RE2) semantics", () => {
  const cases: [string, string, string | null][] = [
    // leftmost-first: the first alternative and the greedy choice win
    ["(?:a|ab)(?:c|bcd)", "abcd", "abcd"],
    ["a+", "baaa", "aaa"],
    ["a+?", "baaa", "a"],
    ["(?U)a+", "baaa", "a"],
    ["(?U)a+?", "baaa", "aaa"],
    ["a{2,3}", "aaaa", "aaa"],
    ["a{2,}", "aaaaa", "aaaaa"],
    ["a{2}", "a", null],
    ["x*", "abc", ""],
    ["a|", "b", ""],
    ["(?:a*)*b", "aab", "aab"],
    ["(a|b)*c", "ababc", "b"], // one group: its last iteration
    // . is anything but \n; (?s) includes it; \r is an ordinary character (unlike in JS)
    ["^.+$", "a\rb", "a\rb"],
    ["^.+$", "a\nb", null],
    ["(?s)^.+$", "a\nb", "a\nb"],
    // ^ and $: text ends, or line ends with (?m); $ is not before a final newline
    ["b$", "ab\n", null],
    ["(?m)^b$", "a\nb\nc", "b"],
    ["\\Ab", "ab", null],
    ["a\\z", "ab", null],
    // ASCII classes as in Go
    ["\\s+", "a \t\u00a0b", " \t"],
    ["\\d+", "x\u0663 42", "42"],
    ["\\w+", "\u00e9t\u00e9", "t"],
    ["[[:alpha:]]+", "12ab3", "ab"],
    ["[^[:digit:]]+", "12ab3", "ab"],
    ["[[:^alpha:]]+", "ab12c", "12"],
    ["[\\d\\s]+", "a1 2b", "1 2"],
    ["[\\D]+", "12ab3", "ab"],
    ["\\bfoo\\b", "a foo.", "foo"],
    ["\\Bfoo", "foo xfoo", "foo"],
    // Unicode classes and case folding
    ["\\pL+", "12\u00e9t\u00e9!", "\u00e9t\u00e9"],
    ["\\p{Greek}+", "abc\u03b1\u03b2", "\u03b1\u03b2"],
    ["\\PL+", "ab12c", "12"],
    ["[\\p{Lu}]+", "abCDe", "CD"],
    ["(?i)\u00c9T\u00c9", "\u00e9t\u00e9", "\u00e9t\u00e9"],
    ["(?i)[a-c]+", "xABCx", "ABC"],
    ["(?i)k", "\u212a", "\u212a"],
    ["a(?i)b|c", "C", "C"], // flags hold to the end of the group, across |
    ["(?i:a)b", "AB", null],
    // escapes
    ["\\x41\\x{42}\\103", "ABC", "ABC"],
    ["\\Q.*\\E+", "a.**", ".**"],
    ["\\.\\-\\_", "a.-_", ".-_"],
    ["[]a]+", "x]a]y", "]a]"],
    ["[^]a]+", "]]xy", "xy"],
    ["[a-]+", "b-a-", "-a-"],
    ["\\x{1F600}", "a\u{1F600}b", "\u{1F600}"],
    [".", "\u{1F600}", "\u{1F600}"], // a whole code point, not half a surrogate pair
  ];
  for (const [pattern, input, want] of cases) {
    assert.equal(decoderFor(pattern)(input), want, `${pattern} on ${JSON.stringify(input)}`);
  }
});

Deno.test("regexp: time is linear in the input, whatever the pattern (fuzz regression)", () => {
  // With JavaScript's backtracking RegExp the first took 3.5 s at 27 characters and doubled per
  // character more: a config pattern and a kernel-supplied label could stall every scrape.
  const slow = [
    "^(a|a)*$",
    "^(a+)+$",
    "(x+x+)+y",
    "^(\\w+\\s?)*$",
    "(.*a){12}",
    "^(a|aa)+$",
    "(.*)*b",
  ];
  const input = "a".repeat(5000) + "!";
  for (const pattern of slow) {
    const started = performance.now();
    decoderFor(pattern)(input);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `${pattern}: ${elapsed.toFixed(0)} ms on 5001 characters`);
  }
  // The biggest program on a long input is still bounded: size x length steps.
  const big = decoderFor(`(?:a{1000}){${Math.floor(MAX_PROGRAM_SIZE / 1000) - 1}}$`);
  const started = performance.now();
  assert.equal(big("a".repeat(3000)), null);
  assert.ok(performance.now() - started < 5000);
});

Deno.test("regexp: raw bytes that are not UTF-8 are matched as \\xNN text (fuzz regression)", () => {
  assert.equal(decoderFor("^(.*)$")(Uint8Array.from([0x62, 0xff, 0x63])), "b\\xffc");
  assert.equal(decoderFor("\\\\x([0-9a-f]{2})")(Uint8Array.from([0x80])), "80");
});
