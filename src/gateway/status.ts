/**
 * @module gateway/status — the JSON status API: framegate's Workflows (`GET /api/workflows`), the cameras
 * seen (`GET /api/cameras`) and the service catalog for the composer (`GET /api/services`). Behind
 * `FRAMEGATE_API_TOKEN` like the rest of `/api`; the live stream is gateway/status-stream.ts.
 */
import { Hono } from "hono";
import type { WorkflowChange, WorkflowRow } from "../workflows/workflow-status.js";
import { PHASE_FILTERS } from "../workflows/workflow-status.js";
import { requireBearer } from "./auth.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { HttpError } from "./http-error.js";
import { parseLimit } from "./limit-param.js";
import type { GatewayEnv } from "./request-context.js";
import { summarizeCatalog } from "./service-summary.js";

/** Largest `limit` of `GET /api/workflows`. */
export const MAX_WORKFLOWS_LIMIT = 10_000;
/** Largest `limit` of `GET /api/cameras`; without one, this many. */
export const MAX_CAMERAS_LIMIT = 100_000;

/** A Workflow row as the API shows it: `argoUrl` when the Argo UI is configured. */
export type WorkflowView = WorkflowRow & { argoUrl?: string };

/** A Workflow's page in the Argo UI at `argoUiUrl`: `<argoUiUrl>/workflows/<namespace>/<name>`. */
export function argoWorkflowUrl(argoUiUrl: string, namespace: string, name: string): string {
  return `${argoUiUrl.replace(/\/+$/, "")}/workflows/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
}

/** Adds `argoUrl` when `argoUiUrl` is set. */
export function workflowView(row: WorkflowRow, argoUiUrl: string | undefined): WorkflowView {
  if (!argoUiUrl) return row;
  return { ...row, argoUrl: argoWorkflowUrl(argoUiUrl, row.namespace, row.name) };
}

/** A Workflow change as the stream sends it: the row, `change` (added, updated, deleted) and the phase before. */
export function workflowChangeView(c: WorkflowChange, argoUiUrl: string | undefined): WorkflowView & { change: WorkflowChange["type"]; previousPhase?: string } {
  return { ...workflowView(c.workflow, argoUiUrl), change: c.type, ...(c.previousPhase !== undefined && { previousPhase: c.previousPhase }) };
}

function unavailable(what: string): HttpError {
  return new HttpError(503, `${what} is not available: this gateway was started without the Workflow informer (framegate serve wires it; check its log for Kubernetes errors)`);
}

/**
 * Routes under `/api` for status. Each carries the bearer guard itself (no `use("*")`), so that mounting
 * these routes cannot put a guard in front of routes of other files.
 */
export function statusRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const guard = requireBearer(deps.apiToken, "FRAMEGATE_API_TOKEN");

  app.get("/workflows", guard, (c) => {
    const workflows = deps.workflows;
    if (!workflows) throw unavailable("GET /api/workflows");
    const limit = parseLimit(c.req.query("limit"), 100, MAX_WORKFLOWS_LIMIT);
    const phase = c.req.query("phase") || undefined;
    if (phase !== undefined && !(PHASE_FILTERS as readonly string[]).includes(phase.toLowerCase())) {
      throw new HttpError(400, `phase must be one of ${PHASE_FILTERS.join(", ")} (any case), got ${JSON.stringify(phase.slice(0, 40))}`);
    }
    const pipeline = c.req.query("pipeline") || undefined;
    const camera = c.req.query("camera") || undefined;
    const rows = workflows.list({ limit, ...(pipeline && { pipeline }), ...(camera && { camera }), ...(phase && { phase }) });
    return c.json({ workflows: rows.map((r) => workflowView(r, deps.argoUiUrl)), counts: workflows.counts(), synced: workflows.synced });
  });

  app.get("/cameras", guard, (c) => {
    const cameras = deps.cameras;
    if (!cameras) throw unavailable("GET /api/cameras");
    const limit = parseLimit(c.req.query("limit"), MAX_CAMERAS_LIMIT, MAX_CAMERAS_LIMIT);
    return c.json({ cameras: cameras.list(limit), total: cameras.size });
  });

  app.get("/services", guard, (c) => {
    const catalog = deps.rules().ruleSet?.catalog;
    return c.json({ services: catalog ? summarizeCatalog(catalog.values()) : [] });
  });

  return app;
}
