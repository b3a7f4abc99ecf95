/**
 * The Workflow informer against a real kube-apiserver with Argo's CRDs (no controller: the test plays the
 * controller by patching `status` and the phase label, as Argo's does), as the gateway's least-privilege
 * ServiceAccount. Includes the API server being killed and started again, and the watch reading metadata only.
 */
import { randomBytes } from "node:crypto";
import { ApiextensionsV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installArgo, startKube, type ArgoInstall, type KubeCluster } from "../../test/harness/index.js";
import { waitFor } from "../../test/harness/wait.js";
import { WorkflowInformer } from "./informer.js";
import { metadataWatch, PHASE_LABEL } from "./metadata-watch.js";
import type { WatchedWorkflow } from "./workflow-row.js";
import type { WorkflowChange } from "./workflow-status.js";

const WF = { group: "argoproj.io", version: "v1alpha1", plural: "workflows" };

function workflow(name: string, pipeline: string, o: { camera?: string; managed?: boolean } = {}) {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: {
      name,
      labels: {
        ...(o.managed !== false && { "app.kubernetes.io/managed-by": "framegate" }),
        "framegate.io/pipeline": pipeline,
        ...(o.camera && { "framegate.io/camera": o.camera.replace(/[^A-Za-z0-9._-]/g, "-") }),
      },
      annotations: { ...(o.camera && { "framegate.io/camera": o.camera }), "framegate.io/count": "3", "framegate.io/key": `${o.camera ?? "x"}/a.jpg` },
    },
    spec: { entrypoint: "main", templates: [{ name: "main", container: { image: "framegate/noop:test", command: ["true"] } }] },
  };
}

describe("WorkflowInformer (real kube-apiserver, Argo CRDs)", () => {
  const ns = `informer-${randomBytes(3).toString("hex")}`;
  const logs: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  let kube: KubeCluster;
  let argo: ArgoInstall;
  let admin: CustomObjectsApi;
  let informer: WorkflowInformer;
  const changes: WorkflowChange[] = [];
  const succeeded: WatchedWorkflow[] = [];
  const fetches: string[] = [];

  const create = (name: string, pipeline: string, o?: { camera?: string; managed?: boolean }) =>
    admin.createNamespacedCustomObject({ ...WF, namespace: ns, body: workflow(name, pipeline, o) });
  // Argo's minimal CRDs have no status subresource: status is a plain field of the main resource; Argo's
  // controller labels the Workflow with its phase in the same update
  const setStatus = (name: string, status: Record<string, unknown>) =>
    admin.patchNamespacedCustomObject({
      ...WF,
      namespace: ns,
      name,
      body: [
        { op: "add", path: "/status", value: status },
        { op: "add", path: `/metadata/labels/${PHASE_LABEL.replace("/", "~1")}`, value: status.phase },
      ],
    });
  const remove = (name: string) => admin.deleteNamespacedCustomObject({ ...WF, namespace: ns, name });
  const names = () => informer.list({ limit: 1000 }).map((w) => w.name).sort();
  const phaseOf = (name: string) => informer.list({ limit: 1000 }).find((w) => w.name === name)?.phase;

  beforeAll(async () => {
    kube = await startKube();
    argo = await installArgo(kube, { namespace: ns });
    admin = kube.kubeConfig().makeApiClient(CustomObjectsApi);
  }, 180_000);

  afterAll(async () => {
    await informer?.stop();
    await kube?.stop();
  }, 60_000);

  it("runs against CRDs where status is a plain field (no status subresource)", async () => {
    const crd = await kube.kubeConfig().makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: "workflows.argoproj.io" });
    expect(crd.spec.versions[0]!.subresources?.status).toBeUndefined();
  });

  it("lists framegate's Workflows (and only those) as the gateway's ServiceAccount, then follows them", async () => {
    await create("p1-old", "p1", { camera: "Gate #1" });
    await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has second resolution
    await create("p1-new", "p1", { camera: "gate-2" });
    await create("p2-a", "p2");
    await create("not-ours", "p1", { managed: false });

    const kc: KubeConfig = argo.gatewayKubeConfig(); // get, list, watch (and create) Workflows only
    informer = new WorkflowInformer({
      kc,
      namespaces: [ns],
      log,
      retry: { initialMs: 200, maxMs: 2_000, healthyAfterMs: 5_000 },
      pageSize: 2,
      onSucceeded: (wf) => succeeded.push(structuredClone(wf)),
      onStatusFetch: (outcome) => fetches.push(outcome),
    });
    informer.onChange((c) => changes.push(c));
    await informer.start();
    expect(await informer.whenSynced(30_000)).toBe(true);

    // newest first (same second: by name), listed in pages of two
    expect(informer.list().map((w) => w.name)).toEqual(["p1-new", "p2-a", "p1-old"]);
    expect(informer.unfinished("p1")).toBe(2);
    expect(informer.unfinished("p2")).toBe(1);
    expect([informer.has(ns, "p1-old"), informer.has(ns, "not-ours")]).toEqual([true, false]);
    expect(informer.list({ camera: "Gate #1" })).toEqual([
      expect.objectContaining({ name: "p1-old", namespace: ns, pipeline: "p1", camera: "Gate #1", phase: "Pending", events: 3, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }),
    ]);

    await setStatus("p1-old", { phase: "Running", startedAt: "2024-05-01T12:00:00Z" });
    await waitFor("p1-old running", async () => phaseOf("p1-old") === "Running", 10_000, { pollMs: 200 });
    expect(informer.unfinished("p1")).toBe(2);

    await setStatus("p1-old", { phase: "Succeeded", startedAt: "2024-05-01T12:00:00Z", finishedAt: "2024-05-01T12:00:05Z" });
    await setStatus("p2-a", { phase: "Failed", message: "child 'main' failed" });
    await waitFor("two finished", async () => informer.unfinished("p1") === 1 && informer.unfinished("p2") === 0, 10_000, { pollMs: 200 });
    expect(informer.list({ phase: "failed" })).toEqual([expect.objectContaining({ name: "p2-a", message: "child 'main' failed" })]);
    expect(informer.list({ phase: "succeeded" })).toEqual([expect.objectContaining({ name: "p1-old", finishedAt: "2024-05-01T12:00:05Z" })]);
    expect(informer.counts()).toEqual({ p1: { pending: 1, running: 0, succeeded: 1, failed: 0 }, p2: { pending: 0, running: 0, succeeded: 0, failed: 1 } });
    // the watch said "finished" with labels only; each finished Workflow was fetched once, whole, for the results feeder
    expect(fetches).toEqual(["fetched", "fetched"]);
    expect(succeeded.map((w) => [w.metadata?.name, (w.spec as { entrypoint?: string })?.entrypoint, w.status?.finishedAt])).toEqual([["p1-old", "main", "2024-05-01T12:00:05Z"]]);

    await create("p2-b", "p2");
    await remove("p1-new");
    await waitFor("p2-b added, p1-new gone", async () => names().join() === "p1-old,p2-a,p2-b", 10_000, { pollMs: 200 });
    expect(informer.unfinished("p1")).toBe(0);
    expect(informer.unfinished("p2")).toBe(1);
    expect(changes.filter((c) => c.workflow.name === "p1-new").map((c) => c.type)).toEqual(["added", "deleted"]);
    expect(changes.filter((c) => c.workflow.name === "p1-old").map((c) => `${c.previousPhase ?? ""}>${c.workflow.phase}`)).toEqual([">Pending", "Pending>Running", "Running>Succeeded"]);
  }, 90_000);

  it("is sent watch events as metadata only (PartialObjectMetadata), the phase in Argo's label", async () => {
    const events: { type: string; kind?: string; spec?: unknown; phase?: string }[] = [];
    const ctl = await metadataWatch(argo.gatewayKubeConfig()).watch(
      `/apis/argoproj.io/v1alpha1/namespaces/${ns}/workflows`,
      { labelSelector: "framegate.io/pipeline=p3" },
      (type, obj: WatchedWorkflow) => events.push({ type, kind: obj.kind, spec: obj.spec, phase: obj.metadata?.labels?.[PHASE_LABEL] }),
      () => undefined,
    );
    try {
      await create("p3-a", "p3");
      await setStatus("p3-a", { phase: "Running" });
      await waitFor("two watch events", async () => events.length >= 2, 10_000, { pollMs: 100 });
      expect(events.slice(0, 2)).toEqual([
        { type: "ADDED", kind: "PartialObjectMetadata", spec: undefined, phase: undefined },
        { type: "MODIFIED", kind: "PartialObjectMetadata", spec: undefined, phase: "Running" },
      ]);
    } finally {
      ctl.abort();
      await remove("p3-a");
    }
  });

  it("survives the API server going away and coming back, and catches up on what changed", async () => {
    expect(informer.synced).toBe(true);
    const failuresBefore = logs.filter((l) => l.msg === "Workflow list/watch failed; retrying").length;

    await kube.killApiserver("SIGKILL");
    await waitFor("the informer noticing", async () => !informer.synced, 20_000, { pollMs: 200 });
    // it keeps what it knew while the API server is away
    expect(informer.unfinished("p2")).toBe(1);
    await new Promise((r) => setTimeout(r, 3_000)); // several failed attempts, backing off

    await kube.restartApiserver();
    // changes right after the restart, possibly before the informer is back: it must catch up on all of them
    await create("p1-after", "p1", { camera: "gate-9" });
    await setStatus("p2-b", { phase: "Running" });
    await remove("p2-a");

    expect(await informer.whenSynced(60_000)).toBe(true);
    await waitFor("the changes made around the restart", async () => names().join() === "p1-after,p1-old,p2-b" && phaseOf("p2-b") === "Running", 30_000, { pollMs: 200 });
    expect(informer.unfinished("p1")).toBe(1);
    expect(informer.unfinished("p2")).toBe(1);
    expect(informer.counts()).toEqual({ p1: { pending: 1, running: 0, succeeded: 1, failed: 0 }, p2: { pending: 0, running: 1, succeeded: 0, failed: 0 } });

    const failures = logs.filter((l) => l.msg === "Workflow list/watch failed; retrying").slice(failuresBefore);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(String(failures[0]!.reason)).toMatch(new RegExp(`namespace "${ns}"`));
    expect(logs.some((l) => l.msg === "watching Workflows again")).toBe(true);

    // and it keeps following after the recovery
    await setStatus("p1-after", { phase: "Error", message: "pod deleted" });
    await waitFor("p1-after errored", async () => phaseOf("p1-after") === "Error", 10_000, { pollMs: 200 });
    expect(informer.unfinished("p1")).toBe(0);
  }, 180_000);

  it("stops cleanly: no retries after stop()", async () => {
    await informer.stop();
    expect(informer.synced).toBe(false);
    const before = logs.length;
    await kube.killApiserver("SIGKILL");
    await new Promise((r) => setTimeout(r, 1_500));
    expect(logs.slice(before).filter((l) => l.msg === "Workflow list/watch failed; retrying")).toEqual([]);
  }, 30_000);
});
