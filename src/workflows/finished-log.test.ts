/** @module workflows/finished-log.test — the "workflow finished" line: transitions only, with the event id. */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { logFinishedWorkflows } from "./finished-log.js";
import type { WorkflowRow } from "./workflow-status.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}
const row = (phase: string, extra: Partial<WorkflowRow> = {}): WorkflowRow => ({
  name: "people-detect-gate-01-4be1c0d2a7",
  namespace: "argo",
  pipeline: "people-detect",
  phase,
  createdAt: "2026-01-01T00:00:00Z",
  events: 1,
  event: "raw/gate-01/a.jpg@e1",
  ...extra,
});

describe("logFinishedWorkflows", () => {
  it("logs a Workflow reaching Succeeded at info and Failed at warn, with its event id", () => {
    const { log, lines } = capture();
    const on = logFinishedWorkflows(log);
    on({ type: "updated", workflow: row("Succeeded"), previousPhase: "Running" });
    on({ type: "updated", workflow: row("Failed", { message: "child exited 1" }), previousPhase: "Running" });
    expect(lines.map((l) => [l.level, l.msg, l.event, l.workflow, l.phase, l.message])).toEqual([
      [30, "workflow finished", "raw/gate-01/a.jpg@e1", "people-detect-gate-01-4be1c0d2a7", "Succeeded", undefined],
      [40, "workflow finished", "raw/gate-01/a.jpg@e1", "people-detect-gate-01-4be1c0d2a7", "Failed", "child exited 1"],
    ]);
  });

  it("stays quiet for running Workflows, finished ones listed at start-up, updates after the end and deletions", () => {
    const { log, lines } = capture();
    const on = logFinishedWorkflows(log);
    on({ type: "updated", workflow: row("Running"), previousPhase: "Pending" });
    on({ type: "added", workflow: row("Succeeded") });
    on({ type: "updated", workflow: row("Succeeded"), previousPhase: "Succeeded" });
    on({ type: "deleted", workflow: row("Succeeded"), previousPhase: "Succeeded" });
    expect(lines).toEqual([]);
  });
});
