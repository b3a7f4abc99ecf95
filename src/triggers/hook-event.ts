/**
 * @module triggers/hook-event — webhook events: a JSON body POSTed to `/hooks/<hook>`, or the CLI's
 * `{"hook": NAME, "body": {...}}`, as a `HookEvent`.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { BadEventError } from "../lib/errors.js";
import { describeIssues, eventErrorMap } from "./describe-issue.js";
import type { HookEvent } from "./event.js";

/** Hook names are DNS-1123 labels (they appear in URLs and NATS subjects). */
export const HOOK_NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The CLI / replay form of a webhook event; `id` and `receivedAt` make a replay reproducible. */
export const hookInputSchema = z.strictObject({
  hook: z.string().regex(HOOK_NAME_RE, "must be a hook name: lowercase letters, digits and '-', at most 63 characters"),
  body: z.unknown().refine((v) => v !== undefined, "required: the JSON the integration POSTed"),
  id: z.string().min(1).max(256).optional(),
  receivedAt: z.iso.datetime({ offset: true, error: "must be an RFC 3339 time such as 2024-05-01T12:00:00Z" }).optional(),
});

export type HookInput = z.infer<typeof hookInputSchema>;

/** JSON with object keys sorted, so equal bodies hash equally whatever order their keys came in. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/**
 * The id of a webhook event without an Idempotency-Key: a hash of hook + body, so a client that
 * POSTs the same body twice gets one Workflow.
 * @example hookEventId("motion-alerts", { camera: "gate-01" }) // "h-3f1c…" (34 characters)
 */
export function hookEventId(hook: string, body: unknown): string {
  return `h-${createHash("sha256").update(`${hook}\n${canonicalJson(body)}`).digest("hex").slice(0, 32)}`;
}

/**
 * Builds a HookEvent; `id` is the Idempotency-Key when the client sent one.
 * @example createHookEvent({ hook: "motion-alerts", body, id: req.header("idempotency-key") })
 */
export function createHookEvent(input: { hook: string; body: unknown; id?: string; receivedAt?: string | Date }): HookEvent {
  const receivedAt =
    input.receivedAt === undefined ? new Date().toISOString() : typeof input.receivedAt === "string" ? input.receivedAt : input.receivedAt.toISOString();
  return {
    source: "webhook",
    id: input.id ?? hookEventId(input.hook, input.body),
    hook: input.hook,
    body: input.body,
    receivedAt,
  };
}

/**
 * Validates `{"hook": NAME, "body": ..., "id"?, "receivedAt"?}` and builds the event.
 * @throws BadEventError saying which field is wrong
 */
export function parseHookEvent(value: unknown, opts: { subject?: string } = {}): HookEvent {
  const r = hookInputSchema.safeParse(value, { error: eventErrorMap });
  if (!r.success) throw new BadEventError(`bad webhook event: ${describeIssues(r.error.issues)}`, opts.subject);
  return createHookEvent(r.data);
}
