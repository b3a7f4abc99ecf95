/**
 * @module lib/backoff — exponential backoff with jitter: the one formula every retry without a server
 * hint uses (message redeliveries, the Workflow informer's restarts).
 */

/**
 * The delay before retry `attempt` (1 = the first): `baseMs * 2^(attempt-1)`, capped at `maxMs`, then a
 * random point in its upper half ("equal jitter": retries of many clients spread out, and a delay is
 * never less than half the step, so a failing dependency is not hammered).
 * @example backoffMs(1) // 500..1000
 * @example backoffMs(4, 500, 30_000) // 2000..4000
 */
export function backoffMs(attempt: number, baseMs = 1000, maxMs = 60_000): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}
