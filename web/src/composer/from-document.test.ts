import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { draftYaml, toPipeline } from "./draft.js";
import { draftFromDocument, topoOrder } from "./from-document.js";
import { stepColumns } from "./step-diagram.js";
import { parseToleration, tolerationText } from "./trigger-placement.js";

const webhook = {
  metadata: { name: "motion-alerts", labels: { "argocd.argoproj.io/instance": "framegate" } },
  spec: {
    description: "alerts",
    suspend: true,
    trigger: { source: "webhook", hook: "motion-alerts", where: { fields: { camera: ["gate-*", "yard-*"], "event.kind": ["motion"] } }, buckets: ["raw"] },
    select: { sample: "10s", dedupe: "10m" },
    limits: { maxInFlight: 4 },
    workflow: { namespace: "argo", templateRef: "image-processing", parameters: { camera: "{body.camera}" }, outputBucket: "alerts", ttlSecondsAfterFinished: 60 },
  },
};

// a diamond, written with the join first: the list puts it after both
const diamond = {
  metadata: { name: "privacy-detect" },
  spec: {
    trigger: { bucket: "raw", key: "{camera}/**/*.jpg", events: ["s3:ObjectCreated:Put"], where: { minSize: 1024, metadata: { motion: "true" } } },
    workflow: {
      steps: [
        { name: "blur", service: "blur", after: ["detect", "thumb"] },
        { name: "resize", service: "resize", params: { width: "640" } },
        { name: "detect", service: "detect", after: ["resize"], nodeSelector: { hardware: "gpu" }, tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }], resources: { limits: { "nvidia.com/gpu": "1" } } },
        { name: "thumb", service: "resize", after: ["resize"] },
      ],
    },
  },
};

describe("a live document in the composer", () => {
  it("round-trips a webhook pipeline with a templateRef, keeping what the form does not show", () => {
    const d = draftFromDocument(webhook);
    expect(d).toMatchObject({ source: "webhook", hook: "motion-alerts", useTemplate: true, templateRef: "image-processing", suspend: true, fields: "camera = gate-*, yard-*\nevent.kind = motion" });
    expect(d).toMatchObject({ labels: "argocd.argoproj.io/instance=framegate", outputBucket: "alerts", ttlSeconds: "60", deadlineSeconds: "" });
    expect(toPipeline(d, [])).toEqual({ apiVersion: "framegate.io/v1alpha1", kind: "Pipeline", ...webhook, metadata: { ...webhook.metadata, annotations: undefined } });
    expect(parse(draftYaml(d, []))).toEqual({ apiVersion: "framegate.io/v1alpha1", kind: "Pipeline", ...webhook });
  });

  it("round-trips a diamond with placement, steps ordered so each runs after steps above it", () => {
    const d = draftFromDocument(diamond);
    expect(d.steps.map((s) => s.name)).toEqual(["resize", "detect", "thumb", "blur"]);
    expect(d.steps[1]).toMatchObject({ nodeSelector: "hardware=gpu", tolerations: "nvidia.com/gpu:NoSchedule", limits: "nvidia.com/gpu=1" });
    expect(d).toMatchObject({ minSize: "1024", objectMetadata: "motion=true", events: "s3:ObjectCreated:Put" });
    const out = parse(draftYaml(d, [])) as typeof diamond;
    expect(out.spec.trigger).toEqual(diamond.spec.trigger);
    expect(new Set(out.spec.workflow.steps.map((s) => JSON.stringify(s)))).toEqual(new Set(diamond.spec.workflow.steps.map((s) => JSON.stringify(s))));
  });

  it("draws the diamond: both branches in one column, the join after them", () => {
    const cols = stepColumns(draftFromDocument(diamond).steps);
    expect(Object.fromEntries(cols)).toEqual({ resize: 1, detect: 2, thumb: 2, blur: 3 });
  });

  it("leaves a cycle where it is rather than looping", () => {
    const s = (name: string, after: string[]) => ({ id: name, name, service: "x", params: {}, after, nodeSelector: "", tolerations: "", requests: "", limits: "" });
    expect(topoOrder([s("a", ["b"]), s("b", ["a"])]).map((x) => x.name)).toEqual(["a", "b"]);
  });

  it("reads and writes tolerations as kubectl writes taints", () => {
    for (const t of [{ key: "gpu", operator: "Equal", value: "yes", effect: "NoSchedule" }, { key: "gpu", operator: "Exists" }, { operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }]) {
      expect(parseToleration(tolerationText(t))).toEqual(t);
    }
  });
});

describe("every example pipeline through the composer", () => {
  it("comes out as it went in, with the real catalog's defaults (no drift against Git)", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { REPO_ROOT } = await import("../../../test/harness/util.js");
    const { loadCatalog } = await import("../../../src/rules/catalog.js");
    const { summarizeCatalog } = await import("../../../src/gateway/service-summary.js");
    const { canonical } = await import("../../../src/gateway/pipeline-document.js");
    const loaded = await loadCatalog(join(REPO_ROOT, "services"));
    if (!loaded.ok) throw new Error("the catalog does not load");
    const catalog = summarizeCatalog(loaded.catalog.values());
    const files = readdirSync(join(REPO_ROOT, "pipelines")).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const doc = parse(readFileSync(join(REPO_ROOT, "pipelines", f), "utf8")) as { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> };
      const out = parse(draftYaml(draftFromDocument(doc), catalog)) as typeof doc;
      const order = (d: typeof doc) => ({ ...d, spec: { ...d.spec, workflow: { ...(d.spec.workflow as object), steps: undefined } } });
      expect(order(out), f).toEqual(order(doc));
      const steps = (d: typeof doc) => new Set(((d.spec.workflow as { steps?: unknown[] }).steps ?? []).map((s) => JSON.stringify(canonical(s))));
      expect(steps(out), f).toEqual(steps(doc));
    }
  });
});
