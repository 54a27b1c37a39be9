/**
 * Golden files of every exposition format over the same fake exporter
 * (`tests/fixtures/golden/fake_exporter.ts`), served through the request handler as Prometheus asks
 * for each. `UPDATE_GOLDEN=1` rewrites them.
 */

import { equal } from "#assert";
import { toJson } from "@bufbuild/protobuf";
import { createHandler } from "../http/handler.ts";
import { fakeFamilies } from "../../tests/fixtures/golden/fake_exporter.ts";
import { MetricFamilySchema } from "./gen/metrics_pb.ts";
import { decodeProtobuf, encodeProtobuf } from "./protobuf.ts";

const GOLDEN = new URL("../../tests/fixtures/golden/", import.meta.url);
const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";

/** Compares `actual` with a golden file (or rewrites it with UPDATE_GOLDEN=1). */
function golden(name: string, actual: string): void {
  const url = new URL(name, GOLDEN);
  if (UPDATE) Deno.writeTextFileSync(url, actual);
  equal(actual, Deno.readTextFileSync(url), name);
}

async function scrape(accept?: string): Promise<Response> {
  const handler = createHandler({
    telemetryPath: "/metrics",
    gather: fakeFamilies,
    version: "test",
  });
  const headers: Record<string, string> = accept ? { accept } : {};
  const res = await handler(new Request("http://localhost/metrics", { headers }));
  equal(res.status, 200);
  return res;
}

/** Hex dump, 32 bytes a line. */
function hex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 32) {
    out += Array.from(bytes.subarray(i, i + 32), (b) => b.toString(16).padStart(2, "0")).join(" ") +
      "\n";
  }
  return out;
}

Deno.test("golden: text 0.0.4 (no Accept header)", async () => {
  const res = await scrape();
  equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  golden("fake_exporter.txt", await res.text());
});

Deno.test("golden: OpenMetrics 1.0.0 (Prometheus 2.42's Accept header)", async () => {
  const res = await scrape(
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
  );
  equal(
    res.headers.get("content-type"),
    "application/openmetrics-text; version=1.0.0; charset=utf-8",
  );
  golden("fake_exporter.om.txt", await res.text());
});

Deno.test("golden: delimited protobuf with native histograms (Prometheus 2.42, native histograms on)", async () => {
  const res = await scrape(
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
  );
  equal(
    res.headers.get("content-type"),
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  // What the handler streams is what the generated code encodes.
  equal(hex(bytes), hex(encodeProtobuf(await fakeFamilies())));
  golden("fake_exporter.pb.hex", hex(bytes));
  const decoded = decodeProtobuf(bytes).map((f) => toJson(MetricFamilySchema, f));
  golden("fake_exporter.pb.json", JSON.stringify(decoded, null, 2) + "\n");
});
