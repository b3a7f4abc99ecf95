import { describe, expect, it } from "vitest";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";
import { signBody } from "./auth.js";
import { HMAC_SECRET } from "../../test/fakes/gateway-deps.js";

describe("GET /healthz", () => {
  it("answers 200 ok even when not ready", async () => {
    const app = createGatewayApp(makeDeps({ readiness: async () => ({ ready: false, checks: { nats: { ok: false } } }) }));
    const res = await app.request("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});

describe("GET /readyz", () => {
  it("answers 200 with the checks when ready", async () => {
    const checks = { nats: { ok: true }, rules: { ok: true, detail: "3 pipelines" } };
    const app = createGatewayApp(makeDeps({ readiness: async () => ({ ready: true, checks }) }));
    const res = await app.request("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, checks });
  });

  it("answers 503 with the failing check's detail", async () => {
    const checks = { nats: { ok: false, detail: "no connection to nats://nats:4222 (ECONNREFUSED)" }, rules: { ok: true } };
    const app = createGatewayApp(makeDeps({ readiness: async () => ({ ready: false, checks }) }));
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ready: false, checks });
  });

  it("answers 503 when the check itself throws", async () => {
    const app = createGatewayApp(
      makeDeps({
        readiness: async () => {
          throw new Error("kube probe timed out");
        },
      }),
    );
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    const json = (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> };
    expect(json.ready).toBe(false);
    expect(json.checks.readiness?.ok).toBe(false);
    expect(json.checks.readiness?.detail).toMatch(/kube probe timed out/);
  });
});

describe("GET /metrics", () => {
  it("serves the registry in Prometheus text format, hook counters included", async () => {
    const deps = makeDeps();
    const app = createGatewayApp(deps);
    await app.request("/hooks/motion", { method: "POST", body: "{}", headers: { "X-Framegate-Signature": signBody(HMAC_SECRET, "{}") } });
    deps.metrics.eventsMatched.inc({ pipeline: "people-detect" }, 3);
    const res = await app.request("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("# TYPE framegate_hook_requests_total counter");
    expect(text).toContain('framegate_hook_requests_total{hook="motion",code="202"} 1');
    expect(text).toContain('framegate_events_matched_total{pipeline="people-detect"} 3');
  });
});
