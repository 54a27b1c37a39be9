import assert from "#assert";
import type { DecoderEnv } from "./decoder.ts";
import { compilePattern, regexpDecoder, translateGoPattern } from "./regexp.ts";

const env: DecoderEnv = {
  symbols: { exact: () => undefined, nearest: () => undefined },
  devices: { name: () => undefined },
  interfaces: { name: () => undefined },
  pciIds: () => undefined,
};
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
  assert.throws(() => decoderFor("(?U)x"), /invalid pattern "\(\?U\)x"/);
  assert.throws(() => regexpDecoder({ name: "regexp" }, env), /no regexps/);
  assert.throws(
    () => regexpDecoder({ name: "regexp", regexps: [] }, env),
    /no regexps/,
  );
});

Deno.test("regexp: group counting and translation", () => {
  assert.equal(compilePattern("abc").groups, 0);
  assert.equal(compilePattern("(a)|(b)").groups, 2);
  assert.equal(compilePattern("\\(a\\)").groups, 0);
  assert.equal(compilePattern("[(]a[)]").groups, 0);
  assert.deepEqual(translateGoPattern("(?is)(?P<x>a)[(?P<]"), {
    source: "(?<x>a)[(?P<]",
    flags: "is",
  });
  assert.deepEqual(translateGoPattern("\\\\(?P<y>b)"), {
    source: "\\\\(?<y>b)",
    flags: "",
  });
});
