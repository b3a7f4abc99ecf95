/**
 * @module gateway/live-pipeline-routes — the composer's routes with FRAMEGATE_RULES_SOURCE=kubernetes
 * (live-pipelines.ts does the work): `GET /api/pipelines/:name` (spec, resourceVersion, YAML),
 * `POST /api/pipelines/:name/diff`, `PUT /api/pipelines/:name` (`If-Match: "<resourceVersion>"` replaces,
 * `If-None-Match: *` creates), `DELETE /api/pipelines/:name` (`If-Match` required) and
 * `POST /api/pipelines/:name/suspend|resume`. Mounted under `/api`, behind the API token; writes also need
 * FRAMEGATE_ALLOW_RULE_WRITES.
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { bodyText, parseBodyAs, readBodyCapped } from "./body-limit.js";
import { invalidDraft, refuseWrite } from "./compose.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { HttpError } from "./http-error.js";
import type { LivePipelines, LiveWriteResult, SaveOrigin } from "./live-pipelines.js";
import type { GatewayEnv } from "./request-context.js";

const saveBody = z.strictObject({
  /** the draft: one Pipeline document, YAML text */
  yaml: z.string().min(1, "must hold the pipeline's YAML text"),
  /** the YAML as the editor opened it (GET's `yaml`), so a conflict can show what the other side changed */
  base: z.string().optional(),
});

const diffBody = saveBody.extend({ resourceVersion: z.string().optional() });

/** `"123"`, `W/"123"` or `123` -> `123`; `*` and absent -> undefined. */
export function etagValue(header: string | undefined): string | undefined {
  const v = header?.trim();
  if (!v || v === "*") return undefined;
  return v.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function generationParam(v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (!/^\d{1,15}$/.test(v)) throw new HttpError(400, `generation must be the resource's metadata.generation (a whole number), got "${v.slice(0, 40)}"`);
  return Number(v);
}

/** The client's address (the socket's; a proxy's `X-Forwarded-For` noted as such) and user agent. */
function origin(c: Context<GatewayEnv>): SaveOrigin {
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    // app.request() in tests has no socket
  }
  const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
  if (forwarded) address = `${address ?? "unknown"} for ${forwarded.slice(0, 64)}`;
  const o: SaveOrigin = {};
  if (address) o.address = address;
  const ua = c.req.header("user-agent");
  if (ua) o.userAgent = ua;
  return o;
}

/** The HTTP answer to each outcome (and its count in `framegate_pipeline_writes_total`). */
function answer(c: Context<GatewayEnv>, deps: ResolvedGatewayDeps, r: LiveWriteResult, what: string) {
  deps.metrics.pipelineWrites.inc({ action: what, outcome: r.outcome });
  const log = c.get("log");
  switch (r.outcome) {
    case "saved":
      log.info({ pipeline: r.pipeline.name, resourceVersion: r.pipeline.resourceVersion, created: r.created, what }, "pipeline written from the composer");
      c.header("ETag", `"${r.pipeline.resourceVersion}"`);
      return c.json({ ok: true, created: r.created, pipeline: r.pipeline }, r.created ? 201 : 200);
    case "deleted":
      log.info({ pipeline: r.name }, "pipeline deleted from the composer");
      return c.json({ ok: true, deleted: r.name });
    case "invalid":
      return invalidDraft(c, r.issues);
    case "conflict":
      log.info({ pipeline: r.current.name, resourceVersion: r.current.resourceVersion, what }, "composer write refused: the Pipeline changed since it was opened");
      return c.json({ ok: false, reason: r.outcome, error: r.message, current: r.current, ...r.report }, 409);
    default:
      return refuseWrite(c, r.outcome, r.message);
  }
}

/** Routes under `/api` for editing Pipeline resources. */
export function livePipelineRoutes(deps: ResolvedGatewayDeps & { livePipelines: LivePipelines }): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const live = deps.livePipelines;

  app.get("/pipelines/:name", async (c) => {
    const p = await live.open(c.req.param("name"));
    if (!p) return c.json({ error: `no Pipeline ${c.req.param("name")} in the gateway's namespace; GET /api/pipelines lists them` }, 404);
    c.header("ETag", `"${p.resourceVersion}"`);
    return c.json(p);
  });

  app.post("/pipelines/:name/diff", async (c) => {
    const body = parseBodyAs(diffBody, bodyText(await readBodyCapped(c.req.raw, deps.maxBodyBytes)), '{"yaml": "<draft>", "resourceVersion": "<as opened>"}');
    const r = await live.diff(c.req.param("name"), body.yaml, body.resourceVersion);
    if ("outcome" in r) return c.json({ ok: false, reason: r.outcome, error: r.message }, r.outcome === "not-found" ? 404 : 400);
    return c.json(r);
  });

  app.put("/pipelines/:name", async (c) => {
    const body = parseBodyAs(saveBody, bodyText(await readBodyCapped(c.req.raw, deps.maxBodyBytes)), '{"yaml": "<draft>", "base": "<YAML as opened>"} with If-Match: "<resourceVersion>" (or If-None-Match: * to create)');
    const create = c.req.header("if-none-match")?.trim() === "*";
    const ifMatch = etagValue(c.req.header("if-match"));
    const r = await live.save(c.req.param("name"), body.yaml, { create, from: origin(c), ...(ifMatch !== undefined ? { ifMatch } : {}), ...(body.base !== undefined ? { base: body.base } : {}) });
    return answer(c, deps, r, create ? "create" : "replace");
  });

  // ?generation=<n>: the generation the client saw; a resourceVersion moved on by status writes alone is no conflict
  app.delete("/pipelines/:name", async (c) => answer(c, deps, await live.remove(c.req.param("name"), etagValue(c.req.header("if-match")), generationParam(c.req.query("generation"))), "delete"));

  for (const [action, suspend] of [["suspend", true], ["resume", false]] as const) {
    app.post(`/pipelines/:name/${action}`, async (c) =>
      answer(c, deps, await live.setSuspended(c.req.param("name"), suspend, etagValue(c.req.header("if-match")), origin(c), generationParam(c.req.query("generation"))), action),
    );
  }

  return app;
}
