import { equal } from "#assert";
import { LabelSet, type MetricFamily } from "../metrics/family.ts";
import { encodeText } from "./text.ts";
import { textByteChunks } from "./text_bytes.ts";

function viaBytes(families: MetricFamily[], chunkSize?: number): string {
  const decoder = new TextDecoder();
  let out = "";
  for (const chunk of textByteChunks(families, chunkSize)) {
    equal(chunk.length > 0, true, "empty chunk");
    out += decoder.decode(chunk, { stream: true });
  }
  return out + decoder.decode();
}

/** Deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
}

const VALUES = [
  0,
  -0,
  1,
  9,
  10,
  99,
  100,
  999999,
  1e6,
  1.5,
  0.000128,
  1e-6,
  2 ** 53 + 2,
  -3,
  NaN,
  Infinity,
  -Infinity,
  4.9999999999999996e-05,
];

function randomFamilies(seed: number): MetricFamily[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const texts = ["", "a", "é", 'q"uo\\te', "new\nline", "🐝", "unknown:0x1f"];
  const labels = (n: number) => {
    const pairs: Record<string, string> = {};
    for (let i = 0; i < n; i++) pairs[`l${i}`] = pick(texts) + String(Math.floor(r() * 50));
    return LabelSet.of(pairs);
  };
  const out: MetricFamily[] = [];
  for (let f = 0; f < 6; f++) {
    const n = Math.floor(r() * 3);
    if (r() < 0.5) {
      out.push({
        name: `fam_${f}_total`,
        help: pick(texts),
        type: r() < 0.5 ? "counter" : "gauge",
        series: Array.from({ length: Math.floor(r() * 40) }, () => ({
          labels: labels(n),
          value: r() < 0.5 ? pick(VALUES) : Math.floor(r() * 2e6) * (r() < 0.3 ? 0.001 : 1),
        })),
      });
    } else {
      const bounds = [0, 1e-6, 0.5, 2, 1024, ...(r() < 0.3 ? [Infinity] : [])];
      out.push({
        name: `hist_${f}_seconds`,
        help: "h",
        type: "histogram",
        bounds,
        series: Array.from({ length: Math.floor(r() * 10) }, () => {
          const cumulative = new Float64Array(bounds.length);
          let c = 0;
          for (let i = 0; i < bounds.length; i++) cumulative[i] = c += Math.floor(r() * 1000);
          return { labels: labels(n), cumulative, count: c, sum: r() * 1e4 };
        }),
      });
    }
  }
  return out;
}

Deno.test("byte chunks spell exactly what the string encoder writes", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const families = randomFamilies(seed);
    const expected = encodeText(families);
    equal(viaBytes(families), expected, `seed ${seed}`);
    equal(viaBytes(families, 17), expected, `seed ${seed}, tiny chunks`);
  }
});

Deno.test("every integer formatting boundary matches", () => {
  const series = [];
  for (const base of [1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 999999, 1e6]) {
    for (const d of [-1, 0, 1, 0.5]) {
      series.push({ labels: LabelSet.of({ v: `${base}${d}` }), value: base + d });
    }
  }
  const families: MetricFamily[] = [{ name: "n", help: "n", type: "gauge", series }];
  equal(viaBytes(families), encodeText(families));
});
