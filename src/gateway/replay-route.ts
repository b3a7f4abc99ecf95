/**
 * @module gateway/replay-route — `POST /api/replay`: the same re-drive as `framegate replay`, for
 * operators without shell access. Body: `{"from": "dlq"|"range", "kind"?, "pipeline"?, "since"?,
 * "until"?, "limit"?, "dryRun"?}`; answers with what was (or would be) replayed.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { ReplayFilter, ReplayResult } from "../triggers/replay.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { bodyText, parseBodyAs, readBodyCapped } from "./body-limit.js";
import type { GatewayEnv } from "./request-context.js";

const bodySchema = z.strictObject({
  from: z.enum(["dlq", "range"]).default("dlq"),
  kind: z.enum(["bad-event", "rejected", "exhausted"]).optional(),
  pipeline: z.string().max(63).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().positive().max(100_000).optional(),
  dryRun: z.boolean().default(false),
});

export function replayRoutes(deps: ResolvedGatewayDeps & { replay: (f: ReplayFilter) => Promise<ReplayResult> }): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.post("/replay", async (c) => {
    const b = parseBodyAs(bodySchema, bodyText(await readBodyCapped(c.req.raw, deps.maxBodyBytes)), '{"from": "dlq", "kind": "rejected", "dryRun": true}', { emptyIsObject: true });
    const result = await deps.replay({
      from: b.from,
      kind: b.kind,
      pipeline: b.pipeline,
      since: b.since ? new Date(b.since) : undefined,
      until: b.until ? new Date(b.until) : undefined,
      limit: b.limit,
      dryRun: b.dryRun,
    });
    deps.log.info({ from: b.from, kind: b.kind, pipeline: b.pipeline, replayed: result.replayed, dryRun: b.dryRun }, "replay requested over the API");
    return c.json(result);
  });
  return app;
}
