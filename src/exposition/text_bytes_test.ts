import { equal } from "#assert";
import { LabelSet, type MetricFamily } from "../metrics/family.ts";
import { randomFamilies } from "./test_families.ts";
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
