import { equal } from "#assert";
import { formatFloat } from "./format_float.ts";

// Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) prints (infinities as the
// text format spells them).
const TABLE: [number, string][] = [
  [0, "0"],
  [-0, "-0"],
  [1, "1"],
  [-1, "-1"],
  [2.5, "2.5"],
  [-2.5, "-2.5"],
  [0.1, "0.1"],
  [0.30000000000000004, "0.30000000000000004"],
  [100000, "100000"],
  [123456, "123456"],
  [999999, "999999"],
  [-999999, "-999999"],
  [999999.5, "999999.5"],
  [1e6, "1e+06"],
  [-1e6, "-1e+06"],
  [1000001, "1.000001e+06"],
  [1287408, "1.287408e+06"],
  [12345678, "1.2345678e+07"],
  [123456789, "1.23456789e+08"],
  [2 ** 32, "4.294967296e+09"],
  [2 ** 53, "9.007199254740992e+15"],
  [18446744073709552000, "1.8446744073709552e+19"],
  [1e21, "1e+21"],
  [1e22, "1e+22"],
  [1e100, "1e+100"],
  [1.7976931348623157e308, "1.7976931348623157e+308"],
  [0.0001, "0.0001"],
  [0.000128, "0.000128"],
  [0.00012345, "0.00012345"],
  [9.999999999999999e-5, "9.999999999999999e-05"],
  [0.00001, "1e-05"],
  [1e-6, "1e-06"],
  [-1.5e-7, "-1.5e-07"],
  [1e-10, "1e-10"],
  [1.2e-100, "1.2e-100"],
  [5e-324, "5e-324"],
  [2.2250738585072014e-308, "2.2250738585072014e-308"],
  [0.001, "0.001"],
  [0.5, "0.5"],
  [123.456, "123.456"],
  [1 / 3, "0.3333333333333333"],
  [Infinity, "+Inf"],
  [-Infinity, "-Inf"],
  [NaN, "NaN"],
];

for (const [v, want] of TABLE) {
  Deno.test(`formatFloat(${Object.is(v, -0) ? "-0" : v}) = ${want}`, () => {
    equal(formatFloat(v), want);
  });
}

Deno.test("formatFloat: exponent buckets 2^i * 1e-6 like an exp2 histogram", () => {
  const got = [0, 1, 10, 20, 26].map((i) => formatFloat(2 ** i * 0.000001));
  equal(got.join(" "), "1e-06 2e-06 0.001024 1.048576 67.108864");
});

// Deterministic xorshift so failures are reproducible.
function* randomDoubles(n: number): Generator<number> {
  let x = 0x2545f491n;
  const buf = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < n; i++) {
    x ^= (x << 13n) & 0xffffffffffffffffn;
    x ^= x >> 7n;
    x ^= (x << 17n) & 0xffffffffffffffffn;
    buf.setBigUint64(0, x);
    const v = buf.getFloat64(0);
    if (Number.isFinite(v)) yield v;
  }
}

/** Splits Go/JS exponent or plain notation into (sign, digits without leading/trailing zeros, exponent). */
function decompose(s: string): [string, string, number] {
  const sign = s.startsWith("-") ? "-" : "";
  if (sign) s = s.slice(1);
  let exp = 0;
  const e = s.search(/e/i);
  if (e >= 0) {
    exp = Number(s.slice(e + 1));
    s = s.slice(0, e);
  }
  const dot = s.indexOf(".");
  const intPart = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? "" : s.slice(dot + 1);
  let digits = intPart + frac;
  let pointPos = intPart.length + exp; // decimal point position relative to digits start
  const lead = digits.length - digits.replace(/^0+/, "").length;
  digits = digits.slice(lead);
  pointPos -= lead;
  digits = digits.replace(/0+$/, "");
  return [sign, digits, pointPos - 1];
}

Deno.test("formatFloat: random doubles round-trip with JS shortest digits and Go layout", () => {
  for (const v of randomDoubles(20000)) {
    const s = formatFloat(v);
    equal(Number(s), v, s);
    const [sign, digits, exp] = decompose(s);
    const [sign2, digits2, exp2] = decompose(String(v));
    equal(sign + digits + "e" + exp, sign2 + digits2 + "e" + exp2, s);
    const expForm = exp < -4 || exp >= 6;
    equal(/e[+-]\d\d+$/.test(s), expForm, s);
  }
});

Deno.test("formatFloat: random doubles near the notation boundaries", () => {
  let k = 0;
  for (const r of randomDoubles(20000)) {
    const frac = Math.abs(r % 1) || 0.5;
    const v = frac * 10 ** ((k++ % 17) - 8);
    const s = formatFloat(v);
    equal(Number(s), v, s);
    const exp = decompose(s)[2];
    equal(/e[+-]\d\d+$/.test(s), exp < -4 || exp >= 6, s);
  }
});

Deno.test("formatFloat: every integer form below 1e6 is plain, above is exponent", () => {
  for (let i = 0; i < 1e6; i += 997) equal(formatFloat(i), String(i));
  equal(formatFloat(1e6 + 1), "1.000001e+06");
  equal(formatFloat(1e7), "1e+07");
});
