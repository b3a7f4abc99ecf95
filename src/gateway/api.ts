/**
 * @module gateway/api — the JSON API the dashboard and operators use: pipelines, dry-run match,
 * recent events, rule validation. Behind `FRAMEGATE_API_TOKEN` when it is set.
 */
import { Hono } from "hono";
import { replayRoutes } from "./replay-route.js";
import { runRoutes } from "./run-route.js";
import { BadEventError, formatIssue } from "../lib/errors.js";
import { requireBearer } from "./auth.js";
import { bodyText, readBodyCapped } from "./body-limit.js";
import { composeRoutes } from "./compose.js";
import { livePipelineRoutes } from "./live-pipeline-routes.js";
import { dashboardApiRoutes } from "./dashboard.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { HttpError } from "./http-error.js";
import { parseLimit } from "./limit-param.js";
import { summarizePipeline } from "./pipeline-summary.js";
import type { GatewayEnv } from "./request-context.js";
import { statsRoutes } from "./stats.js";

/** Largest `limit` `GET /api/events` takes. */
export const MAX_EVENTS_LIMIT = 10_000;
/** `limit` when none is given. */
export const DEFAULT_EVENTS_LIMIT = 100;


/** Routes under `/api`. */
export function apiRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.use("*", requireBearer(deps.apiToken, "FRAMEGATE_API_TOKEN"));

  app.get("/pipelines", (c) => {
    const state = deps.rules();
    return c.json({
      pipelines: (state.ruleSet?.pipelines ?? []).map(summarizePipeline),
      issues: state.issues.map((i) => ({ ...i, text: formatIssue(i) })),
      loadedAt: state.loadedAt ?? null,
      source: deps.livePipelines ? "kubernetes" : "files",
      // every Pipeline resource with its status, refused and suspended ones too
      ...(deps.livePipelines ? { resources: deps.livePipelines.list() } : {}),
    });
  });

  app.post("/match", async (c) => {
    const text = bodyText(await readBodyCapped(c.req.raw, deps.maxBodyBytes));
    try {
      return c.json(await deps.match(text));
    } catch (err) {
      if (err instanceof BadEventError) throw new HttpError(400, err.message, {}, { cause: err });
      throw err;
    }
  });

  app.get("/events", (c) => {
    const limit = parseLimit(c.req.query("limit"), DEFAULT_EVENTS_LIMIT, MAX_EVENTS_LIMIT);
    const pipeline = c.req.query("pipeline") || undefined;
    const camera = c.req.query("camera") || undefined;
    const events = deps.recentEvents.list({ limit, ...(pipeline && { pipeline }), ...(camera && { camera }) });
    return c.json({ events });
  });

  const validate = deps.validateRules;
  if (validate) {
    app.post("/validate", async (c) => {
      const text = bodyText(await readBodyCapped(c.req.raw, deps.maxBodyBytes));
      const issues = await validate(text);
      return c.json({ ok: issues.length === 0, issues: issues.map((i) => ({ ...i, text: formatIssue(i) })) });
    });
  }

  app.route("/", statsRoutes(deps));
  app.route("/", dashboardApiRoutes(deps));
  const replay = deps.replay;
  if (replay) app.route("/", replayRoutes({ ...deps, replay }));
  app.route("/", runRoutes(deps));
  const livePipelines = deps.livePipelines;
  if (livePipelines) app.route("/", livePipelineRoutes({ ...deps, livePipelines }));
  const drafts = deps.drafts;
  if (drafts) app.route("/", composeRoutes({ ...deps, drafts }));

  return app;
}
