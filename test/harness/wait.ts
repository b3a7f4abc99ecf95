/** @module test/harness/wait — polling with a deadline, for tests that wait on real servers. */

/**
 * Polls `check` every `pollMs` until it returns something other than undefined/false; throws after `ms`
 * with `what`, the last error `check` threw, and `state()`.
 * @example await waitFor("the workflow", async () => (await list()).length === 1, 30_000)
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, ms: number, state?: () => string, pollMs = 250): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      const why = last instanceof Error ? `; last error: ${last.message}` : "";
      throw new Error(`${what} did not happen within ${ms} ms${why}${state ? `; ${state()}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
