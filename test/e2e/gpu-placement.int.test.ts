/**
 * @module test/e2e/gpu-placement.int.test — GPU placement and per-service concurrency on the stack (kwok,
 * kube-scheduler, workflow-controller). The detect entry of k8s/components/detect-on-gpu (toleration,
 * nvidia.com/gpu limit, runtimeClassName nvidia, concurrency 1) renders inline steps whose pods carry those
 * fields, and the scheduler binds them to the fake node that advertises nvidia.com/gpu behind a taint, not to
 * a node with the same label and no GPU. With the cap of 1 written by the gateway's identity into the
 * semaphore ConfigMap, a second Workflow's detect step waits on Argo's semaphore while the first one runs.
 * Argo fails a Workflow whose semaphore key the ConfigMap lacks; the gateway's guard writes the key first.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { match, objectEvent, pipeline, service } from "../fixtures/render-fixtures.js";
import { serviceSchema } from "../../src/rules/catalog-schema.js";
import type { Catalog } from "../../src/rules/types.js";
import { renderWorkflow } from "../../src/workflows/render.js";
import { kubeConfigMaps, SemaphoreGuard, SemaphoreSync } from "../../src/workflows/semaphore-sync.js";
import { SEMAPHORE_CONFIGMAP } from "../../src/workflows/semaphores.js";
import type { Workflow } from "../../src/workflows/types.js";
import { applyObjects, statusCode } from "../harness/kube.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { REPO_ROOT } from "../harness/util.js";
import { waitFor } from "../harness/wait.js";
import { PipelineUnderTest } from "./pipeline-under-test.js";

const NS = "argo";
const GPU_NODE = "kwok-gpu-0";
const NODES = [
  { name: "kwok-cpu-0" },
  // what NVIDIA's device plugin and GPU operator make of a GPU node: the resource, and a taint that keeps other pods off
  { name: GPU_NODE, labels: { hardware: "gpu" }, taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" as const }], resources: { "nvidia.com/gpu": "1" } },
  // labelled like a GPU node but without the device plugin: the nodeSelector alone would allow it
  { name: "kwok-gpu-nodevice", labels: { hardware: "gpu" } },
];
const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };

type WorkflowStatus = {
  status?: { phase?: string; nodes?: Record<string, { type?: string; templateName?: string; phase?: string; message?: string; hostNodeName?: string }> };
};

describe("GPU placement and per-service concurrency on the stack", () => {
  let stack: FullStack;
  let catalog: Catalog;
  let api: CustomObjectsApi;
  let core: CoreV1Api;
  const gpuPipeline = pipeline("gpu-detect", { serviceAccountName: "framegate-runner", steps: [{ name: "detect", service: "detect", params: { model: "yolov8n.onnx" } }] });

  beforeAll(async () => {
    const entry = serviceSchema.parse(parse(readFileSync(join(REPO_ROOT, "k8s/components/detect-on-gpu/detect-service.yaml"), "utf8")));
    catalog = new Map([["detect", entry]]);
    stack = await startStack({ kwok: { nodes: NODES } });
    const admin = stack.kube.kubeConfig();
    // K3s creates this RuntimeClass when it finds the NVIDIA container runtime; without it the API server refuses the pod
    await applyObjects(admin, [{ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name: "nvidia" }, handler: "nvidia" }]);
    api = stack.argo.gatewayKubeConfig().makeApiClient(CustomObjectsApi);
    core = admin.makeApiClient(CoreV1Api);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const submit = async (wf: Workflow) =>
    (await api.createNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace: NS, plural: "workflows", body: wf })) as Workflow;
  const read = async (name: string) =>
    (await api.getNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace: NS, plural: "workflows", name })) as WorkflowStatus;
  const podsOf = async (name: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace: NS, labelSelector: `workflows.argoproj.io/workflow=${name}` })).items;
  /** the detect Workflow for `key`; `holdMs` keeps its pod running that long (kwok's pod-complete delay) */
  const render = (key: string, holdMs = 0): Workflow => {
    const wf = renderWorkflow([match(gpuPipeline, objectEvent(key))], catalog);
    const detect = (wf.spec.templates as { name: string; metadata: { annotations?: Record<string, string> } }[]).find((t) => t.name === "detect")!;
    // kwok's delay is drawn from [delay, jitter-delay]: both, or the stage's 300 ms jitter caps it
    if (holdMs > 0) detect.metadata.annotations = { "pod-complete.stage.kwok.x-k8s.io/delay": `${holdMs}ms`, "pod-complete.stage.kwok.x-k8s.io/jitter-delay": `${holdMs}ms` };
    return wf;
  };

  it("writes the cap into the semaphore ConfigMap as the gateway, which may touch no other ConfigMap", async () => {
    const sync = new SemaphoreSync(kubeConfigMaps(stack.argo.gatewayKubeConfig()), pino({ level: "silent" }));
    const ruleSet = { pipelines: [gpuPipeline], catalog };
    expect(await sync.sync(ruleSet)).toEqual([{ namespace: NS, outcome: "written" }]);
    expect((await core.readNamespacedConfigMap({ namespace: NS, name: SEMAPHORE_CONFIGMAP })).data).toEqual({ detect: "1" });
    expect(await sync.sync(ruleSet), "nothing changed: no API call").toEqual([]);
    expect(await sync.sync(ruleSet, true)).toEqual([{ namespace: NS, outcome: "unchanged" }]);

    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "other" }, data: { a: "1" } } });
    const gateway = stack.argo.gatewayKubeConfig().makeApiClient(CoreV1Api);
    const refused = async (call: Promise<unknown>) => call.then(() => 200, (e: unknown) => statusCode(e));
    expect(await refused(gateway.readNamespacedConfigMap({ namespace: NS, name: "other" }))).toBe(403);
    expect(await refused(gateway.patchNamespacedConfigMap({ namespace: NS, name: "other", body: [{ op: "add", path: "/data/a", value: "2" }] }))).toBe(403);
    expect(await refused(gateway.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: "mine" } } }))).toBe(403);
    expect(await refused(gateway.deleteNamespacedConfigMap({ namespace: NS, name: SEMAPHORE_CONFIGMAP }))).toBe(403);
  }, 30_000);

  it("puts the detect pod, with its toleration, GPU request and runtime class, on the node with a GPU; a second one waits on the semaphore", async () => {
    const first = await submit(render("gate-01/2026/01/01/000000-1.jpg", 12_000));
    const firstName = first.metadata.name!;
    const [pod] = await waitFor(`a scheduled pod of ${firstName}`, async () => {
      const pods = await podsOf(firstName);
      return pods.length > 0 && pods[0]!.spec?.nodeName ? pods : undefined;
    }, 30_000);
    const spec = pod!.spec!;
    expect(spec.nodeName, "bound to the node that advertises nvidia.com/gpu, not the GPU-labelled node without it").toBe(GPU_NODE);
    expect(spec.tolerations).toContainEqual(GPU_TOLERATION);
    expect(spec.nodeSelector).toEqual({ hardware: "gpu" });
    expect(spec.runtimeClassName).toBe("nvidia");
    const main = spec.containers.find((c) => c.name === "main")!;
    expect(main.image).toBe("ghcr.io/framegate/detect-gpu:0.1.0");
    expect(main.resources?.limits?.["nvidia.com/gpu"]).toBe("1");
    expect(main.resources?.requests?.["nvidia.com/gpu"], "Kubernetes requests what an extended resource limits").toBe("1");

    // the first holds the only permit while its pod runs: the second's detect node waits, and it has no pod
    const second = await submit(render("gate-02/2026/01/01/000000-1.jpg"));
    const secondName = second.metadata.name!;
    const waiting = await waitFor(`${secondName}'s detect step waiting on the semaphore`, async () => {
      const nodes = Object.values((await read(secondName)).status?.nodes ?? {});
      return nodes.find((n) => n.templateName === "detect" && /Waiting for .*framegate-semaphores\/detect lock/.test(n.message ?? ""));
    }, 20_000);
    expect(waiting.message).toMatch(/Lock status: 0\/1/);
    // and it keeps waiting (not a passing state): the controller requeues it each second
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await read(firstName)).status?.phase).toBe("Running");
    expect(await podsOf(secondName), "no pod while it waits for the permit").toEqual([]);
    const still = Object.values((await read(secondName)).status?.nodes ?? {}).filter((n) => /framegate-semaphores\/detect lock/.test(n.message ?? ""));
    expect(still).not.toEqual([]);

    // the first ends, the permit passes on, the second runs and ends too
    const done = async (name: string) =>
      waitFor(`${name} succeeding`, async () => {
        const wf = await read(name);
        return wf.status?.phase === "Succeeded" ? wf : undefined;
      }, 40_000);
    await done(firstName);
    const secondDone = await done(secondName);
    const pods = Object.values(secondDone.status!.nodes!).filter((n) => n.type === "Pod");
    expect(pods.map((n) => [n.templateName, n.hostNodeName])).toEqual([["detect", GPU_NODE]]);
  }, 90_000);

  it("Argo fails a Workflow whose key the ConfigMap lacks; through the guard the key is written first and it runs", async () => {
    const capped = service("capped", { concurrency: 2 });
    const cappedCatalog: Catalog = new Map([...catalog, ["capped", capped]]);
    const p = pipeline("capped", { serviceAccountName: "framegate-runner", steps: [{ name: "s", service: "capped" }] });
    const direct = await submit(renderWorkflow([match(p, objectEvent("gate-03/a.jpg"))], cappedCatalog));
    const failed = await waitFor("the Workflow without its key ending", async () => {
      const wf = await read(direct.metadata.name!);
      return wf.status?.phase === "Error" || wf.status?.phase === "Failed" || wf.status?.phase === "Succeeded" ? wf : undefined;
    }, 20_000);
    expect(failed.status!.phase).toBe("Error");
    expect(Object.values(failed.status!.nodes!).map((n) => n.message ?? "").join("\n")).toMatch(/Sync configuration key 'capped' not found in ConfigMap/);

    const sync = new SemaphoreSync(kubeConfigMaps(stack.argo.gatewayKubeConfig()), pino({ level: "silent" }));
    const guard = new SemaphoreGuard({ create: async (wf) => (await submit(wf), "created") }, sync, () => ({ pipelines: [p, gpuPipeline], catalog: cappedCatalog }));
    const wf = renderWorkflow([match(p, objectEvent("gate-03/b.jpg"))], cappedCatalog);
    expect(await guard.create(wf)).toBe("created");
    expect((await core.readNamespacedConfigMap({ namespace: NS, name: SEMAPHORE_CONFIGMAP })).data).toEqual({ capped: "2", detect: "1" });
    await waitFor(`${wf.metadata.name} succeeding`, async () => (await read(wf.metadata.name!)).status?.phase === "Succeeded", 20_000);
  }, 60_000);

  it("the gateway writes the catalog's cap before it creates the capped Workflow of an upload", async () => {
    // the GPU entry with another cap, so what the ConfigMap holds afterwards can only come from this gateway
    const servicesDir = mkdtempSync(join(tmpdir(), "framegate-gpu-services-"));
    let t: PipelineUnderTest | undefined;
    try {
      for (const s of ["resize", "blur"]) {
        mkdirSync(join(servicesDir, s));
        copyFileSync(join(REPO_ROOT, "services", s, "service.yaml"), join(servicesDir, s, "service.yaml"));
      }
      mkdirSync(join(servicesDir, "detect"));
      const gpuEntry = readFileSync(join(REPO_ROOT, "k8s/components/detect-on-gpu/detect-service.yaml"), "utf8");
      expect(gpuEntry).toMatch(/^ {2}concurrency: 1$/m);
      writeFileSync(join(servicesDir, "detect", "service.yaml"), gpuEntry.replace(/^ {2}concurrency: 1$/m, "  concurrency: 3"));
      const rule = `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: gw-gpu }
spec:
  trigger: { bucket: gw-gpu, key: "{camera}/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: detect, service: detect }]
`;
      t = await PipelineUnderTest.start(stack, { id: "gpu", rules: { "gw-gpu.yaml": rule }, extra: { FRAMEGATE_SERVICES_DIR: servicesDir } });
      expect((await core.readNamespacedConfigMap({ namespace: NS, name: SEMAPHORE_CONFIGMAP })).data?.detect, "written at start-up").toBe("3");
      await stack.minio.client.putObject("gw-gpu", "gate-04/a.jpg", Buffer.from("frame"), 5);
      const [wf] = await waitFor("the upload's Workflow", async () => {
        const list = await t!.workflows("gw-gpu");
        return list.length > 0 ? list : undefined;
      }, 30_000);
      const detect = (wf!.spec.templates ?? []).find((x) => x.name === "detect") as { synchronization?: unknown } | undefined;
      expect(detect?.synchronization).toEqual({ semaphores: [{ configMapKeyRef: { name: SEMAPHORE_CONFIGMAP, key: "detect" } }] });
      await waitFor(`${wf!.metadata.name} succeeding`, async () => (await read(wf!.metadata.name)).status?.phase === "Succeeded", 30_000);
      const syncs = (await t.metrics()).filter((m) => m.name === "framegate_semaphore_syncs_total");
      expect(syncs.find((m) => m.labels.outcome === "written")?.value).toBe(1);
    } finally {
      await t?.stop();
      rmSync(servicesDir, { recursive: true, force: true });
    }
  }, 90_000);
});
