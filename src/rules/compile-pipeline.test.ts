import { describe, expect, it } from "vitest";
import { compilePipeline, selectDurations } from "./compile-pipeline.js";
import { pipelineSchema } from "./schema.js";

describe("compilePipeline", () => {
  it("parses the select: durations once, at load", () => {
    const doc = {
      apiVersion: "framegate.io/v1alpha1",
      kind: "Pipeline",
      metadata: { name: "p" },
      spec: { trigger: { bucket: "raw", key: "{camera}/*.jpg" }, select: { dedupe: "10m", sample: "1.5s", batch: { size: 4, window: "500ms" } }, workflow: { templateRef: "t" } },
    };
    expect(compilePipeline(pipelineSchema.parse(doc), "p.yaml").durations).toEqual({ dedupeMs: 600_000, sampleMs: 1_500, batchWindowMs: 500 });
  });

  it("leaves out what select: does not set", () => {
    expect(selectDurations({ sample: "2d" })).toEqual({ sampleMs: 172_800_000 });
    expect(selectDurations({})).toEqual({});
  });
});
