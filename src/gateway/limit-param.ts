/** @module gateway/limit-param — the `limit` query parameter every listing route takes, checked one way. */
import { HttpError } from "./http-error.js";

/**
 * `limit` from the query: `def` when absent, else a whole number from 1 to `max`.
 * @throws HttpError 400 naming the allowed range and what was sent
 * @example parseLimit(c.req.query("limit"), 100, 10_000)
 */
export function parseLimit(raw: string | undefined, def: number, max: number): number {
  if (raw === undefined || raw === "") return def;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new HttpError(400, `limit must be a whole number from 1 to ${max}, got ${JSON.stringify(raw.slice(0, 20))}`);
  }
  return Number(raw);
}
