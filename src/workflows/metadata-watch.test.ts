/** A metadata-only watch event read into the status the index uses. */
import { describe, expect, it } from "vitest";
import { PHASE_LABEL, isMetadataOnly, withLabelledPhase } from "./metadata-watch.js";
import type { WatchedWorkflow } from "./workflow-row.js";
import type { WorkflowRow } from "./workflow-status.js";

const meta = (phase?: string): WatchedWorkflow => ({
  kind: "PartialObjectMetadata",
  apiVersion: "meta.k8s.io/v1",
  metadata: { name: "w", namespace: "argo", labels: { ...(phase && { [PHASE_LABEL]: phase }) } },
});
const row = (o: Partial<WorkflowRow>): WorkflowRow => ({ name: "w", namespace: "argo", pipeline: "p", phase: "Running", createdAt: "2026-01-01T00:00:00Z", events: 1, ...o });

describe("withLabelledPhase", () => {
  it("reads the phase from Argo's label; no label is Pending; a running one needs no fetch", () => {
    const a = meta();
    expect(withLabelledPhase(a, undefined)).toBe(false);
    expect(a.status).toEqual({ phase: "Pending" });
    const b = meta("Running");
    expect(withLabelledPhase(b, row({ phase: "Pending", startedAt: "2026-01-01T00:00:01Z" }))).toBe(false);
    expect(b.status).toEqual({ phase: "Running", startedAt: "2026-01-01T00:00:01Z" });
    expect(isMetadataOnly(b)).toBe(true);
    expect(isMetadataOnly({ kind: "Workflow" })).toBe(false);
  });

  it("asks for a fetch when a Workflow turns finished, not again once its finish time is known", () => {
    expect(withLabelledPhase(meta("Failed"), row({ phase: "Running" }))).toBe(true);
    const later = meta("Failed");
    expect(withLabelledPhase(later, row({ phase: "Failed", finishedAt: "2026-01-01T00:01:00Z", message: "boom" }))).toBe(false);
    expect(later.status).toEqual({ phase: "Failed", finishedAt: "2026-01-01T00:01:00Z", message: "boom" });
  });
});
