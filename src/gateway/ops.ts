/** @module gateway/ops — liveness, readiness and Prometheus metrics for Kubernetes probes and scrapers. */
import { Hono } from "hono";
import type { ResolvedGatewayDeps } from "./deps.js";
import type { GatewayEnv } from "./request-context.js";

/** `/healthz`, `/readyz`, `/metrics`. */
export function opsRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  // Liveness: the process serves HTTP. Dependencies belong to readiness, or a NATS outage restarts every pod.
  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    try {
      const r = await deps.readiness();
      return c.json({ ready: r.ready, checks: r.checks }, r.ready ? 200 : 503);
    } catch (err) {
      c.get("log").warn({ err }, "readiness check threw");
      const detail = err instanceof Error ? err.message : String(err);
      return c.json({ ready: false, checks: { readiness: { ok: false, detail: `the readiness check itself failed: ${detail}` } } }, 503);
    }
  });

  app.get("/metrics", async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { "Content-Type": deps.metrics.registry.contentType });
  });

  return app;
}
