/**
 * @module test/e2e/kube-api.int.test — what only a real kube-apiserver shows: the gateway's RBAC is enough
 * and no more, a redelivery's 409 is recognised from the real Status body, a 422 from real validation is
 * final with a clear message, and the API server going away and coming back mid-stream loses no frame and
 * creates no Workflow twice. The restart test runs last: it takes the API server away from everyone.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AuthorizationV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { NonRetriableError, RetryAfterError } from "../../src/lib/errors.js";
import { parseStatus } from "../../src/workflows/k8s-errors.js";
import { KubeWorkflowSubmitter } from "../../src/workflows/k8s-submitter.js";
import { renderWorkflow } from "../../src/workflows/render.js";
import type { Workflow } from "../../src/workflows/types.js";
import { catalog, inlinePipeline, match, objectEvent } from "../fixtures/render-fixtures.js";
import { statusCode } from "../harness/kube.js";
import { sumOf } from "../harness/prometheus-text.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { CameraFleet } from "../harness/synthetic-camera.js";
import { PipelineUnderTest, waitFor } from "./pipeline-under-test.js";

const WF = { group: "argoproj.io", version: "v1alpha1", plural: "workflows" } as const;

/** A Workflow as the renderer makes it, for pipeline `pipeline` and one frame of `key`. */
function rendered(pipeline: string, key: string): Workflow {
  return renderWorkflow([match(inlinePipeline(pipeline), objectEvent(key))], catalog());
}

describe("the gateway against a real kube-apiserver", () => {
  let stack: FullStack;
  const running: PipelineUnderTest[] = [];
  const submitters: KubeWorkflowSubmitter[] = [];

  beforeAll(async () => {
    stack = await startStack();
  }, 300_000);

  afterAll(async () => {
    for (const s of submitters) s.close();
    await stack?.stop();
  }, 60_000);

  afterEach(async (ctx) => {
    for (const t of running.splice(0)) {
      if (ctx.task.result?.state === "fail") process.stderr.write(`--- gateway log of ${t.id} ---\n${t.logs.toString().slice(-8000)}\n`);
      await t.stop();
    }
  }, 60_000);

  /** The submitter the gateway uses, on the gateway ServiceAccount's token. */
  async function gatewaySubmitter(allowedNamespaces = ["argo"]): Promise<KubeWorkflowSubmitter> {
    const s = await KubeWorkflowSubmitter.create(stack.argo.gatewayKubeConfig(), { timeoutMs: 10_000, allowedNamespaces });
    submitters.push(s);
    return s;
  }

  it("the gateway's token may create, get, list and watch Workflows in its namespace, and nothing more", async () => {
    const kc = stack.argo.gatewayKubeConfig();
    const authz = kc.makeApiClient(AuthorizationV1Api);
    const can = async (verb: string, resource: string, namespace: string, group = "") => {
      const r = await authz.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb, resource, group, namespace } } } });
      return r.status?.allowed === true;
    };
    // enough: what submitting (create, 409 -> exists) and the informer (list, watch) need
    for (const verb of ["create", "get", "list", "watch"]) expect(await can(verb, "workflows", "argo", "argoproj.io"), `${verb} workflows`).toBe(true);
    // and not more
    const denied: [string, string, string, string?][] = [
      ["delete", "workflows", "argo", "argoproj.io"],
      ["update", "workflows", "argo", "argoproj.io"],
      ["patch", "workflows", "argo", "argoproj.io"],
      ["create", "workflows", "default", "argoproj.io"],
      ["list", "workflows", "", "argoproj.io"],
      ["create", "workflowtemplates", "argo", "argoproj.io"],
      ["create", "pods", "argo"],
      ["create", "configmaps", "argo"],
      ["get", "secrets", "argo"],
      ["create", "serviceaccounts/token", "argo"],
    ];
    for (const [verb, resource, ns, group] of denied) expect(await can(verb, resource, ns, group), `${verb} ${resource} in "${ns}"`).toBe(false);

    // the same, as real requests: the submitter creates; pods, configmaps and another namespace are refused
    const submitter = await gatewaySubmitter(["argo", "default"]);
    expect(await submitter.create(rendered("e2e-rbac", "gate-01/2026/11/28/120000-1.jpg"))).toBe("created");
    await submitter.ping();
    const core = kc.makeApiClient(CoreV1Api);
    const pod = core.createNamespacedPod({ namespace: "argo", body: { metadata: { name: "e2e-sneaky" }, spec: { containers: [{ name: "c", image: "x" }] } } });
    expect(statusCode(await pod.catch((e: unknown) => e))).toBe(403);
    const cm = core.createNamespacedConfigMap({ namespace: "argo", body: { metadata: { name: "e2e-sneaky" } } });
    expect(statusCode(await cm.catch((e: unknown) => e))).toBe(403);

    const elsewhere = rendered("e2e-rbac", "gate-01/2026/11/28/120000-2.jpg");
    elsewhere.metadata.namespace = "default";
    const err = await submitter.create(elsewhere).catch((e: unknown) => e);
    // a 403 may be fixed by an operator (grant the Role): retried, dead-lettered when deliveries run out
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).reason).toBe("forbidden");
    expect((err as Error).message).toMatch(/Kubernetes refused the create of Workflow default\/e2e-rbac-\S+ \(403 Forbidden\): .*framegate-gateway.*check the gateway's ServiceAccount and Role/);
  });

  it("a second create of the same Workflow (a redelivery) is recognised from the real 409 Status body", async () => {
    const submitter = await gatewaySubmitter();
    const wf = rendered("e2e-conflict", "gate-01/2026/11/28/120000-1.jpg");
    expect(await submitter.create(wf)).toBe("created");
    expect(await submitter.create(structuredClone(wf))).toBe("exists");

    // what the submitter read: the API server's own Status for the conflict
    const api = stack.argo.gatewayKubeConfig().makeApiClient(CustomObjectsApi);
    const e = await api.createNamespacedCustomObject({ ...WF, namespace: "argo", body: wf }).catch((x: unknown) => x);
    expect(statusCode(e)).toBe(409);
    const st = parseStatus((e as { body?: unknown }).body);
    expect(st).toMatchObject({ code: 409, reason: "AlreadyExists" });
    expect(st.message).toContain(`"${wf.metadata.name}" already exists`);
  });

  it("a 422 from the API server's validation is final, with a message that names the field", async () => {
    const submitter = await gatewaySubmitter();
    const wf = rendered("e2e-invalid", "gate-01/2026/11/28/120000-1.jpg");
    const longValue = "c".repeat(100);
    wf.metadata.labels["framegate.io/camera"] = longValue;
    const err = await submitter.create(wf).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetriableError);
    const msg = (err as Error).message;
    expect(msg).toContain(`Kubernetes rejected Workflow argo/${wf.metadata.name} (422 Invalid)`);
    expect(msg).toMatch(/metadata\.labels: Invalid value: "c{100}": must be no more than 63 characters/);
    const api = stack.kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const get = await api.getNamespacedCustomObject({ ...WF, namespace: "argo", name: wf.metadata.name }).catch((e: unknown) => e);
    expect(statusCode(get)).toBe(404);
  });

  it("kube-apiserver going away mid-stream and coming back loses no frame and creates every Workflow exactly once", async () => {
    const name = "e2e-restart";
    const bucket = "e2e-restart";
    const t = await PipelineUnderTest.start(stack, {
      id: "restart",
      rules: {
        "restart.yaml": `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger: { bucket: ${bucket}, key: "{camera}/**/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: resize, service: resize }]
    parameters: { key: "{key}" }
`,
      },
    });
    running.push(t);
    const fleet = new CameraFleet({ client: stack.minio.client, bucket, cameras: ["gate-01", "lobby-02", "street-03"], fps: 2, framesPerCamera: 20 });
    fleet.start();
    await waitFor("the first Workflows", async () => (await t.workflows(name)).length >= 3, 60_000);

    const downAt = performance.timeOrigin + performance.now();
    await stack.kube.killApiserver("SIGKILL");
    await new Promise((r) => setTimeout(r, 6_000));
    const upAt = performance.timeOrigin + performance.now();
    await stack.kube.restartApiserver();
    await fleet.done();
    expect(fleet.errors).toBe(0);
    const whileDown = fleet.uploads.filter((u) => u.doneAt > downAt && u.doneAt < upAt).length;
    expect(whileDown, "no frame was uploaded while the API server was down: the test tested nothing").toBeGreaterThan(5);

    const keys = fleet.uploads.map((u) => u.key);
    let counts = new Map<string, number>();
    await waitFor(
      `a Workflow for each of the ${keys.length} frames`,
      async () => {
        counts = new Map();
        for (const w of await t.workflows(name)) {
          const k = w.metadata.annotations?.["framegate.io/key"] ?? "";
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        return keys.every((k) => counts.has(k));
      },
      180_000,
      () => `${keys.filter((k) => counts.has(k)).length}/${keys.length} present`,
    );
    expect([...counts.keys()].sort()).toEqual([...keys].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    await waitFor("the consumer to be drained", async () => {
      const c = await t.consumer();
      return c.pending === 0 && c.ackPending === 0;
    }, 60_000);
    const samples = await t.metrics();
    // a create the API server committed but never answered (killed mid-request) is retried and meets a 409:
    // counted as "exists", so created + exists covers every frame and created never exceeds them
    const created = sumOf(samples, "framegate_workflows_total", { pipeline: name, outcome: "created" });
    const exists = sumOf(samples, "framegate_workflows_total", { pipeline: name, outcome: "exists" });
    expect(created).toBeLessThanOrEqual(keys.length);
    expect(created + exists).toBeGreaterThanOrEqual(keys.length);
    // the outage was seen and ridden out by retries, not by dead letters
    expect(sumOf(samples, "framegate_messages_naked_total")).toBeGreaterThan(0);
    expect(await t.deadLetters([name])).toEqual([]);
  }, 300_000);
});
