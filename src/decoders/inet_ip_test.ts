import assert from "#assert";
import { emptyEnv } from "../metrics/test_env.ts";
import { formatIPv6, inetIpDecoder } from "./inet_ip.ts";

const env = emptyEnv();
const decode = inetIpDecoder({ name: "inet_ip" }, env);

/** 16 bytes from eight 16-bit groups. */
function v6(...groups: number[]): Uint8Array {
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

Deno.test("inet_ip: IPv4, IPv6 (RFC 5952), v4-mapped and odd sizes", () => {
  const cases: [Uint8Array, string][] = [
    [new Uint8Array([127, 0, 0, 1]), "127.0.0.1"],
    [new Uint8Array([0, 0, 0, 0]), "0.0.0.0"],
    [new Uint8Array([255, 255, 255, 255]), "255.255.255.255"],
    [v6(0, 0, 0, 0, 0, 0, 0, 1), "::1"],
    [v6(0, 0, 0, 0, 0, 0, 0, 0), "::"],
    [v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), "2001:db8::1"],
    [v6(1, 0, 0, 1, 0, 0, 0, 1), "1:0:0:1::1"],
    [v6(1, 0, 0, 2, 0, 0, 3, 4), "1::2:0:0:3:4"],
    [v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), "2001:db8:0:1:1:1:1:1"],
    [v6(0xfe80, 0, 0, 0, 0xabcd, 0xef, 0x1, 0x2), "fe80::abcd:ef:1:2"],
    [v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), "2001:db8::"],
    [
      v6(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff),
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ],
    [v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201), "192.0.2.1"],
    [v6(0, 0, 0, 0, 0, 0xffff, 0, 0), "0.0.0.0"],
    // IPv4-compatible (not mapped) and NAT64 stay IPv6
    [v6(0, 0, 0, 0, 0, 0, 0xc000, 0x0201), "::c000:201"],
    [v6(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0201), "64:ff9b::c000:201"],
    [v6(0, 0, 0, 0, 1, 0xffff, 0xc000, 0x0201), "::1:ffff:c000:201"],
    [new Uint8Array([1, 2, 3]), "?010203"],
    [new Uint8Array([0xab, 0xcd, 0xef, 0x01, 0x02, 0x03]), "?abcdef010203"],
    [new Uint8Array(0), "<nil>"],
  ];
  for (const [input, want] of cases) assert.equal(decode(input), want);
  assert.equal(
    formatIPv6(v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201)),
    "::ffff:c000:201",
  );
});
