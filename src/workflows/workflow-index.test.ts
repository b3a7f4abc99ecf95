import { describe, expect, it } from "vitest";
import { WorkflowIndex } from "./workflow-index.js";
import { slimWorkflow, workflowRowOf, type WatchedWorkflow } from "./workflow-row.js";
import type { WorkflowChange } from "./workflow-status.js";

let rv = 0;
function wf(name: string, o: { pipeline?: string; camera?: string; phase?: string; created?: string; count?: string; ns?: string; message?: string } = {}): WatchedWorkflow {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: {
      name,
      namespace: o.ns ?? "argo",
      resourceVersion: String(++rv),
      creationTimestamp: o.created ?? "2024-05-01T12:00:00Z",
      labels: { "app.kubernetes.io/managed-by": "framegate", "framegate.io/pipeline": o.pipeline ?? "people-detect", ...(o.camera && { "framegate.io/camera": o.camera.replace(/[^A-Za-z0-9._-]/g, "-") }) },
      annotations: { ...(o.camera && { "framegate.io/camera": o.camera }), ...(o.count && { "framegate.io/count": o.count }), "framegate.io/key": "gate-1/a.jpg" },
    },
    spec: { entrypoint: "main" },
    ...(o.phase !== undefined && { status: { phase: o.phase, ...(o.message && { message: o.message }) } }),
  };
}

describe("workflowRowOf / slimWorkflow", () => {
  it("reads the pipeline, the raw camera from the annotation, the event count and the status", () => {
    const obj = wf("a", { camera: "Gate #7", count: "16", phase: "Failed", message: "step detect failed" });
    obj.status = { ...obj.status, startedAt: "2024-05-01T12:00:01Z", finishedAt: "2024-05-01T12:00:09Z" };
    expect(workflowRowOf(obj)).toEqual({
      name: "a",
      namespace: "argo",
      pipeline: "people-detect",
      camera: "Gate #7",
      phase: "Failed",
      createdAt: "2024-05-01T12:00:00Z",
      startedAt: "2024-05-01T12:00:01Z",
      finishedAt: "2024-05-01T12:00:09Z",
      events: 16,
      message: "step detect failed",
    });
  });

  it("treats a missing phase as Pending, a bad count as 1, and falls back to the camera label", () => {
    const obj = wf("b", { count: "lots" });
    obj.metadata!.labels!["framegate.io/camera"] = "gate-2";
    expect(workflowRowOf(obj)).toMatchObject({ phase: "Pending", events: 1, camera: "gate-2" });
  });

  it("slims in place: no spec, no managedFields, only framegate annotations, the status summary", () => {
    const obj = wf("c", { phase: "Running" }) as WatchedWorkflow & { metadata: Record<string, unknown> };
    obj.metadata.managedFields = [{ manager: "argo" }];
    obj.metadata.annotations = { ...(obj.metadata.annotations as object), "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(10_000) };
    obj.status = { phase: "Running", nodes: { n1: { big: "y".repeat(10_000) } }, startedAt: "2024-05-01T12:00:01Z" };
    const same = slimWorkflow(obj);
    expect(same).toBe(obj);
    expect(JSON.stringify(obj).length).toBeLessThan(600);
    expect(obj.spec).toBeUndefined();
    expect(obj.metadata.managedFields).toBeUndefined();
    expect(obj.metadata.annotations).toEqual({ "framegate.io/key": "gate-1/a.jpg" });
    expect(obj.status).toEqual({ phase: "Running", startedAt: "2024-05-01T12:00:01Z" });
    expect(obj.metadata.resourceVersion).toBeDefined();
  });
});

describe("WorkflowIndex", () => {
  it("counts unfinished Workflows per pipeline through every phase change and deletion", () => {
    const index = new WorkflowIndex();
    index.apply("added", wf("a"));
    index.apply("added", wf("b", { phase: "Running" }));
    index.apply("added", wf("c", { pipeline: "other", phase: "Running" }));
    expect(index.unfinished("people-detect")).toBe(2);
    expect(index.unfinished("other")).toBe(1);
    expect(index.unfinished("unknown")).toBe(0);

    index.apply("updated", wf("a", { phase: "Succeeded" }));
    index.apply("updated", wf("b", { phase: "Error" }));
    expect(index.unfinished("people-detect")).toBe(0);
    expect(index.counts()).toEqual({
      "people-detect": { pending: 0, running: 0, succeeded: 1, failed: 1 },
      other: { pending: 0, running: 1, succeeded: 0, failed: 0 },
    });

    index.apply("deleted", wf("c", { pipeline: "other", phase: "Running" }));
    expect(index.unfinished("other")).toBe(0);
    expect(index.counts()).not.toHaveProperty("other");
  });

  it("lists newest first and filters by pipeline, camera and phase (an Argo phase or a group)", () => {
    const index = new WorkflowIndex();
    index.apply("added", wf("old", { created: "2024-05-01T10:00:00Z", camera: "gate-1", phase: "Failed" }));
    index.apply("added", wf("new", { created: "2024-05-01T12:00:00Z", camera: "gate-2", phase: "Running" }));
    index.apply("added", wf("mid", { created: "2024-05-01T11:00:00Z", camera: "gate-1", phase: "Error" }));
    index.apply("added", wf("x", { created: "2024-05-01T11:30:00Z", pipeline: "other" }));
    const names = (q: Parameters<WorkflowIndex["list"]>[0]) => index.list(q).map((r) => r.name);
    expect(names({})).toEqual(["new", "x", "mid", "old"]);
    expect(names({ limit: 2 })).toEqual(["new", "x"]);
    expect(names({ pipeline: "people-detect" })).toEqual(["new", "mid", "old"]);
    expect(names({ camera: "gate-1" })).toEqual(["mid", "old"]);
    expect(names({ phase: "failed" })).toEqual(["mid", "old"]);
    expect(names({ phase: "Error" })).toEqual(["mid"]);
    expect(names({ phase: "unfinished" })).toEqual(["new", "x"]);
    expect(names({ phase: "pending" })).toEqual(["x"]);
  });

  it("reports changes with the phase before, and an added for a Workflow first seen as an update", () => {
    const index = new WorkflowIndex();
    const changes: WorkflowChange[] = [];
    const off = index.onChange((c) => changes.push(c));
    index.apply("added", wf("a"));
    index.apply("updated", wf("a", { phase: "Running" }));
    index.apply("updated", wf("b", { phase: "Running" }));
    index.apply("deleted", wf("a", { phase: "Running" }));
    index.apply("deleted", wf("never-seen"));
    off();
    index.apply("added", wf("c"));
    expect(changes.map((c) => [c.type, c.workflow.name, c.workflow.phase, c.previousPhase])).toEqual([
      ["added", "a", "Pending", undefined],
      ["updated", "a", "Running", "Pending"],
      ["added", "b", "Running", undefined],
      ["deleted", "a", "Running", "Running"],
    ]);
  });

  it("keeps every unfinished row and only the newest finished ones, but still counts the forgotten", () => {
    const index = new WorkflowIndex({ maxFinished: 2 });
    for (const n of ["f1", "f2", "f3", "f4"]) index.apply("added", wf(n, { phase: "Succeeded" }));
    for (const n of ["r1", "r2", "r3"]) index.apply("added", wf(n, { phase: "Running" }));
    expect(index.rowCount).toBe(5);
    expect(index.size).toBe(7);
    expect(index.list({ phase: "finished" }).map((r) => r.name).sort()).toEqual(["f3", "f4"]);
    expect(index.counts()["people-detect"]).toEqual({ pending: 0, running: 3, succeeded: 4, failed: 0 });

    // a forgotten finished Workflow changing (say, an archive label) stays forgotten and counted once
    index.apply("updated", wf("f1", { phase: "Succeeded" }));
    expect(index.rowCount).toBe(5);
    expect(index.counts()["people-detect"]!.succeeded).toBe(4);
    // ... unless it runs again (argo retry): then it is unfinished and listed
    index.apply("updated", wf("f1", { phase: "Running" }));
    expect(index.list({ phase: "running" }).map((r) => r.name)).toContain("f1");
    expect(index.unfinished("people-detect")).toBe(4);
    // its deletion uncounts it, whatever was kept
    index.apply("deleted", wf("f2", { phase: "Succeeded" }));
    expect(index.counts()["people-detect"]).toEqual({ pending: 0, running: 4, succeeded: 2, failed: 0 });
  });
});
