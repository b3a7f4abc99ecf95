/**
 * @module gateway/results-route — `GET /api/results` (processed frames with their detections, from the results
 * index: filters camera, pipeline, label, since, limit) and `GET /api/results/frame` (a frame or its thumbnail,
 * read through the gateway from MinIO with the results identity and a bounded cache). Only objects an indexed
 * result names are served: the route is no general window into MinIO.
 */
import { Hono } from "hono";
import { z } from "zod";
import { DURATION_RE, durationMs } from "../lib/duration.js";
import { ObjectReadError } from "../results/object-reader.js";
import type { ResultEntry } from "../results/result-entry.js";
import type { ResultsIndex } from "../results/results-index.js";
import type { FrameCache } from "../results/frame-cache.js";
import { requireBearer } from "./auth.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { HttpError } from "./http-error.js";
import type { GatewayEnv } from "./request-context.js";
import { argoWorkflowUrl } from "./status.js";

/** Default and largest `limit` of `GET /api/results`. */
export const DEFAULT_RESULTS_LIMIT = 50;
export const MAX_RESULTS_LIMIT = 500;

/** What the routes read: the index, and the frames when a results identity is configured. */
export interface ResultsApi {
  index: Pick<ResultsIndex, "query" | "names" | "labels" | "size" | "bytes" | "cameras" | "limits">;
  frames?: Pick<FrameCache, "get">;
}

const since = z
  .string()
  .refine((s) => DURATION_RE.test(s) || !Number.isNaN(Date.parse(s)), "must be a time (2026-05-01T12:00:00Z) or a duration back from now (15m, 24h, 7d)");

export const resultsQuerySchema = z.strictObject({
  camera: z.string().min(1).max(256).optional(),
  pipeline: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a pipeline name (a DNS-1123 label)").optional(),
  label: z.string().min(1).max(128).optional(),
  since: since.optional(),
  limit: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(1, `must be from 1 to ${MAX_RESULTS_LIMIT}`).max(MAX_RESULTS_LIMIT, `must be from 1 to ${MAX_RESULTS_LIMIT}`).default(DEFAULT_RESULTS_LIMIT),
});

const frameQuerySchema = z.strictObject({
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
  size: z.enum(["thumb", "full"]).default("thumb"),
});

function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>, example: string): z.infer<T> {
  const r = schema.safeParse(Object.fromEntries(Object.entries(query).filter(([, v]) => v !== "")));
  if (r.success) return r.data;
  const what = r.error.issues.map((i) => (i.code === "unrecognized_keys" ? `unknown parameter(s) ${i.keys.join(", ")}` : `${i.path.join(".")}: ${i.message}`));
  throw new HttpError(400, `${what.join("; ")} — for example ${example}`);
}

/** A result as the API returns it: the Workflow with `argoUrl` when the Argo UI is configured. */
export type ResultView = Omit<ResultEntry, "workflow"> & { workflow: ResultEntry["workflow"] & { argoUrl?: string } };

function view(e: ResultEntry, argoUiUrl: string | undefined): ResultView {
  if (!argoUiUrl) return e;
  return { ...e, workflow: { ...e.workflow, argoUrl: argoWorkflowUrl(argoUiUrl, e.workflow.namespace, e.workflow.name) } };
}

export function resultsRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const guard = requireBearer(deps.apiToken, "FRAMEGATE_API_TOKEN");
  const results = (): ResultsApi => {
    if (!deps.results) throw new HttpError(503, "the results index is not available: `framegate serve` opens it from the results stream (FRAMEGATE_RESULTS_STREAM); run `framegate setup` and check the gateway log");
    return deps.results;
  };

  app.get("/results", guard, (c) => {
    const { index } = results();
    const q = parseQuery(resultsQuerySchema, c.req.query(), "/api/results?camera=gate-01&label=person&since=1h&limit=20");
    const sinceMs = q.since === undefined ? undefined : DURATION_RE.test(q.since) ? Date.now() - durationMs(q.since) : Date.parse(q.since);
    const entries = index.query({ limit: q.limit, camera: q.camera, pipeline: q.pipeline, label: q.label, sinceMs });
    return c.json({
      results: entries.map((e) => view(e, deps.argoUiUrl)),
      index: { entries: index.size, cameras: index.cameras, bytes: index.bytes, limits: index.limits, labels: index.labels() },
      frames: deps.results?.frames !== undefined,
    });
  });

  app.get("/results/frame", guard, async (c) => {
    const { index, frames } = results();
    const q = parseQuery(frameQuerySchema, c.req.query(), "/api/results/frame?bucket=processed&key=people-detect/resize/gate-01/a.jpg&size=thumb");
    if (!frames) {
      throw new HttpError(503, "frames are not available: set FRAMEGATE_MINIO_RESULTS_ACCESS_KEY and FRAMEGATE_MINIO_RESULTS_SECRET_KEY (the identity `framegate setup` makes for reading pipeline outputs)");
    }
    if (!index.names(q.bucket, q.key)) throw new HttpError(404, `${q.bucket}/${q.key} is not a frame of any result in the index (only processed frames the index lists are served)`);
    try {
      const { body, contentType } = await frames.get(q.bucket, q.key, q.size);
      return c.body(new Uint8Array(body), 200, { "Content-Type": contentType, "Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff" });
    } catch (e) {
      if (!(e instanceof ObjectReadError)) throw e;
      (c.get("log") ?? deps.log).warn({ err: e, bucket: q.bucket, key: q.key }, "serving a result frame failed");
      const status = e.reason === "missing" ? 404 : e.reason === "too-large" ? 413 : 503;
      throw new HttpError(status, e.message);
    }
  });

  return app;
}
