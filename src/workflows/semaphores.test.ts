import { describe, expect, it } from "vitest";
import { catalog as baseCatalog, match, objectEvent, pipeline, refPipeline, service } from "../../test/fixtures/render-fixtures.js";
import { serviceSchema } from "../rules/catalog-schema.js";
import { renderWorkflow } from "./render.js";
import { SEMAPHORE_CONFIGMAP, semaphoreLimits, semaphoreNamespaces } from "./semaphores.js";

const gpuDetect = () =>
  service("detect", {
    resources: { limits: { "nvidia.com/gpu": 1 } },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    nodeSelector: { hardware: "gpu" },
    runtimeClassName: "nvidia",
    concurrency: 2,
  });
const catalog = () => new Map([...baseCatalog(), ["detect", gpuDetect()]]);
const steps = pipeline("two", {
  namespace: "vision",
  steps: [
    { name: "resize", service: "resize" },
    { name: "detect", service: "detect", after: ["resize"] },
  ],
});

type Template = { name: string; synchronization?: unknown; podSpecPatch?: string; tolerations?: unknown; nodeSelector?: unknown; container?: { resources?: unknown } };

describe("a catalog entry's GPU placement and concurrency cap in the rendered Workflow", () => {
  const templates = renderWorkflow([match(steps, objectEvent("gate-01/a.jpg"))], catalog()).spec.templates as Template[];
  const detect = templates.find((t) => t.name === "detect")!;
  const resize = templates.find((t) => t.name === "resize")!;

  it("requests the GPU, tolerates its taint, selects the node and the runtime class from the catalog entry", () => {
    expect(detect.container!.resources).toEqual({ limits: { "nvidia.com/gpu": "1" } });
    expect(detect.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(detect.nodeSelector).toEqual({ hardware: "gpu" });
    expect(JSON.parse(detect.podSpecPatch!)).toEqual({ runtimeClassName: "nvidia" });
  });

  it("takes a permit of the service's semaphore in every step of a capped service, and none elsewhere", () => {
    expect(detect.synchronization).toEqual({ semaphores: [{ configMapKeyRef: { name: SEMAPHORE_CONFIGMAP, key: "detect" } }] });
    expect(resize).not.toHaveProperty("synchronization");
    expect(resize).not.toHaveProperty("podSpecPatch");
  });

  it("refuses a cap below 1 and a runtime class that is no name", () => {
    const entry = { apiVersion: "framegate.io/v1alpha1", kind: "ProcessingService", metadata: { name: "x" }, spec: { image: "i", command: ["c"] } };
    expect(serviceSchema.safeParse({ ...entry, spec: { ...entry.spec, concurrency: 0 } }).success).toBe(false);
    expect(serviceSchema.safeParse({ ...entry, spec: { ...entry.spec, concurrency: 1.5 } }).success).toBe(false);
    expect(serviceSchema.safeParse({ ...entry, spec: { ...entry.spec, runtimeClassName: "NVIDIA GPU" } }).success).toBe(false);
    expect(serviceSchema.safeParse({ ...entry, spec: { ...entry.spec, concurrency: 4, runtimeClassName: "nvidia" } }).success).toBe(true);
  });
});

describe("semaphoreLimits and semaphoreNamespaces", () => {
  it("lists every capped service with its cap, in name order", () => {
    const c = new Map([...catalog(), ["blur", service("blur", { concurrency: 8 })]]);
    expect(semaphoreLimits(c)).toEqual({ blur: "8", detect: "2" });
    expect(Object.keys(semaphoreLimits(c))).toEqual(["blur", "detect"]);
    expect(semaphoreLimits(baseCatalog())).toEqual({});
  });

  it("needs the ConfigMap in every pipeline namespace once a service is capped, in none otherwise", () => {
    const pipelines = [steps, refPipeline()];
    expect(semaphoreNamespaces({ pipelines, catalog: catalog() })).toEqual(["argo", "vision"]);
    expect(semaphoreNamespaces({ pipelines, catalog: baseCatalog() })).toEqual([]);
  });
});
