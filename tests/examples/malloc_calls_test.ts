import { equal, ok } from "#assert";
import { ExporterProcess, parseSamples } from "../helpers/exporter_process.ts";
import { kernelTest } from "../helpers/kernel.ts";

const CALLS = 7;
/** 100 MB: bucket 27, (2^26, 2^27] bytes; nothing else in the child asks malloc for that much. */
const SIZE = 100_000_000;
const SMALL_CALLS = 50;
const SMALL_SIZE = 3000;

/**
 * A child Deno that renames its main thread (prctl PR_SET_NAME, so its comm is unique) and then
 * calls libc malloc through FFI: CALLS times SIZE bytes, SMALL_CALLS times SMALL_SIZE bytes.
 */
function childCode(comm: string): string {
  return `
    const libc = Deno.dlopen("libc.so.6", {
      prctl: { parameters: ["i32", "buffer", "usize", "usize", "usize"], result: "i32" },
      malloc: { parameters: ["usize"], result: "pointer" },
      free: { parameters: ["pointer"], result: "void" },
    });
    const name = new TextEncoder().encode(${JSON.stringify(comm)} + "\\0");
    if (libc.symbols.prctl(15, name, 0, 0, 0) !== 0) throw new Error("prctl failed");
    for (let i = 0; i < ${CALLS}; i++) libc.symbols.free(libc.symbols.malloc(${SIZE}));
    for (let i = 0; i < ${SMALL_CALLS}; i++) libc.symbols.free(libc.symbols.malloc(${SMALL_SIZE}));
  `;
}

kernelTest("malloc_calls: a process's malloc sizes land in its comm's exp2 histogram", [
  "examples/malloc_calls.bpf.o",
], async () => {
  const exporter = await ExporterProcess.start("malloc_calls", {
    extraArgs: ["--config.strict"],
  });
  try {
    const comm = `malloc${Deno.pid}`.slice(0, 15);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", childCode(comm)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    ok(out.success, new TextDecoder().decode(out.stderr));

    const samples = parseSamples(await exporter.scrape());
    const base = "ebpf_exporter_malloc_size_bytes";
    const bucket = (le: string) => samples.get(`${base}_bucket{comm="${comm}",le="${le}"}`) ?? 0;
    // Exactly our large calls fall into (2^26, 2^27].
    equal(bucket("1.34217728e+08") - bucket("6.7108864e+07"), CALLS);
    // The small ones into (2048, 4096], with whatever else the runtime allocated there.
    ok(
      bucket("4096") - bucket("2048") >= SMALL_CALLS,
      `(2048, 4096]: ${bucket("4096") - bucket("2048")}`,
    );
    const count = samples.get(`${base}_count{comm="${comm}"}`) ?? 0;
    ok(count >= CALLS + SMALL_CALLS, `count ${count}`);
    equal(bucket("+Inf"), count);
    equal(bucket("4.294967296e+09"), count); // bucket_max: larger requests are clamped into it
    const sum = samples.get(`${base}_sum{comm="${comm}"}`) ?? 0;
    ok(sum >= CALLS * SIZE + SMALL_CALLS * SMALL_SIZE, `sum ${sum}`);
    equal(samples.get('ebpf_exporter_decoder_errors_total{config="malloc_calls"}'), 0);
  } finally {
    await exporter.stop();
  }
});
