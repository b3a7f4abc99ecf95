/**
 * @module triggers/parse-input — the `match`/`render` CLI input: a MinIO notification exactly as
 * MinIO publishes it, or a webhook event `{"hook": NAME, "body": {...}}`.
 */
import { BadEventError } from "../lib/errors.js";
import type { NormalizedEvent } from "./event.js";
import { parseHookEvent } from "./hook-event.js";
import { looksLikeMinioNotification, parseMinioNotification, type ParseMinioOptions } from "./minio-event.js";

/**
 * Decides which kind of event the text holds and normalizes it.
 * @throws BadEventError when the text is not JSON or is neither kind of event
 * @example parseEventInput('{"hook":"motion-alerts","body":{"camera":"gate-01"}}')[0].source // "webhook"
 */
export function parseEventInput(text: string, opts: ParseMinioOptions = {}): NormalizedEvent[] {
  if (text.trim() === "") throw new BadEventError("the input is empty: pass a MinIO notification or {\"hook\": NAME, \"body\": {...}}", opts.subject);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadEventError(`the input is not JSON: ${(err as Error).message}`, opts.subject, { cause: err });
  }
  if (looksLikeMinioNotification(value)) return parseMinioNotification(value, opts);
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "hook" in value) {
    return [parseHookEvent(value, opts)];
  }
  throw new BadEventError(
    'the input is not an event: expected a MinIO notification (an object with "Records") or a webhook event {"hook": NAME, "body": {...}}',
    opts.subject,
  );
}
