import { deepEqual, throws } from "#assert";
import { parseCpuList } from "./cpus.ts";

Deno.test("parseCpuList reads the kernel's CPU list format", () => {
  deepEqual(parseCpuList("0-1\n"), [0, 1]);
  deepEqual(parseCpuList("0,2-4,7"), [0, 2, 3, 4, 7]);
  deepEqual(parseCpuList("5"), [5]);
  deepEqual(parseCpuList("\n"), []);
  throws(() => parseCpuList("0-a"), /invalid CPU list/);
  throws(() => parseCpuList("3-1"), /invalid CPU range "3-1"/);
});

Deno.test("CPU lists", () => {
  deepEqual(parseCpuList("0-3\n"), [0, 1, 2, 3]);
  deepEqual(parseCpuList("0,2-3,7"), [0, 2, 3, 7]);
  deepEqual(parseCpuList("5"), [5]);
  deepEqual(parseCpuList(""), []);
});
