/** @module lib/duration — "500ms", "5s", "30m", "24h", "7d" to milliseconds. */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * @example durationMs("30s") // 30000
 */
export function durationMs(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration: write a number and a unit, e.g. 500ms, 5s, 10m, 24h, 7d`);
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
}
