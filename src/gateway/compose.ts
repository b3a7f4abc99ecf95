/**
 * @module gateway/compose — the routes behind the dashboard's pipeline composer: a dry run of a draft
 * (`POST /api/match/draft`) and saving it into the rules folder (`PUT /api/pipelines/:name`), and the answers
 * to a refused write shared with live-pipeline-routes.ts. Validation is `POST /api/validate` (api.ts). Mounted under
 * `/api`, so the API token guards them all.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { BadEventError, formatIssue, type Issue } from "../lib/errors.js";
import { parseEventInput } from "../triggers/parse-input.js";
import { sampleNotification } from "../triggers/sample-notification.js";
import { bodyText, parseBodyAs, readBodyCapped } from "./body-limit.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { HttpError } from "./http-error.js";
import type { GatewayEnv } from "./request-context.js";
import type { RuleDraftsApi } from "./rule-drafts.js";

/** Issues as the API returns them: the fields plus the `FILE:LINE:COL: path: message` line. */
export function issuesJson(issues: readonly Issue[]) {
  return issues.map((i) => ({ ...i, text: formatIssue(i) }));
}

/** The status of each way a composer write is refused, the same for the rules folder and Pipeline resources. */
const refusalStatus = { disabled: 403, "bad-name": 400, exists: 412, "not-found": 404, "precondition-required": 428, unwritable: 409 } as const;

/** The answer to a refused composer write: `{ ok: false, reason, error }` with the refusal's status. */
export function refuseWrite(c: Context<GatewayEnv>, reason: keyof typeof refusalStatus, message: string) {
  return c.json({ ok: false, reason, error: message }, refusalStatus[reason]);
}

/** The answer to a draft with problems (422, with the issues). */
export function invalidDraft(c: Context<GatewayEnv>, issues: readonly Issue[]) {
  return c.json({ ok: false, reason: "invalid", error: `not saved: ${issues.length} problem(s) in the pipeline; fix them (the issues say where) and save again`, issues: issuesJson(issues) }, 422);
}

const draftMatchBody = z
  .strictObject({
    /** the draft pipeline, YAML text */
    rules: z.string().min(1, "must hold the draft pipeline's YAML text"),
    /** event input as `framegate match` takes it: a MinIO notification or {"hook", "body"}, as an object or JSON text */
    event: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    /** or just an object: the notification MinIO would send for its upload is made up */
    object: z
      .strictObject({
        bucket: z.string().min(1),
        key: z.string().min(1),
        size: z.number().int().nonnegative().optional(),
        contentType: z.string().min(1).optional(),
        metadata: z.record(z.string(), z.string()).optional(),
      })
      .optional(),
  })
  .refine((b) => (b.event === undefined) !== (b.object === undefined), { message: 'send exactly one of "event" (a MinIO notification or {"hook", "body"}) or "object" ({"bucket", "key"})' });

function parseDraftMatch(text: string) {
  return parseBodyAs(draftMatchBody, text, '{"rules": "<YAML>", "event": {...}} or {"rules": "<YAML>", "object": {"bucket": "raw", "key": "cam-1/a.jpg"}}');
}

/** Routes under `/api` for the composer; registered only when `deps.drafts` is set. */
export function composeRoutes(deps: ResolvedGatewayDeps & { drafts: RuleDraftsApi }): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const drafts = deps.drafts;

  app.post("/match/draft", async (c) => {
    const body = parseDraftMatch(bodyText(await readBodyCapped(c.req.raw, deps.maxBodyBytes)));
    let events;
    try {
      const input = body.object ? JSON.stringify(sampleNotification(body.object)) : typeof body.event === "string" ? body.event : JSON.stringify(body.event);
      events = parseEventInput(input);
    } catch (err) {
      if (err instanceof BadEventError) throw new HttpError(400, `event: ${err.message}`, {}, { cause: err });
      throw err;
    }
    const r = await drafts.match(body.rules, events);
    if (!r.ok) return c.json({ ok: false, error: "the draft is not a valid pipeline; fix the issues and try again", issues: issuesJson(r.issues) }, 422);
    return c.json(r);
  });

  // with Pipeline resources, live-pipeline-routes.ts saves instead
  if (!deps.livePipelines) app.put("/pipelines/:name", async (c) => {
    const name = c.req.param("name");
    const text = bodyText(await readBodyCapped(c.req.raw, deps.maxBodyBytes));
    const createOnly = c.req.header("if-none-match")?.trim() === "*";
    const r = await drafts.save(name, text, { createOnly });
    const log = c.get("log");
    switch (r.outcome) {
      case "saved":
        log.info({ file: r.file, created: r.created }, "pipeline saved from the composer");
        return c.json({ ok: true, file: r.file, created: r.created, reload: r.reload ? { changed: r.reload.changed, issues: issuesJson(r.reload.issues) } : null }, r.created ? 201 : 200);
      case "invalid":
        return invalidDraft(c, r.issues);
      default:
        return refuseWrite(c, r.outcome, r.message);
    }
  });

  return app;
}
