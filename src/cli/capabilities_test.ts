import { deepEqual, equal, throws } from "#assert";
import { capabilityNames, parseCapabilities } from "./capabilities.ts";

Deno.test("--capabilities.keep parses all, none and lists of names", () => {
  deepEqual(parseCapabilities("all"), { keepAll: true });
  deepEqual(parseCapabilities("none"), { keepAll: false, set: 0n });
  deepEqual(parseCapabilities("cap_syslog,cap_bpf"), {
    keepAll: false,
    set: (1n << 34n) | (1n << 39n),
  });
  deepEqual(parseCapabilities("CAP_PERFMON, bpf"), {
    keepAll: false,
    set: (1n << 38n) | (1n << 39n),
  });
  throws(() => parseCapabilities("cap_bfp"), /unknown capability "cap_bfp"/);
});

Deno.test("capability sets print as names", () => {
  equal(capabilityNames((1n << 34n) | (1n << 39n)), "cap_syslog,cap_bpf");
  equal(capabilityNames(0n), "none");
});
