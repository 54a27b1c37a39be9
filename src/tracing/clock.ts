/**
 * The host's clocks for spans: CLOCK_REALTIME and CLOCK_MONOTONIC through libc, so a BPF
 * `bpf_ktime_get_ns()` timestamp converts to wall time at the current offset between the two.
 * @module
 */

import { CLOCK_MONOTONIC, CLOCK_REALTIME, clockNs } from "../../ffi/libc_events.ts";
import type { SpanClock } from "./spans.ts";

/** Wall and monotonic time of this host. */
export const HOST_SPAN_CLOCK: SpanClock = {
  nowUnixNs: () => clockNs(CLOCK_REALTIME),
  monotonicOffsetNs: () => {
    const wall = clockNs(CLOCK_REALTIME);
    const monotonic = clockNs(CLOCK_MONOTONIC);
    return wall - monotonic;
  },
};
