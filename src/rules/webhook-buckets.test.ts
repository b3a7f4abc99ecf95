import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadRulesFromText } from "./loader.js";
import { bodyBucket, checkWebhookBucket } from "./webhook-buckets.js";

const SERVICES = [{ path: "services/resize/service.yaml", text: readFileSync("services/resize/service.yaml", "utf8") }];

function pipelines(extra = "") {
  const doc = (name: string, trigger: string) => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger: ${trigger}
  workflow:
    steps: [{ name: resize, service: resize }]
`;
  const r = loadRulesFromText(
    [
      { path: "a.yaml", text: doc("frames", "{ bucket: raw, key: '{camera}/*.jpg' }") },
      { path: "b.yaml", text: doc("motion", "{ source: webhook, hook: motion }") },
      { path: "c.yaml", text: doc("vms", `{ source: webhook, hook: vms, buckets: [vms-exports] }${extra}`) },
    ],
    SERVICES,
  );
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return r.ruleSet.pipelines;
}

describe("webhook buckets", () => {
  it("reads the body's top-level bucket only when it is a string", () => {
    expect(bodyBucket({ bucket: "raw" })).toBe("raw");
    expect(bodyBucket({ bucket: 7 })).toBeUndefined();
    expect(bodyBucket(["raw"])).toBeUndefined();
  });

  it("allows by default the minio rules' buckets and models, and no other", () => {
    const all = pipelines();
    expect(checkWebhookBucket("motion", { bucket: "raw" }, all)).toBeUndefined();
    expect(checkWebhookBucket("motion", { bucket: "models" }, all)).toBeUndefined();
    expect(checkWebhookBucket("motion", { camera: "gate-1" }, all)).toBeUndefined(); // names no bucket
    expect(checkWebhookBucket("motion", { bucket: "secrets" }, all)).toBe(
      'hook "motion": body.bucket "secrets" is not a bucket its pipelines allow (models, raw); name one of them, or add "secrets" to spec.trigger.buckets of motion (and run `framegate setup` so the steps may read it)',
    );
  });

  it("allows exactly spec.trigger.buckets when a pipeline lists them", () => {
    const all = pipelines();
    expect(checkWebhookBucket("vms", { bucket: "vms-exports" }, all)).toBeUndefined();
    expect(checkWebhookBucket("vms", { bucket: "raw" }, all)).toMatch(/^hook "vms": body.bucket "raw" is not a bucket its pipelines allow \(vms-exports\)/);
  });

  it("refuses any bucket for a hook no pipeline listens on", () => {
    expect(checkWebhookBucket("nobody", { bucket: "raw" }, pipelines())).toMatch(/allow \(none\); no pipeline listens on hook "nobody"/);
  });
});
