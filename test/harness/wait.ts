/**
 * @module test/harness/wait — the one poll-until helper of the tests and benches: polls a condition
 * with a deadline and says what did not happen, with the last error and the state when it gives up.
 */

/** Options of {@link waitFor} beyond the deadline. */
export interface WaitOptions {
  /** what the state was, appended to the timeout error (and printed with `progressEveryMs`) */
  state?: () => string;
  /** time between checks (default 250 ms) */
  pollMs?: number;
  /** prints `what: state()` on stderr this often while waiting (long benchmark runs) */
  progressEveryMs?: number;
  /** describes the last error the check threw (default its message) */
  describeError?: (e: unknown) => string;
}

/**
 * Polls `check` until it returns something other than undefined/false and returns that; throws after
 * `ms` with `what`, the last error `check` threw (also as `cause`), and `state()`.
 * `opts` may be just the `state` function.
 * @example await waitFor("the workflow", async () => (await list()).length === 1, 30_000)
 * @example const row = await waitFor("camera gate-1", () => rows.find((r) => r.camera === "gate-1"), 5_000, { pollMs: 10 })
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms: number,
  opts: WaitOptions | (() => string) = {},
  pollMs?: number,
): Promise<T> {
  const o: WaitOptions = typeof opts === "function" ? { state: opts } : opts;
  const every = pollMs ?? o.pollMs ?? 250;
  const start = Date.now();
  let lastProgress = start;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    const now = Date.now();
    if (now - start > ms) {
      const why = last === undefined ? "" : `; last error: ${o.describeError ? o.describeError(last) : last instanceof Error ? last.message : String(last)}`;
      throw new Error(`${what} did not happen within ${ms} ms${why}${o.state ? `; ${o.state()}` : ""}`, { cause: last });
    }
    if (o.progressEveryMs !== undefined && now - lastProgress >= o.progressEveryMs) {
      process.stderr.write(`  ${what}: ${o.state?.() ?? "waiting"}\n`);
      lastProgress = now;
    }
    await new Promise((r) => setTimeout(r, every));
  }
}
