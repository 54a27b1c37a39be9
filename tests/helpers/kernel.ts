/**
 * Registration of tests that need the real kernel: skipped (with the reason) on a machine that
 * cannot run them, but failing under CI (`CI=true`), where skipping would hide a broken setup.
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

/** Why kernel tests cannot run here, or undefined when they can. */
export function kernelUnavailable(objects: string[] = []): string | undefined {
  if (Deno.uid() !== 0) return "not running as root (BPF needs CAP_BPF and CAP_PERFMON)";
  try {
    Deno.statSync("/sys/kernel/btf/vmlinux");
  } catch {
    return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
  }
  for (const object of objects) {
    try {
      Deno.statSync(`${ROOT}${object}`);
    } catch {
      return `${object} is not built (run make examples)`;
    }
  }
  return undefined;
}

/** Registers a real-kernel test that needs the given BPF objects (paths from the repo root). */
export function kernelTest(
  name: string,
  objects: string[],
  fn: (t: Deno.TestContext) => void | Promise<void>,
): void {
  const reason = kernelUnavailable(objects);
  const inCi = Deno.env.get("CI") === "true";
  if (reason && !inCi) {
    Deno.test({ name: `${name} (skipped: ${reason})`, ignore: true, fn() {} });
    return;
  }
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      if (reason) throw new Error(`kernel test cannot run in CI: ${reason}`);
      await fn(t);
    },
  });
}
