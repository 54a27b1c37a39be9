import { equal, rejects } from "#assert";
import { withTimeout } from "./timeout.ts";

Deno.test("withTimeout: what the promise settles with, before the timer", async () => {
  equal(await withTimeout(Promise.resolve(7), 1000), 7);
  await rejects(() => withTimeout(Promise.reject(new Error("boom")), 1000), /boom/);
});

Deno.test('withTimeout: "timeout" once the timer fires; a later rejection is ignored', async () => {
  let fail!: (e: Error) => void;
  const late = new Promise<number>((_, reject) => fail = reject);
  equal(await withTimeout(late, 5), "timeout");
  fail(new Error("too late"));
  await new Promise((r) => setTimeout(r, 5));
});
