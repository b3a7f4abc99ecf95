import { describe, expect, it } from "vitest";
import { judgeResources, selectSummary, triggerSummary, type RuleResource } from "./resource-rules.js";

const resize: RuleResource = { metadata: { name: "resize", generation: 1 }, spec: { image: "example/resize:1", command: ["resize"], params: { width: { type: "integer", default: "640" } } } };
const pipeline = (name: string, created: string, spec: Record<string, unknown> = {}): RuleResource => ({
  metadata: { name, namespace: "framegate", generation: 3, creationTimestamp: new Date(created) },
  spec: { trigger: { bucket: "raw", key: "{camera}/*.jpg" }, workflow: { steps: [{ name: "r", service: "resize" }] }, ...spec },
});

describe("judgeResources", () => {
  it("refuses each bad resource alone and runs the rest", () => {
    const badService: RuleResource = { metadata: { name: "broken", generation: 2 }, spec: { image: "", command: [] } };
    const j = judgeResources(
      [pipeline("good", "2026-01-01T00:00:00Z"), pipeline("typo", "2026-01-01T00:00:00Z", { workflow: { steps: [{ name: "r", service: "resise" }] } })],
      [resize, badService],
    );
    expect(j.ruleSet.pipelines.map((p) => p.name)).toEqual(["good"]);
    expect([...j.ruleSet.catalog.keys()]).toEqual(["resize"]);
    const byName = new Map(j.verdicts.map((v) => [v.name, v]));
    expect(byName.get("good")).toMatchObject({ accepted: true, reason: "Accepted", generation: 3, summary: { trigger: "minio raw {camera}/*.jpg", select: "every event" } });
    expect(byName.get("typo")).toMatchObject({ accepted: false, reason: "InvalidSpec" });
    expect(byName.get("typo")!.message).toBe('spec.workflow.steps[0].service: service "resise" is not in the catalog — did you mean "resize"? Known services: resize (each is services/<name>/service.yaml)');
    expect(byName.get("broken")).toMatchObject({ kind: "ProcessingService", accepted: false, generation: 2 });
    expect(byName.get("broken")!.message).toMatch(/^spec\.image: must have at least 1 character/);
  });

  it("keeps the older pipeline in a conflict and refuses the newer one", () => {
    const j = judgeResources([pipeline("same", "2026-02-01T00:00:00Z", { description: "newer" }), pipeline("same", "2026-01-01T00:00:00Z", { description: "older" })], [resize]);
    expect(j.ruleSet.pipelines.map((p) => p.spec.description)).toEqual(["older"]);
    const refused = j.verdicts.filter((v) => !v.accepted);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ reason: "Conflict" });
    expect(refused[0]!.message).toMatch(/^conflicts with an older pipeline: metadata\.name: pipeline "same" is already defined/);
  });

  it("reads at most maxPerKind resources of a kind, refusing the newest", () => {
    const j = judgeResources([pipeline("b", "2026-02-01T00:00:00Z"), pipeline("a", "2026-01-01T00:00:00Z")], [resize], 1);
    expect(j.ruleSet.pipelines.map((p) => p.name)).toEqual(["a"]);
    expect(j.verdicts.find((v) => v.name === "b")).toMatchObject({ accepted: false, reason: "TooMany", message: "the namespace holds more than 1 Pipeline resources; the gateway reads the oldest 1 — delete unused ones" });
  });
});

describe("status summaries", () => {
  it("say the trigger and the selection in one line", () => {
    expect(triggerSummary({ trigger: { source: "webhook", hook: "motion" } })).toBe("webhook motion");
    expect(triggerSummary({ trigger: { bucket: "raw", prefix: "gate-", suffix: ".jpg" } })).toBe("minio raw gate-*.jpg");
    expect(selectSummary({ select: { batch: { size: 16, window: "30s" }, dedupe: "1h" } })).toBe("batch 16/30s, dedupe 1h");
  });
});
