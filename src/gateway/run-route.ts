/**
 * @module gateway/run-route — `POST /api/pipelines/:name/run`: the same on-demand run as `framegate run`.
 * Body `{"bucket": "...", "key": "...", "force"?: false}`; answers 202 with what was published (the
 * Workflow's name among it), 404 for an unknown pipeline or object, 422 when the pipeline's trigger does
 * not match the object, 503 when the gateway has no MinIO identity to look objects up with.
 */
import { Hono } from "hono";
import { z } from "zod";
import { RunError, type RunRequest, type RunResult } from "../flow/run-object.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { HttpError } from "./http-error.js";
import { bodyText, parseBodyAs, readBodyCapped } from "./body-limit.js";
import type { GatewayEnv } from "./request-context.js";

const bodySchema = z.strictObject({
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
  force: z.boolean().default(false),
});

export function runRoutes(deps: ResolvedGatewayDeps & { runObject?: (r: RunRequest) => Promise<RunResult> }): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.post("/pipelines/:name/run", async (c) => {
    const run = deps.runObject;
    if (!run) {
      throw new HttpError(503, "on-demand runs need the gateway's MinIO identity to look objects up: set FRAMEGATE_MINIO_ENDPOINT, FRAMEGATE_MINIO_ACCESS_KEY and FRAMEGATE_MINIO_SECRET_KEY");
    }
    const body = parseBodyAs(bodySchema, bodyText(await readBodyCapped(c.req.raw, deps.maxBodyBytes)), '{"bucket": "raw", "key": "gate-01/a.jpg", "force": false}', { emptyIsObject: true });
    const pipeline = c.req.param("name");
    try {
      const result = await run({ pipeline, ...body });
      deps.log.info({ pipeline, bucket: result.bucket, key: result.key, eventId: result.eventId, workflow: result.workflow, force: result.force, duplicate: result.duplicate }, "on-demand run published over the API");
      return c.json(result, 202);
    } catch (e) {
      if (e instanceof RunError) throw new HttpError(e.status, e.message);
      throw e;
    }
  });
  return app;
}
