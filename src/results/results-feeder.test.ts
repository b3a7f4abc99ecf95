/**
 * @module results/results-feeder.test — a Succeeded Workflow (as the API server returns it) becomes one entry per
 * frame with keys, timings and the sidecar's detections; old and known Workflows are skipped.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ResultEntry } from "./result-entry.js";
import { ResultsFeeder } from "./results-feeder.js";
import { ResultsIndex } from "./results-index.js";
import { workflowResult, type FullWorkflow } from "./workflow-result.js";

const log = pino({ level: "silent" });
const env = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }));

/** A batch of two frames through resize -> detect, shaped as the renderer writes it and Argo reports it. */
function workflow(name: string, finishedAt: string, phase = "Succeeded"): FullWorkflow {
  return {
    metadata: {
      name,
      namespace: "argo",
      creationTimestamp: "2026-06-01T12:00:00Z",
      labels: { "app.kubernetes.io/managed-by": "framegate", "framegate.io/pipeline": "people-detect", "framegate.io/camera": "gate-01" },
      annotations: { "framegate.io/camera": "gate-01" },
    },
    spec: {
      templates: [
        { name: "main", dag: { tasks: [{ name: "resize", template: "resize" }, { name: "detect", template: "detect", dependencies: ["resize"] }] } },
        {
          name: "resize",
          container: {
            env: env({
              FRAMEGATE_INPUT_BUCKET: "raw",
              FRAMEGATE_INPUT_KEYS: '["gate-01/a.jpg","gate-01/b.jpg"]',
              FRAMEGATE_OUTPUT_BUCKET: "processed",
              FRAMEGATE_OUTPUT_KEYS: '["people-detect/resize/gate-01/a.jpg","people-detect/resize/gate-01/b.jpg"]',
            }),
          },
        },
        {
          name: "detect",
          container: {
            env: env({
              FRAMEGATE_INPUT_BUCKET: "processed",
              FRAMEGATE_INPUT_KEYS: '["people-detect/resize/gate-01/a.jpg","people-detect/resize/gate-01/b.jpg"]',
              FRAMEGATE_OUTPUT_BUCKET: "processed",
              FRAMEGATE_OUTPUT_KEYS: '["people-detect/detect/gate-01/a.jpg","people-detect/detect/gate-01/b.jpg"]',
            }),
          },
        },
      ],
    },
    status: {
      phase,
      finishedAt,
      nodes: {
        n1: { type: "DAG", templateName: "main", phase: "Succeeded" },
        n2: { type: "Retry", templateName: "resize", phase: "Succeeded", startedAt: "2026-06-01T12:00:01Z", finishedAt: "2026-06-01T12:00:03Z" },
        n3: { type: "Pod", templateName: "resize", phase: "Succeeded", startedAt: "2026-06-01T12:00:01Z", finishedAt: "2026-06-01T12:00:03Z" },
        n4: { type: "Pod", templateName: "detect", phase: "Succeeded", startedAt: "2026-06-01T12:00:04Z", finishedAt: "2026-06-01T12:00:09.5Z" },
      },
    },
  };
}

const sidecar = (key: string) => ({
  input: { bucket: "processed", key: key.replace("/detect/", "/resize/").replace(/\.json$/, "") },
  image: { width: 480, height: 640 },
  model: { name: "hog" },
  detections: [{ label: "person", classId: 0, score: 0.91, box: { x: 10, y: 20, width: 30, height: 90 } }],
});

function feeder(now = Date.parse("2026-06-01T12:05:00Z")) {
  const index = new ResultsIndex({ perCamera: 8, maxBytes: 1 << 20, maxAgeMs: 86_400_000 }, undefined, () => now);
  const published: ResultEntry[] = [];
  const read: string[] = [];
  const f = new ResultsFeeder({
    index,
    publish: async (e) => {
      published.push(e);
      index.add(e, JSON.stringify(e).length); // the stream echoes it back into the index
      return "stored";
    },
    sidecars: { readJson: async (bucket, key) => (read.push(`${bucket}/${key}`), sidecar(key)) },
    detectionsSuffix: (pipeline, step) => (pipeline === "people-detect" && step === "detect" ? ".json" : undefined),
    ready: Promise.resolve(),
    log,
  });
  return { index, published, read, f };
}

describe("workflowResult", () => {
  it("reads the frames, every step's outputs and the timings (Retry node first) from the Workflow", () => {
    const r = workflowResult(workflow("wf-1", "2026-06-01T12:00:10Z"))!;
    expect(r.sources).toEqual([
      { bucket: "raw", key: "gate-01/a.jpg" },
      { bucket: "raw", key: "gate-01/b.jpg" },
    ]);
    expect(r.steps.map((s) => [s.step, s.keys[1]])).toEqual([
      ["resize", "people-detect/resize/gate-01/b.jpg"],
      ["detect", "people-detect/detect/gate-01/b.jpg"],
    ]);
    expect(r.timings).toEqual([
      { step: "resize", phase: "Succeeded", startedAt: "2026-06-01T12:00:01Z", finishedAt: "2026-06-01T12:00:03Z", durationMs: 2000 },
      { step: "detect", phase: "Succeeded", startedAt: "2026-06-01T12:00:04Z", finishedAt: "2026-06-01T12:00:09.5Z", durationMs: 5500 },
    ]);
  });

  it("gives nothing for a Workflow that did not succeed or has no inline steps", () => {
    expect(workflowResult(workflow("wf-1", "2026-06-01T12:00:10Z", "Failed"))).toBeUndefined();
    expect(workflowResult({ ...workflow("wf-1", "2026-06-01T12:00:10Z"), spec: { workflowTemplateRef: { name: "image-processing" } } })).toBeUndefined();
  });
});

describe("ResultsFeeder", () => {
  it("publishes one entry per frame with the detections of the sidecar, drawn on the detector's input", async () => {
    const { published, read, f } = feeder();
    f.offer(workflow("wf-1", "2026-06-01T12:00:10Z"));
    await f.idle();
    expect(read).toEqual(["processed/people-detect/detect/gate-01/a.jpg.json", "processed/people-detect/detect/gate-01/b.jpg.json"]);
    expect(published.map((e) => e.id)).toEqual(["argo/wf-1#0", "argo/wf-1#1"]);
    expect(published[1]).toMatchObject({
      camera: "gate-01",
      pipeline: "people-detect",
      source: { bucket: "raw", key: "gate-01/b.jpg" },
      frame: { bucket: "processed", key: "people-detect/resize/gate-01/b.jpg" },
      image: { width: 480, height: 640 },
      detections: [{ label: "person", score: 0.91, box: { x: 10, y: 20, width: 30, height: 90 } }],
      detectionsFrom: "processed/people-detect/detect/gate-01/b.jpg.json",
      workflow: { name: "wf-1", namespace: "argo" },
    });
    expect(published[1]!.detections[0]).not.toHaveProperty("classId");
  });

  it("skips Workflows the index already has (a restart lists them again) and ones too old to keep", async () => {
    const { published, f } = feeder();
    f.offer(workflow("wf-1", "2026-06-01T12:00:10Z"));
    await f.idle();
    f.offer(workflow("wf-1", "2026-06-01T12:00:10Z"));
    f.offer(workflow("wf-old", "2026-05-01T12:00:10Z"));
    await f.idle();
    expect(published.map((e) => e.id)).toEqual(["argo/wf-1#0", "argo/wf-1#1"]);
  });

  it("waits for the index to catch up with the stream before deciding", async () => {
    const index = new ResultsIndex({ perCamera: 8, maxBytes: 1 << 20, maxAgeMs: 86_400_000 }, undefined, () => Date.parse("2026-06-01T12:05:00Z"));
    let caughtUp!: () => void;
    const published: string[] = [];
    const f = new ResultsFeeder({ index, publish: async (e) => (published.push(e.id), "stored"), detectionsSuffix: () => undefined, ready: new Promise((r) => (caughtUp = r)), log });
    f.offer(workflow("wf-1", "2026-06-01T12:00:10Z"));
    await new Promise((r) => setTimeout(r, 20));
    expect(published).toEqual([]);
    // what the stream already held arrives first: frame 0 is known, so only frame 1 is written
    index.add({ ...(await entryOf()), id: "argo/wf-1#0" }, 10);
    caughtUp();
    await new Promise((r) => setTimeout(r, 20));
    await f.idle();
    expect(published).toEqual(["argo/wf-1#1"]);
  });
});

async function entryOf(): Promise<ResultEntry> {
  const { published, f } = feeder();
  f.offer(workflow("wf-x", "2026-06-01T12:00:10Z"));
  await f.idle();
  return published[0]!;
}
