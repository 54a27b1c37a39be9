import { equal } from "#assert";
import { TEST_ENV } from "../metrics/test_env.ts";
import { WARM_UP_KEYS, warmUpScrapePath } from "./warm_up.ts";

Deno.test("warm-up scrapes every synthetic series through the handler", async () => {
  const { bytes, ms } = await warmUpScrapePath(TEST_ENV);
  // Each counter line is at least `ebpf_exporter_warm_up_events_total{cookie="",id="",kind=""} 1`.
  equal(bytes > WARM_UP_KEYS * 60, true, `${bytes} bytes`);
  equal(ms > 0, true);
});
