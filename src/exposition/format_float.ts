/**
 * Number formatting shared by the exposition encoders.
 *
 * Prometheus' Go client prints floats with `strconv.FormatFloat(v, 'g', -1, 64)`: the shortest
 * digits that round-trip, in plain notation when the decimal exponent is in `[-4, 6)` and in
 * exponent notation (`1.287408e+06`, `1e-06`) otherwise.
 * @module
 */

/**
 * Formats `v` exactly like Go's `strconv.FormatFloat(v, 'g', -1, 64)`, except that infinities are
 * written `+Inf` / `-Inf` as the Prometheus text format requires.
 *
 * @example
 * ```ts
 * import { formatFloat } from "./format_float.ts";
 * formatFloat(1287408); // "1.287408e+06"
 * formatFloat(0.000128); // "0.000128"
 * formatFloat(-0); // "-0"
 * ```
 */
export function formatFloat(v: number): string {
  // Fast path: small integers (counts, bucket indexes) print as plain digits.
  if (Number.isInteger(v)) {
    if (v < 1e6 && v > -1e6) {
      if (v === 0 && 1 / v < 0) return "-0";
      return "" + v;
    }
  } else if (v !== v) {
    return "NaN";
  } else if (v === Infinity) {
    return "+Inf";
  } else if (v === -Infinity) {
    return "-Inf";
  }
  const a = v < 0 ? -v : v;
  // A double in [1e-4, 1e6) has a shortest decimal exponent in [-4, 5], where Go uses plain
  // notation; JavaScript's ToString then produces the same shortest digits in plain notation.
  if (a >= 1e-4 && a < 1e6) return "" + v;
  // Exponent notation: shortest mantissa digits, and an exponent of at least two digits with a sign.
  const s = v.toExponential();
  const e = s.indexOf("e");
  const expDigits = s.length - e - 2;
  return expDigits >= 2 ? s : s.slice(0, e + 2) + "0" + s.slice(e + 2);
}
