/**
 * @module test/e2e/argo-shards.int.test — two Argo controller shards on the real stack: workflow-controllers
 * with instanceIDs `a` and `b`, and a gateway with `FRAMEGATE_ARGO_SHARDS=a,b`. Frames of several pipelines
 * become Workflows labelled with their pipeline's shard; each controller runs its own and never touches the
 * other's; a Workflow labelled for a shard with no controller is run by neither; the pipelines using the
 * capped service `detect` (concurrency 1) share one shard, and no two detect pods ever run at once; the
 * gateway's informer lists the Workflows of both shards.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi, Watch } from "@kubernetes/client-node";
import { INSTANCE_ID_LABEL, rendezvousShard } from "../../src/workflows/shards.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { REPO_ROOT } from "../harness/util.js";
import { uploadFrame } from "../harness/synthetic-camera.js";
import { PipelineUnderTest, waitFor, type WorkflowObject } from "./pipeline-under-test.js";

const SHARDS = ["a", "b"];
const BUCKET = "shards";
const WF = { group: "argoproj.io", version: "v1alpha1", plural: "workflows" } as const;

/** Pipeline names spread over both shards by the rendezvous rule (picked from a pool, so both shards get some). */
function spreadNames(): string[] {
  const pool = Array.from({ length: 16 }, (_, i) => `shard-p${i}`);
  const on = (s: string) => pool.filter((n) => rendezvousShard(`pipeline/${n}`, SHARDS) === s).slice(0, 2);
  return [...on("a"), ...on("b")];
}

function rule(name: string, steps: string): string {
  return `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger: { bucket: ${BUCKET}, key: "${name}/{camera}/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps:
${steps}
    parameters: { camera: "{camera}", key: "{key}" }
`;
}
const RESIZE = `      - { name: resize, service: resize }`;
const DETECT = `      - { name: detect, service: detect }`;

/** The repository's catalog with detect capped at 1 step at a time. */
function cappedServices(): string {
  const dir = mkdtempSync(join(tmpdir(), "framegate-shards-services-"));
  for (const s of ["resize", "detect"]) {
    mkdirSync(join(dir, s));
    copyFileSync(join(REPO_ROOT, "services", s, "service.yaml"), join(dir, s, "service.yaml"));
  }
  writeFileSync(join(dir, "detect", "service.yaml"), `${readFileSync(join(dir, "detect", "service.yaml"), "utf8")}\n  concurrency: 1\n`);
  return dir;
}

describe("Argo controller shards", () => {
  let stack: FullStack;
  let t: PipelineUnderTest;
  const plain = spreadNames();
  const capped = ["shard-cap-x", "shard-cap-y"];
  // the highest number of detect pods seen running at once
  let detectPeak = 0;
  let detectPods = 0;
  let stopWatch: (() => void) | undefined;

  beforeAll(async () => {
    stack = await startStack({ argo: { instanceIDs: SHARDS } });
    const rules = Object.fromEntries([...plain.map((n) => [`${n}.yaml`, rule(n, RESIZE)]), ...capped.map((n) => [`${n}.yaml`, rule(n, DETECT)])]);
    t = await PipelineUnderTest.start(stack, { id: "shards", rules, extra: { FRAMEGATE_ARGO_SHARDS: SHARDS.join(","), FRAMEGATE_SERVICES_DIR: cappedServices() } });
    const live = new Set<string>();
    const req = await new Watch(stack.kube.kubeConfig()).watch(
      `/api/v1/namespaces/${stack.argo.namespace}/pods`,
      {},
      (type, pod: { metadata: { name: string; annotations?: Record<string, string> }; status?: { phase?: string } }) => {
        // node names: `<workflow>.detect`, or `<workflow>.detect(<attempt>)` for a step with retries
        if (!/\.detect(\(\d+\))?$/.test(pod.metadata.annotations?.["workflows.argoproj.io/node-name"] ?? "")) return;
        const running = type !== "DELETED" && !["Succeeded", "Failed"].includes(pod.status?.phase ?? "");
        if (running && !live.has(pod.metadata.name)) detectPods++;
        if (running) live.add(pod.metadata.name);
        else live.delete(pod.metadata.name);
        detectPeak = Math.max(detectPeak, live.size);
      },
      () => {},
    );
    stopWatch = () => req.abort();
  }, 300_000);

  afterAll(async () => {
    stopWatch?.();
    await t?.stop();
    await stack?.stop();
  }, 60_000);

  async function all(): Promise<WorkflowObject[]> {
    const api = stack.kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const list = (await api.listNamespacedCustomObject({ ...WF, namespace: stack.argo.namespace, labelSelector: "app.kubernetes.io/managed-by=framegate" })) as { items: WorkflowObject[] };
    return list.items;
  }

  it("spreads pipelines over both shards, each controller runs only its own, capped pipelines share a shard and keep the cap", async () => {
    const frames = [...plain.flatMap((n) => [1, 2].map((i) => `${n}/cam-${i}/f.jpg`)), ...capped.flatMap((n) => [1, 2, 3].map((i) => `${n}/cam-${i}/f.jpg`))];
    await Promise.all(frames.map((key, i) => uploadFrame(stack.minio.client, BUCKET, key.split("/")[1]!, i, { key })));

    let wfs: WorkflowObject[] = [];
    await waitFor(
      `${frames.length} Workflows Succeeded`,
      async () => {
        wfs = await all();
        return wfs.length === frames.length && wfs.every((w) => w.status?.phase === "Succeeded");
      },
      60_000,
      () => `phases: ${JSON.stringify(wfs.map((w) => [w.metadata.name, w.metadata.labels?.[INSTANCE_ID_LABEL], w.status?.phase]))}\n${stack.argo.output().slice(-6000)}`,
    );

    const shardOf = (w: WorkflowObject) => w.metadata.labels?.[INSTANCE_ID_LABEL];
    const byPipeline = new Map<string, Set<string | undefined>>();
    for (const w of wfs) {
      const p = w.metadata.labels!["framegate.io/pipeline"]!;
      byPipeline.set(p, (byPipeline.get(p) ?? new Set()).add(shardOf(w)));
    }
    // every pipeline on one shard, the one rendezvous hashing names
    for (const n of plain) expect([...byPipeline.get(n)!]).toEqual([rendezvousShard(`pipeline/${n}`, SHARDS)]);
    const cappedShard = rendezvousShard("semaphores/argo", SHARDS);
    for (const n of capped) expect([...byPipeline.get(n)!]).toEqual([cappedShard]);
    expect(new Set(wfs.map(shardOf))).toEqual(new Set(SHARDS));

    // each controller processed exactly the Workflows of its shard
    for (const id of SHARDS) {
      const log = stack.argo.controllers.get(id)!.output.toString();
      for (const w of wfs) {
        const seen = new RegExp(`workflow=${w.metadata.name}(\\s|$)`, "m").test(log);
        expect({ shard: id, workflow: w.metadata.name, seen }).toEqual({ shard: id, workflow: w.metadata.name, seen: shardOf(w) === id });
      }
    }

    // the cap (detect: 1) held across the two capped pipelines
    expect(detectPods).toBe(capped.length * 3);
    expect(detectPeak).toBe(1);

    // the gateway's informer sees the Workflows of both shards
    const listed = await t.get<{ workflows: { name: string; phase: string }[] }>("/api/workflows?limit=100");
    expect(listed.body.workflows.filter((w) => w.phase === "Succeeded").map((w) => w.name).sort()).toEqual(wfs.map((w) => w.metadata.name).sort());
  }, 90_000);

  it("a Workflow labelled for a shard no controller runs is left alone by both", async () => {
    const api = stack.kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const name = "shard-orphan";
    await api.createNamespacedCustomObject({
      ...WF,
      namespace: stack.argo.namespace,
      body: {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Workflow",
        metadata: { name, labels: { [INSTANCE_ID_LABEL]: "c" } },
        spec: { entrypoint: "main", serviceAccountName: "framegate-runner", templates: [{ name: "main", container: { image: "framegate/noop:test", command: ["true"] } }] },
      },
    });
    // a labelled control Workflow for shard a, created after it, finishing shows the controllers looked meanwhile
    await api.createNamespacedCustomObject({
      ...WF,
      namespace: stack.argo.namespace,
      body: {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Workflow",
        metadata: { name: "shard-control", labels: { [INSTANCE_ID_LABEL]: "a" } },
        spec: { entrypoint: "main", serviceAccountName: "framegate-runner", templates: [{ name: "main", container: { image: "framegate/noop:test", command: ["true"] } }] },
      },
    });
    const phase = async (n: string) => ((await api.getNamespacedCustomObject({ ...WF, namespace: stack.argo.namespace, name: n })) as WorkflowObject).status?.phase;
    await waitFor("the control Workflow on shard a Succeeded", async () => (await phase("shard-control")) === "Succeeded", 30_000);
    expect(await phase(name)).toBeUndefined();
    for (const id of SHARDS) expect(stack.argo.controllers.get(id)!.output.toString()).not.toMatch(/workflow=shard-orphan(\s|$)/m);
  }, 45_000);
});
