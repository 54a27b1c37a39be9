/**
 * Runs `promtool check metrics` (Debian's prometheus package) over an exposition.
 * @module
 */

/** Whether promtool is installed (/usr/bin/promtool, from Debian's prometheus package). */
export function promtoolAvailable(): boolean {
  try {
    return Deno.statSync("/usr/bin/promtool").isFile;
  } catch {
    return false;
  }
}

/** promtool's verdict on an exposition: exit code and what it printed. */
export async function promtoolCheckMetrics(
  text: string,
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}
