import { equal } from "#assert";
import { createHandler } from "./http/handler.ts";
import { fakeExporter } from "../tests/fixtures/golden/fake_exporter.ts";

Deno.test("the whole /metrics output over fake maps matches the golden file", async () => {
  const handler = createHandler({
    telemetryPath: "/metrics",
    gather: () => fakeExporter().gather(),
    version: "test",
  });
  const res = await handler(new Request("http://localhost/metrics"));
  equal(res.status, 200);
  equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const body = (await res.text()).replace(/goversion="deno[^"]*"/, 'goversion="denoX"')
    .replace(/goarch="[^"]*"/, 'goarch="amd64"');
  const golden = new URL("../tests/fixtures/golden/fake_exporter.txt", import.meta.url);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") Deno.writeTextFileSync(golden, body);
  equal(body, Deno.readTextFileSync(golden));
});

Deno.test("concurrent scrapes share one collection", async () => {
  const exporter = fakeExporter();
  const [a, b] = await Promise.all([exporter.gather(), exporter.gather()]);
  equal(a, b);
  const c = await exporter.gather();
  equal(c === a, false);
});
