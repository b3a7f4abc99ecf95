import { describe, expect, it } from "vitest";
import type { WorkflowChange, WorkflowRow } from "../workflows/workflow-status.js";
import { CameraRegistry, type CameraRow } from "./cameras.js";
import type { ProcessedEvent } from "./processed-event.js";

const T0 = Date.parse("2024-05-01T12:00:00.000Z");

function ev(id: string, camera: string | undefined, o: Partial<ProcessedEvent> = {}): ProcessedEvent {
  return {
    receivedAt: "2024-05-01T11:59:59.000Z",
    source: "minio",
    id,
    bucket: "raw",
    key: `${camera}/2024/05/01/${id}.jpg`,
    ...(camera && { camera }),
    matches: [{ pipeline: "people-detect", workflow: `wf-${id}`, outcome: "created" }],
    ...o,
  };
}

function wfRow(name: string, camera: string | undefined, phase: string, createdAt = "2024-05-01T11:00:00Z"): WorkflowRow {
  return { name, namespace: "argo", pipeline: "people-detect", ...(camera && { camera }), phase, createdAt, events: 1 };
}

describe("CameraRegistry", () => {
  it("shows a camera the moment its first event is processed", () => {
    let now = T0;
    const cams = new CameraRegistry({ now: () => now });
    const seen: CameraRow[] = [];
    cams.onChange((r) => seen.push(r));
    const row = cams.recordEvent(ev("e1", "gate-1"));
    expect(row).toEqual({
      camera: "gate-1",
      firstSeen: "2024-05-01T12:00:00.000Z",
      lastSeen: "2024-05-01T12:00:00.000Z",
      frames: 1,
      framesPerMinute: 1,
      workflows: 0,
      failures: 0,
      lastKey: "gate-1/2024/05/01/e1.jpg",
    });
    expect(seen).toEqual([row]);
    now += 2_000;
    cams.recordEvent(ev("e2", "gate-1"));
    expect(cams.get("gate-1")).toMatchObject({ firstSeen: "2024-05-01T12:00:00.000Z", lastSeen: "2024-05-01T12:00:02.000Z", frames: 2, lastKey: "gate-1/2024/05/01/e2.jpg" });
  });

  it("ignores events without a camera", () => {
    const cams = new CameraRegistry();
    expect(cams.recordEvent(ev("e1", undefined))).toBeUndefined();
    expect(cams.size).toBe(0);
  });

  it("counts a redelivered event once, but shows the camera while its Workflow is being retried", () => {
    const cams = new CameraRegistry({ now: () => T0 });
    const retrying = ev("e1", "gate-1", { matches: [{ pipeline: "people-detect", workflow: "wf-e1", outcome: "retrying" }] });
    expect(cams.recordEvent(retrying)?.frames).toBe(1);
    expect(cams.recordEvent(ev("e1", "gate-1"))?.frames).toBe(1);
    expect(cams.recordEvent(ev("e2", "gate-1"))?.frames).toBe(2);
  });

  it("keeps frames per minute over a sliding minute, in 5-second steps", () => {
    let now = T0;
    const cams = new CameraRegistry({ now: () => now });
    for (let i = 0; i < 30; i++) {
      cams.recordEvent(ev(`a${i}`, "gate-1"));
      now += 2_000; // one frame every 2 s for a minute
    }
    expect(cams.get("gate-1")!.framesPerMinute).toBeGreaterThanOrEqual(27);
    expect(cams.get("gate-1")!.framesPerMinute).toBeLessThanOrEqual(30);
    now += 30_000; // half a minute of silence: about half are left
    const half = cams.get("gate-1")!.framesPerMinute;
    expect(half).toBeGreaterThanOrEqual(12);
    expect(half).toBeLessThanOrEqual(15);
    now += 60_000;
    expect(cams.get("gate-1")).toMatchObject({ framesPerMinute: 0, frames: 30 });
    now += 3_600_000;
    cams.recordEvent(ev("late", "gate-1"));
    expect(cams.get("gate-1")!.framesPerMinute).toBe(1);
  });

  it("counts Workflows as they are added, and failures: Workflows entering Failed/Error and dead-lettered events", () => {
    const cams = new CameraRegistry({ now: () => T0 });
    const change = (c: WorkflowChange) => cams.recordWorkflow(c);
    change({ type: "added", workflow: wfRow("w1", "gate-1", "Pending") });
    change({ type: "updated", workflow: wfRow("w1", "gate-1", "Running"), previousPhase: "Pending" });
    change({ type: "updated", workflow: wfRow("w1", "gate-1", "Failed"), previousPhase: "Running" });
    change({ type: "updated", workflow: wfRow("w1", "gate-1", "Error"), previousPhase: "Failed" }); // still failed: once
    change({ type: "added", workflow: wfRow("w2", "gate-1", "Error") }); // listed already failed (gateway restart)
    change({ type: "deleted", workflow: wfRow("w2", "gate-1", "Error"), previousPhase: "Error" });
    change({ type: "added", workflow: wfRow("w3", undefined, "Failed") }); // no camera: nobody's
    cams.recordEvent(
      ev("e1", "gate-1", {
        matches: [
          { pipeline: "people-detect", outcome: "rejected" },
          { pipeline: "archive", workflow: "wf", outcome: "created" },
        ],
      }),
    );
    expect(cams.get("gate-1")).toMatchObject({ workflows: 2, failures: 3, frames: 1 });
    expect(cams.size).toBe(1);
  });

  it("makes a camera known from its Workflows alone, first seen when the Workflow was created", () => {
    const cams = new CameraRegistry({ now: () => T0 });
    cams.recordWorkflow({ type: "added", workflow: wfRow("w1", "gate-9", "Succeeded", "2024-05-01T11:00:00Z") });
    expect(cams.get("gate-9")).toMatchObject({ firstSeen: "2024-05-01T11:00:00.000Z", lastSeen: "2024-05-01T11:00:00.000Z", frames: 0, workflows: 1 });
    cams.recordEvent(ev("e1", "gate-9"));
    expect(cams.get("gate-9")).toMatchObject({ firstSeen: "2024-05-01T11:00:00.000Z", lastSeen: "2024-05-01T12:00:00.000Z" });
  });

  it("lists the latest seen first and forgets the camera seen longest ago past its capacity", () => {
    let now = T0;
    const cams = new CameraRegistry({ capacity: 3, now: () => now });
    for (const c of ["a", "b", "c"]) {
      cams.recordEvent(ev(`e-${c}`, c));
      now += 1000;
    }
    cams.recordEvent(ev("e-a2", "a")); // a is the latest now; b the oldest
    now += 1000;
    cams.recordEvent(ev("e-d", "d"));
    expect(cams.list().map((r) => r.camera)).toEqual(["d", "a", "c"]);
    expect(cams.list(2).map((r) => r.camera)).toEqual(["d", "a"]);
    expect(cams.get("b")).toBeUndefined();
  });

  it("remembers a bounded number of event ids", () => {
    const cams = new CameraRegistry({ recentIds: 2, now: () => T0 });
    cams.recordEvent(ev("e1", "gate-1"));
    cams.recordEvent(ev("e2", "gate-1"));
    cams.recordEvent(ev("e3", "gate-1"));
    cams.recordEvent(ev("e1", "gate-1")); // forgotten, so counted again: the bound is what is traded
    expect(cams.get("gate-1")!.frames).toBe(4);
  });
});
