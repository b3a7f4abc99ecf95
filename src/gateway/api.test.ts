import { describe, expect, it } from "vitest";
import { BadEventError, type Issue } from "../lib/errors.js";
import type { CompiledPipeline, RuleSet } from "../rules/types.js";
import { pipelineSchema } from "../rules/schema.js";
import { selectDurations } from "../rules/compile-pipeline.js";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";
import type { MatchResult } from "./deps.js";

function compiled(doc: unknown, file: string, by: string): CompiledPipeline {
  const pipeline = pipelineSchema.parse(doc);
  return { name: pipeline.metadata.name, file, spec: pipeline.spec, pipeline, by, durations: selectDurations(pipeline.spec.select) };
}

const detect = compiled(
  {
    apiVersion: "framegate.io/v1alpha1",
    kind: "Pipeline",
    metadata: { name: "people-detect" },
    spec: {
      description: "Look for people at the gate",
      trigger: { bucket: "raw", key: "{camera}/**/*.jpg" },
      select: { sample: "5s" },
      limits: { maxInFlight: 20 },
      workflow: {
        serviceAccountName: "framegate-runner",
        steps: [
          { name: "resize", service: "resize", params: { width: "640" } },
          { name: "detect", service: "detect", after: ["resize"], nodeSelector: { hardware: "gpu" } },
        ],
        parameters: { camera: "{camera}" },
      },
    },
  },
  "pipelines/people-detect.yaml",
  "{camera}",
);
const alerts = compiled(
  {
    apiVersion: "framegate.io/v1alpha1",
    kind: "Pipeline",
    metadata: { name: "motion-alerts" },
    spec: { trigger: { source: "webhook", hook: "motion" }, workflow: { namespace: "alerts", templateRef: "alert-template" } },
  },
  "pipelines/alerts.yaml",
  "{hook}",
);
const ruleSet: RuleSet = { pipelines: [detect, alerts], catalog: new Map(), files: ["pipelines/people-detect.yaml", "pipelines/alerts.yaml"] };
const issue: Issue = { file: "pipelines/broken.yaml", line: 4, col: 9, path: "spec.trigger.key", message: 'unclosed "{"' };

const API_TOKEN = "api-token-xyz";

describe("GET /api/pipelines", () => {
  it("lists each pipeline's settings with the workflow in brief, and the load issues", async () => {
    const loadedAt = "2024-05-01T12:00:00.000Z";
    const app = createGatewayApp(makeDeps({ rules: () => ({ ruleSet, issues: [issue], loadedAt }) }));
    const res = await app.request("/api/pipelines");
    expect(res.status).toBe(200);
    const json = (await res.json()) as { pipelines: Record<string, unknown>[]; issues: Record<string, unknown>[]; loadedAt: string };
    expect(json.loadedAt).toBe(loadedAt);
    expect(json.pipelines.map((p) => p.name)).toEqual(["people-detect", "motion-alerts"]);
    expect(json.pipelines[0]).toEqual({
      name: "people-detect",
      description: "Look for people at the gate",
      file: "pipelines/people-detect.yaml",
      trigger: {
        source: "minio",
        bucket: "raw",
        key: "{camera}/**/*.jpg",
        events: ["s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload"],
      },
      select: { sample: "5s", by: "{camera}" },
      limits: { maxInFlight: 20 },
      workflow: {
        namespace: "argo",
        serviceAccountName: "framegate-runner",
        steps: [
          { name: "resize", service: "resize", after: [] },
          { name: "detect", service: "detect", after: ["resize"] },
        ],
        parameters: { camera: "{camera}" },
      },
    });
    expect(json.pipelines[1]?.workflow).toEqual({ namespace: "alerts", templateRef: "alert-template", parameters: {} });
    expect(json.issues).toEqual([{ ...issue, text: 'pipelines/broken.yaml:4:9: spec.trigger.key: unclosed "{"' }]);
  });

  it("marks a suspended pipeline with suspended: true, and only that one", async () => {
    const held = { ...alerts, spec: { ...alerts.spec, suspend: true } };
    const app = createGatewayApp(makeDeps({ rules: () => ({ ruleSet: { ...ruleSet, pipelines: [detect, held] }, issues: [], loadedAt: "2024-05-01T12:00:00.000Z" }) }));
    const json = (await (await app.request("/api/pipelines")).json()) as { pipelines: Record<string, unknown>[] };
    expect(json.pipelines.map((p) => [p.name, p.suspended])).toEqual([
      ["people-detect", undefined],
      ["motion-alerts", true],
    ]);
  });

  it("shows the issues and no pipelines when no rule set ever loaded", async () => {
    const app = createGatewayApp(makeDeps({ rules: () => ({ issues: [issue] }) }));
    const json = (await (await app.request("/api/pipelines")).json()) as Record<string, unknown>;
    expect(json.pipelines).toEqual([]);
    expect(json.loadedAt).toBeNull();
    expect(json.issues).toHaveLength(1);
  });
});

describe("POST /api/match", () => {
  const result: MatchResult = { events: [], matches: [] };

  it("runs the dry run on the body text and returns its result", async () => {
    const seen: string[] = [];
    const full = { events: [{ source: "webhook", id: "x", hook: "motion", body: {}, receivedAt: "t" }], matches: [] } as unknown as MatchResult;
    const app = createGatewayApp(makeDeps({ match: (t) => (seen.push(t), full) }));
    const body = '{"hook":"motion","body":{"camera":"gate-1"}}';
    const res = await app.request("/api/match", { method: "POST", body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(full);
    expect(seen).toEqual([body]);
  });

  it("answers 400 with the BadEventError message for input that is not an event", async () => {
    const app = createGatewayApp(
      makeDeps({
        match: () => {
          throw new BadEventError('not an event: expected a MinIO notification or {"hook", "body"}');
        },
      }),
    );
    const res = await app.request("/api/match", { method: "POST", body: "[]" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'not an event: expected a MinIO notification or {"hook", "body"}' });
  });

  it("answers 500 with a JSON error, not the internal message, when the dry run fails otherwise", async () => {
    const app = createGatewayApp(
      makeDeps({
        match: async () => {
          throw new Error("renderer exploded at /secret/path");
        },
      }),
    );
    const res = await app.request("/api/match", { method: "POST", body: "{}", headers: { "X-Request-Id": "req-500" } });
    expect(res.status).toBe(500);
    const json = (await res.json()) as { error: string };
    expect(json.error).toMatch(/internal error.*request id req-500/);
    expect(json.error).not.toContain("exploded");
  });

  it("caps the body", async () => {
    const app = createGatewayApp(makeDeps({ match: () => result, maxBodyBytes: 10 }));
    const res = await app.request("/api/match", { method: "POST", body: '{"hook":"x","body":{}}' });
    expect(res.status).toBe(413);
  });
});

describe("GET /api/events", () => {
  function withEvents() {
    const deps = makeDeps();
    for (let n = 1; n <= 5; n++) {
      deps.recentEvents.push({
        receivedAt: `2024-05-01T12:00:0${n}.000Z`,
        source: "minio",
        id: `e${n}`,
        camera: n % 2 ? "gate-1" : "gate-2",
        matches: n === 3 ? [{ pipeline: "people-detect", outcome: "created", workflow: "people-detect-x" }] : [],
      });
    }
    return createGatewayApp(deps);
  }
  const ids = async (res: Response) => ((await res.json()) as { events: { id: string }[] }).events.map((e) => e.id);

  it("lists recent events newest first, with limit, camera and pipeline filters", async () => {
    const app = withEvents();
    expect(await ids(await app.request("/api/events"))).toEqual(["e5", "e4", "e3", "e2", "e1"]);
    expect(await ids(await app.request("/api/events?limit=2"))).toEqual(["e5", "e4"]);
    expect(await ids(await app.request("/api/events?camera=gate-2"))).toEqual(["e4", "e2"]);
    expect(await ids(await app.request("/api/events?pipeline=people-detect"))).toEqual(["e3"]);
  });

  it.each(["0", "-1", "abc", "1.5", "10001"])("answers 400 for limit=%s", async (limit) => {
    const res = await withEvents().request(`/api/events?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/limit must be a whole number from 1 to 10000/);
  });
});

describe("POST /api/validate", () => {
  it("returns the issues of the rule text when validation is wired", async () => {
    const app = createGatewayApp(makeDeps({ validateRules: (t) => (t.includes("{camera") ? [issue] : []) }));
    const bad = (await (await app.request("/api/validate", { method: "POST", body: "key: {camera" })).json()) as Record<string, unknown>;
    expect(bad.ok).toBe(false);
    expect(bad.issues).toEqual([{ ...issue, text: formatted(issue) }]);
    const good = (await (await app.request("/api/validate", { method: "POST", body: "key: x" })).json()) as Record<string, unknown>;
    expect(good).toEqual({ ok: true, issues: [] });
  });

  it("is absent (404 JSON) when no validator is wired", async () => {
    const res = await createGatewayApp(makeDeps()).request("/api/validate", { method: "POST", body: "x" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toMatch(/no route for POST \/api\/validate/);
  });
});

function formatted(i: Issue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.path}: ${i.message}`;
}

describe("API token", () => {
  const routes: [string, RequestInit][] = [
    ["/api/pipelines", {}],
    ["/api/events", {}],
    ["/api/match", { method: "POST", body: "{}" }],
  ];

  it.each(routes)("%s needs the bearer token when FRAMEGATE_API_TOKEN is set", async (path, init) => {
    const app = createGatewayApp(makeDeps({ apiToken: API_TOKEN }));
    const none = await app.request(path, init);
    expect(none.status).toBe(401);
    expect(none.headers.get("WWW-Authenticate")).toBe("Bearer");
    expect(((await none.json()) as { error: string }).error).toMatch(/missing credentials.*FRAMEGATE_API_TOKEN/);

    const wrong = await app.request(path, { ...init, headers: { Authorization: "Bearer api-token-xy" } });
    expect(wrong.status).toBe(401);
    const wrongError = ((await wrong.json()) as { error: string }).error;
    expect(wrongError).toMatch(/not FRAMEGATE_API_TOKEN/);
    expect(wrongError).not.toContain(API_TOKEN);

    const ok = await app.request(path, { ...init, headers: { Authorization: `bearer ${API_TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it("leaves the API open when no token is set", async () => {
    const res = await createGatewayApp(makeDeps()).request("/api/pipelines");
    expect(res.status).toBe(200);
  });

  it("does not guard health, readiness or metrics", async () => {
    const app = createGatewayApp(makeDeps({ apiToken: API_TOKEN }));
    for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await app.request(path)).status).toBe(200);
  });
});
