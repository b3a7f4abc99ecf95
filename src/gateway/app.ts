/**
 * @module gateway/app — the Hono app: webhooks in, JSON API, health and metrics. It holds no state of
 * its own; everything comes in through {@link GatewayDeps}.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { apiRoutes } from "./api.js";
import { dashboardRoutes } from "./dashboard.js";
import { type GatewayDeps, resolveGatewayDeps } from "./deps.js";
import { hookRoutes } from "./hooks.js";
import { HttpError } from "./http-error.js";
import { opsRoutes } from "./ops.js";
import { resultsRoutes } from "./results-route.js";
import { type GatewayEnv, headerLimit, requestContext } from "./request-context.js";
import { statusRoutes } from "./status.js";
import { statusStreamRoutes } from "./status-stream.js";

/**
 * Builds the gateway's HTTP app. Serve it with `@hono/node-server` (`serve({ fetch: app.fetch, port })`),
 * or call `app.request()` in tests.
 * @example
 * const app = createGatewayApp({ publisher, hooks: parseHookSecrets(text), log, metrics, rules, match, recentEvents, readiness });
 * const res = await app.request("/healthz"); // 200 {"status":"ok"}
 */
export function createGatewayApp(input: GatewayDeps): Hono<GatewayEnv> {
  const deps = resolveGatewayDeps(input);
  if (deps.minioWebhookToken === undefined && deps.allowUnauthenticatedMinioWebhook) {
    deps.log.warn("no MinIO webhook token configured and FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK on: POST /hooks/minio accepts unauthenticated notifications");
  }
  if (deps.apiToken === undefined) deps.log.warn("no API token configured: /api/* is open to anyone who can reach the gateway");

  const app = new Hono<GatewayEnv>();
  app.use("*", requestContext(deps.log));
  app.use("*", headerLimit(deps.maxHeaderBytes));

  app.route("/hooks", hookRoutes(deps));
  // before apiRoutes: its guard applies to every /api/* route mounted after it, and /api/stream must also
  // take ?token= (EventSource cannot send headers). Status routes carry their own guards.
  app.route("/api", statusStreamRoutes(deps));
  app.route("/api", statusRoutes(deps));
  app.route("/api", resultsRoutes(deps));
  app.route("/api", apiRoutes(deps));
  app.route("/", opsRoutes(deps));
  app.route("/", dashboardRoutes(deps));

  app.notFound((c) =>
    c.json({ error: `no route for ${c.req.method} ${c.req.path}; the gateway serves POST /hooks/<name>, /api/pipelines, /api/match, /api/events, /api/workflows, /api/cameras, /api/results, /api/services, /api/stream, /healthz, /readyz, /metrics and the dashboard at /` }, 404),
  );

  app.onError((err, c) => {
    if (err instanceof HttpError) return c.json(err.code ? { error: err.message, code: err.code } : { error: err.message }, err.status, err.headers);
    if (err instanceof HTTPException) return c.json({ error: err.message || "bad request" }, err.status);
    (c.get("log") ?? deps.log).error({ err }, "unhandled error");
    return c.json({ error: `internal error; the gateway log has the details under request id ${c.get("requestId") ?? "(none)"}` }, 500);
  });

  return app;
}
