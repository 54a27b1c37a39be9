/**
 * Summarises a V8 `.cpuprofile` (as written by `deno run --cpu-prof`, e.g. by
 * `bench/scrape.ts --cpu-prof`): the functions with the most self time and the most total
 * (inclusive) time, idle excluded.
 *
 * Run: `deno run --allow-read bench/profile_summary.ts bench/profiles/counters_100k.cpuprofile [top]`
 * @module
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `name (file:line)` with the path shortened to the repository. */
function frameName(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  const file = frame.url.replace(/^file:\/\/.*?\/(src|ffi|bench|tests)\//, "$1/")
    .replace(/^ext:/, "ext:");
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

/** Self and inclusive microseconds per function, and the non-idle total. */
export function summarise(profile: CpuProfile): {
  self: Map<string, number>;
  total: Map<string, number>;
  busy: number;
} {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    // a sample's time is the delta to the next sample
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (!node || node.callFrame.functionName === "(idle)") continue;
    busy += dt;
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = frameName(byId.get(id)!.callFrame);
      if (frame === "(root)" || seen.has(frame)) continue;
      seen.add(frame);
      total.set(frame, (total.get(frame) ?? 0) + dt);
    }
  }
  return { self, total, busy };
}

function top(map: Map<string, number>, busy: number, n: number): string[] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) =>
    `${(us / 1000).toFixed(0).padStart(7)} ms ${(100 * us / busy).toFixed(1).padStart(5)}%  ${name}`
  );
}

if (import.meta.main) {
  const [path, count] = Deno.args;
  if (!path) {
    console.error("usage: profile_summary.ts FILE.cpuprofile [top]");
    Deno.exit(2);
  }
  const n = Number(count ?? 25);
  const profile = JSON.parse(Deno.readTextFileSync(path)) as CpuProfile;
  const { self, total, busy } = summarise(profile);
  console.log(`${path}: ${(busy / 1000).toFixed(0)} ms busy (idle excluded)\n`);
  console.log("self time:");
  console.log(top(self, busy, n).join("\n"));
  console.log("\ntotal (inclusive) time:");
  console.log(top(total, busy, n).join("\n"));
}
