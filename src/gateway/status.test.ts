import { describe, expect, it } from "vitest";
import { CameraRegistry } from "../status/cameras.js";
import type { ProcessedEvent } from "../status/processed-event.js";
import { linkStatus } from "../status/live-status.js";
import { StatusFeed } from "../status/status-feed.js";
import { serviceSchema } from "../rules/catalog-schema.js";
import type { RuleSet } from "../rules/types.js";
import { WorkflowIndex } from "../workflows/workflow-index.js";
import type { WatchedWorkflow } from "../workflows/workflow-row.js";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";
import type { GatewayDeps } from "./deps.js";

const API_TOKEN = "api-token-0123456789abcdef";
const T0 = Date.parse("2024-05-01T12:00:00.000Z");

function wf(name: string, phase: string | undefined, o: { camera?: string; pipeline?: string; created?: string } = {}): WatchedWorkflow {
  return {
    metadata: {
      name,
      namespace: "argo",
      creationTimestamp: o.created ?? "2024-05-01T12:00:00Z",
      labels: { "app.kubernetes.io/managed-by": "framegate", "framegate.io/pipeline": o.pipeline ?? "people-detect" },
      annotations: o.camera ? { "framegate.io/camera": o.camera } : {},
    },
    ...(phase && { status: { phase } }),
  };
}

function report(id: string, camera: string): ProcessedEvent {
  return { receivedAt: "2024-05-01T12:00:00.000Z", source: "minio", id, bucket: "raw", key: `${camera}/${id}.jpg`, camera, matches: [{ pipeline: "people-detect", workflow: `wf-${id}`, outcome: "created" }] };
}

/** The real index, registry and feed, linked as serve links them, with a fixed clock. */
function statusDeps(overrides: Partial<GatewayDeps> = {}) {
  const workflows = new WorkflowIndex();
  const cameras = new CameraRegistry({ now: () => T0 });
  const feed = new StatusFeed();
  const linked = linkStatus(workflows, cameras, feed);
  const deps = makeDeps({ workflows, cameras, status: feed, ...overrides });
  return { workflows, cameras, feed, linked, deps, app: createGatewayApp(deps) };
}

describe("GET /api/workflows", () => {
  it("lists Workflows newest first with counts, sync state and a link into the Argo UI", async () => {
    const { workflows, app } = statusDeps({ argoUiUrl: "https://argo.example.com/" });
    workflows.apply("added", wf("wf-old", "Succeeded", { camera: "gate-1", created: "2024-05-01T11:00:00Z" }));
    workflows.apply("added", wf("wf-new", "Running", { camera: "gate-2" }));
    workflows.setSynced(true);
    const res = await app.request("/api/workflows");
    expect(res.status).toBe(200);
    const json = (await res.json()) as { workflows: Record<string, unknown>[]; counts: unknown; synced: boolean };
    expect(json.synced).toBe(true);
    expect(json.workflows.map((w) => w.name)).toEqual(["wf-new", "wf-old"]);
    expect(json.workflows[0]).toEqual({
      name: "wf-new",
      namespace: "argo",
      pipeline: "people-detect",
      camera: "gate-2",
      phase: "Running",
      createdAt: "2024-05-01T12:00:00Z",
      events: 1,
      argoUrl: "https://argo.example.com/workflows/argo/wf-new",
    });
    expect(json.counts).toEqual({ "people-detect": { pending: 0, running: 1, succeeded: 1, failed: 0 } });
  });

  it("filters by pipeline, camera, phase and limit, and has no argoUrl without FRAMEGATE_ARGO_UI_URL", async () => {
    const { workflows, app } = statusDeps();
    workflows.apply("added", wf("a", "Failed", { camera: "gate-1", created: "2024-05-01T10:00:00Z" }));
    workflows.apply("added", wf("b", "Error", { camera: "gate-1", created: "2024-05-01T11:00:00Z" }));
    workflows.apply("added", wf("c", undefined, { camera: "gate-2", pipeline: "other" }));
    const names = async (q: string) => ((await (await app.request(`/api/workflows?${q}`)).json()) as { workflows: { name: string; argoUrl?: string }[] }).workflows;
    expect((await names("phase=failed")).map((w) => w.name)).toEqual(["b", "a"]);
    expect((await names("phase=Failed")).map((w) => w.name)).toEqual(["b", "a"]);
    expect((await names("phase=error")).map((w) => w.name)).toEqual(["b"]);
    expect((await names("phase=pending")).map((w) => w.name)).toEqual(["c"]);
    expect((await names("pipeline=other")).map((w) => w.name)).toEqual(["c"]);
    expect((await names("camera=gate-1&limit=1")).map((w) => w.name)).toEqual(["b"]);
    expect((await names("")).every((w) => w.argoUrl === undefined)).toBe(true);
  });

  it("refuses a bad limit or phase with a message saying what is allowed", async () => {
    const { app } = statusDeps();
    const bad = await app.request("/api/workflows?limit=0");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/limit must be a whole number from 1 to 10000/);
    const phase = await app.request("/api/workflows?phase=done");
    expect(phase.status).toBe(400);
    expect(((await phase.json()) as { error: string }).error).toMatch(/phase must be one of pending, running, succeeded, failed, error, unfinished, finished/);
  });

  it("answers 503 when the gateway runs without the informer", async () => {
    const app = createGatewayApp(makeDeps());
    for (const path of ["/api/workflows", "/api/cameras", "/api/stream"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(503);
      expect(((await res.json()) as { error: string }).error, path).toMatch(/not available/);
    }
  });
});

describe("GET /api/cameras", () => {
  it("lists cameras from processed events and Workflow changes, latest first", async () => {
    const { linked, workflows, app } = statusDeps();
    linked.recordEvent(report("e1", "gate-1"));
    linked.recordEvent(report("e2", "gate-2"));
    workflows.apply("added", wf("w1", "Pending", { camera: "gate-1" }));
    workflows.apply("updated", wf("w1", "Failed", { camera: "gate-1" }));
    const res = await app.request("/api/cameras");
    expect(res.status).toBe(200);
    const json = (await res.json()) as { cameras: Record<string, unknown>[]; total: number };
    expect(json.total).toBe(2);
    expect(json.cameras.map((c) => c.camera)).toEqual(["gate-1", "gate-2"]);
    expect(json.cameras[0]).toEqual({
      camera: "gate-1",
      firstSeen: "2024-05-01T12:00:00.000Z",
      lastSeen: "2024-05-01T12:00:00.000Z",
      frames: 1,
      framesPerMinute: 1,
      workflows: 1,
      failures: 1,
      lastKey: "gate-1/e1.jpg",
    });
    const one = (await (await app.request("/api/cameras?limit=1")).json()) as { cameras: unknown[]; total: number };
    expect(one.cameras).toHaveLength(1);
    expect(one.total).toBe(2);
  });
});

describe("GET /api/services", () => {
  it("lists the catalog by category with each service's parameters for the composer", async () => {
    const service = (name: string, category: string, params: Record<string, unknown>) =>
      serviceSchema.parse({ apiVersion: "framegate.io/v1alpha1", kind: "ProcessingService", metadata: { name }, spec: { category, description: `${name} it`, image: `framegate/${name}:1`, command: ["run"], params } });
    const catalog = new Map([
      ["detect", service("detect", "ai", { model: { type: "enum", values: ["hog", "yolov8"], default: "hog" } })],
      ["resize", service("resize", "pre-processing", { width: { type: "integer", default: "640", description: "pixels" }, height: { type: "integer", required: true } })],
    ]);
    const ruleSet: RuleSet = { pipelines: [], catalog, files: [] };
    const app = createGatewayApp(makeDeps({ rules: () => ({ ruleSet, issues: [] }) }));
    const res = await app.request("/api/services");
    expect(res.status).toBe(200);
    const json = (await res.json()) as { services: Record<string, unknown>[] };
    expect(json.services.map((s) => s.name)).toEqual(["resize", "detect"]);
    expect(json.services[0]).toEqual({
      name: "resize",
      description: "resize it",
      category: "pre-processing",
      image: "framegate/resize:1",
      retries: 2,
      params: [
        { name: "width", type: "integer", required: false, default: "640", description: "pixels" },
        { name: "height", type: "integer", required: true },
      ],
    });
    expect(json.services[1]!.params).toEqual([{ name: "model", type: "enum", required: false, values: ["hog", "yolov8"], default: "hog" }]);
  });

  it("is an empty list while no rule set is loaded", async () => {
    const res = await createGatewayApp(makeDeps()).request("/api/services");
    expect(await res.json()).toEqual({ services: [] });
  });
});

describe("the API token on the status routes", () => {
  it("guards /api/workflows, /api/cameras and /api/services with the bearer token, never a ?token=", async () => {
    const { app } = statusDeps({ apiToken: API_TOKEN });
    for (const path of ["/api/workflows", "/api/cameras", "/api/services"]) {
      expect((await app.request(path)).status, path).toBe(401);
      expect((await app.request(`${path}?token=${API_TOKEN}`)).status, `${path}?token=`).toBe(401);
      expect((await app.request(path, { headers: { authorization: `Bearer ${API_TOKEN}` } })).status, path).toBe(200);
    }
    // and the query token does not open the other /api routes either
    expect((await app.request(`/api/pipelines?token=${API_TOKEN}`)).status).toBe(401);
  });

  it("takes /api/stream's token from the header or from ?token= (EventSource sends no headers)", async () => {
    const { app } = statusDeps({ apiToken: API_TOKEN });
    expect((await app.request("/api/stream")).status).toBe(401);
    expect((await app.request("/api/stream?token=wrong-token-0123456789")).status).toBe(401);
    const viaQuery = await app.request(`/api/stream?token=${API_TOKEN}`);
    expect(viaQuery.status).toBe(200);
    await viaQuery.body?.cancel();
    const viaHeader = await app.request("/api/stream", { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(viaHeader.status).toBe(200);
    await viaHeader.body?.cancel();
  });
});
