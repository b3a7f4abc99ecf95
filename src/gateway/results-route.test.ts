/** @module gateway/results-route.test — `GET /api/results` (query checks, filters, Argo links) and `/api/results/frame`. */
import { describe, expect, it } from "vitest";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { ObjectReadError } from "../results/object-reader.js";
import type { ResultEntry } from "../results/result-entry.js";
import { ResultsIndex } from "../results/results-index.js";
import { createGatewayApp } from "./app.js";
import { MAX_RESULTS_LIMIT, type ResultsApi } from "./results-route.js";

const TOKEN = "results-token-0123456789abcdef";
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };

function entry(camera: string, n: number, labels: string[] = []): ResultEntry {
  const key = `people-detect/resize/${camera}/${n}.jpg`;
  return {
    id: `argo/wf-${camera}-${n}#0`,
    camera,
    pipeline: "people-detect",
    source: { bucket: "raw", key: `${camera}/${n}.jpg` },
    processed: [{ step: "resize", bucket: "processed", key }],
    frame: { bucket: "processed", key },
    detections: labels.map((label) => ({ label, score: 0.8, box: { x: 0, y: 0, width: 1, height: 1 } })),
    workflow: { name: `wf-${camera}-${n}`, namespace: "argo" },
    createdAt: new Date(Date.now() - 60_000 + n).toISOString(),
    finishedAt: new Date(Date.now() - 60_000 + n * 1000).toISOString(),
    steps: [],
  };
}

function app(results?: Partial<ResultsApi>, argoUiUrl?: string) {
  const index = new ResultsIndex({ perCamera: 10, maxBytes: 1 << 20, maxAgeMs: 86_400_000 });
  index.add(entry("gate-01", 1, ["person"]), 100);
  index.add(entry("gate-01", 2, ["car"]), 100);
  index.add(entry("gate-02", 3), 100);
  const served: string[] = [];
  const frames: ResultsApi["frames"] = {
    async get(bucket, key, size) {
      served.push(`${size}:${bucket}/${key}`);
      if (key.includes("/gone/")) throw new ObjectReadError(`${bucket}/${key} does not exist`, "missing");
      return { body: Buffer.from("JPEG"), contentType: "image/jpeg" };
    },
  };
  const a = createGatewayApp(makeDeps({ apiToken: TOKEN, ...(argoUiUrl && { argoUiUrl }), ...(results !== undefined && { results: { index, frames, ...results } }) }));
  return { a, index, served };
}

describe("GET /api/results", () => {
  it("lists entries newest first with filters, the index's numbers and Argo links", async () => {
    const { a } = app({}, "https://argo.example.com/");
    const res = await a.request("/api/results?camera=gate-01&limit=5", auth);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: Array<ResultEntry & { workflow: { argoUrl?: string } }>; index: { entries: number; cameras: number; labels: Record<string, number> } };
    expect(body.results.map((r) => r.id)).toEqual(["argo/wf-gate-01-2#0", "argo/wf-gate-01-1#0"]);
    expect(body.results[0]!.workflow.argoUrl).toBe("https://argo.example.com/workflows/argo/wf-gate-01-2");
    expect(body.index).toMatchObject({ entries: 3, cameras: 2, labels: { person: 1, car: 1 } });
    const person = (await (await a.request("/api/results?label=person&since=1h", auth)).json()) as { results: ResultEntry[] };
    expect(person.results.map((r) => r.id)).toEqual(["argo/wf-gate-01-1#0"]);
    const future = (await (await a.request(`/api/results?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, auth)).json()) as { results: ResultEntry[] };
    expect(future.results).toEqual([]);
  });

  it.each([
    ["limit=0", /limit: must be from 1 to 500/],
    [`limit=${MAX_RESULTS_LIMIT + 1}`, /limit: must be from 1 to 500/],
    ["limit=ten", /limit: must be a whole number/],
    ["since=yesterday", /since: must be a time .* or a duration back from now/],
    ["pipeline=Not_A_Name", /pipeline: must be a pipeline name/],
    ["cam=gate-01", /unknown parameter\(s\) cam/],
  ])("answers 400 for %s, saying what is wrong and giving an example", async (q, message) => {
    const res = await app({}).a.request(`/api/results?${q}`, auth);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    expect(error).toMatch(message);
    expect(error).toContain("for example /api/results?camera=");
  });

  it("needs the API token, and answers 503 without an index", async () => {
    expect((await app({}).a.request("/api/results")).status).toBe(401);
    const res = await app().a.request("/api/results", auth);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/framegate setup/);
  });
});

describe("GET /api/results/frame", () => {
  it("serves a frame an indexed result names, and nothing else", async () => {
    const { a, served } = app({});
    const ok = await a.request("/api/results/frame?bucket=processed&key=people-detect/resize/gate-01/1.jpg&size=full", auth);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await ok.arrayBuffer()).toString()).toBe("JPEG");
    const raw = await a.request("/api/results/frame?bucket=raw&key=gate-01/1.jpg", auth);
    expect(raw.status).toBe(404);
    expect(((await raw.json()) as { error: string }).error).toMatch(/not a frame of any result/);
    expect(served).toEqual(["full:processed/people-detect/resize/gate-01/1.jpg"]);
    expect((await a.request("/api/results/frame?bucket=processed", auth)).status).toBe(400);
  });

  it("maps a missing object to 404 and answers 503 without the results identity", async () => {
    const { a, index } = app({});
    const gone = entry("gone", 9);
    index.add({ ...gone, frame: { bucket: "processed", key: "people-detect/gone/x.jpg" } }, 10);
    expect((await a.request("/api/results/frame?bucket=processed&key=people-detect/gone/x.jpg", auth)).status).toBe(404);
    const none = app({ frames: undefined }).a;
    const res = await none.request("/api/results/frame?bucket=processed&key=people-detect/resize/gate-01/1.jpg", auth);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/FRAMEGATE_MINIO_RESULTS_ACCESS_KEY/);
  });
});
