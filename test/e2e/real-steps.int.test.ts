/**
 * @module test/e2e/real-steps.int.test — Workflow steps run for real: the stack's pod runner plays the
 * kubelet for the only node, so Argo's controller schedules resize, detect and blur pods that run the
 * services' code against MinIO; Argo retries a step that exits 1 by the rendered retryStrategy and does
 * not retry one that exits 2. One stack, one gateway with three pipelines.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readObject } from "../../services/run-service.js";
import { detectVenv } from "../harness/pod-runner-images.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { REPO_ROOT } from "../harness/util.js";
import { PipelineUnderTest, stepEnv, waitFor, type WorkflowObject } from "./pipeline-under-test.js";
import { EXIT_SERVICE, EXIT_SERVICE_IMAGE } from "../fixtures/exit-service.js";

const pipeline = (name: string, bucket: string, steps: string) => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger: { bucket: ${bucket}, key: "{camera}/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps:
${steps}
`;

const RULES = {
  "people.yaml": pipeline("rs-people", "rs-people", `      - { name: resize, service: resize, params: { width: "640", height: "640" } }
      - { name: detect, service: detect, after: [resize], params: { confidence: "0.3" } }
      - { name: blur, service: blur, after: [resize, detect], params: { labels: person } }`),
  "flaky.yaml": pipeline("rs-flaky", "rs-flaky", `      - { name: fail, service: exit-with, params: { code: "1" } }`),
  "bad.yaml": pipeline("rs-bad", "rs-bad", `      - { name: resize, service: resize }`),
};

/** The fields of an Argo node status the test reads. */
interface ArgoNode {
  type: string;
  displayName: string;
  phase: string;
  startedAt: string;
  hostNodeName?: string;
  outputs?: { exitCode?: string };
}

interface Sidecar {
  image: { width: number; height: number };
  count: number;
  detections: Array<{ label: string; score: number; box: { x: number; y: number; width: number; height: number } }>;
}

describe("Workflow steps run for real by the pod runner", () => {
  let stack: FullStack;
  let t: PipelineUnderTest;
  let servicesDir: string;
  let bus: Buffer;

  beforeAll(async () => {
    bus = readFileSync(join(await detectVenv(), "fixtures/bus.jpg"));
    // the real catalog plus the test-only exit-with service
    servicesDir = mkdtempSync(join(tmpdir(), "framegate-real-steps-"));
    for (const s of ["resize", "detect", "blur"]) {
      mkdirSync(join(servicesDir, s));
      copyFileSync(join(REPO_ROOT, "services", s, "service.yaml"), join(servicesDir, s, "service.yaml"));
    }
    mkdirSync(join(servicesDir, "exit-with"));
    writeFileSync(join(servicesDir, "exit-with/service.yaml"), EXIT_SERVICE);
    stack = await startStack({
      runner: {
        maxProcesses: 2,
        images: EXIT_SERVICE_IMAGE,
      },
    });
    t = await PipelineUnderTest.start(stack, { id: "real-steps", rules: RULES, extra: { FRAMEGATE_SERVICES_DIR: servicesDir } });
    // all three at once: the runner's node (2 CPUs, 2 processes) queues what does not fit
    await stack.minio.client.putObject("rs-people", "gate-01/bus.jpg", bus, bus.length, { "Content-Type": "image/jpeg" });
    await stack.minio.client.putObject("rs-flaky", "gate-02/a.jpg", bus, bus.length, { "Content-Type": "image/jpeg" });
    const junk = Buffer.alloc(4096, 0x5a); // named .jpg, not an image: resize refuses it as bad input
    await stack.minio.client.putObject("rs-bad", "gate-03/junk.jpg", junk, junk.length, { "Content-Type": "image/jpeg" });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
    await stack?.stop();
    if (servicesDir) rmSync(servicesDir, { recursive: true, force: true });
  }, 60_000);

  /** The pipeline's one Workflow once it has finished. */
  async function finishedWorkflow(name: string): Promise<WorkflowObject> {
    let phase = "";
    return waitFor(`the Workflow of ${name} finishing`, async () => {
      const [wf] = await t.workflows(name);
      phase = wf?.status?.phase ?? "";
      return ["Succeeded", "Failed", "Error"].includes(phase) ? wf : undefined;
    }, 120_000, () => `phase "${phase}"; runner ${JSON.stringify(stack.runner!.stats())}\n${t.logs.toString().slice(-3000)}`);
  }

  /** The Workflow's pods (admin read), oldest first. */
  async function pods(wf: WorkflowObject): Promise<V1Pod[]> {
    const core = stack.kube.kubeConfig().makeApiClient(CoreV1Api);
    const list = await core.listNamespacedPod({ namespace: stack.argo.namespace, labelSelector: `workflows.argoproj.io/workflow=${wf.metadata.name}` });
    return list.items.sort((a, b) => +new Date(a.metadata!.creationTimestamp!) - +new Date(b.metadata!.creationTimestamp!));
  }
  const mainExit = (p: V1Pod) => p.status?.containerStatuses?.find((c) => c.name === "main")?.state?.terminated?.exitCode;
  const describePods = (ps: V1Pod[]) => ps.map((p) => `${p.metadata!.name} ${p.status?.phase} exit ${mainExit(p)}\n${stack.runner!.logs(p.metadata!.name!)?.slice(-1500)}`).join("\n");

  it("a photo with people: Argo runs resize, detect, blur to Succeeded; processed/ has the resized, the annotated and the masked frame and a detections JSON with a person", async () => {
    const wf = await finishedWorkflow("rs-people");
    expect(wf.status?.phase, describePods(await pods(wf))).toBe("Succeeded");
    // Argo deletes pods that succeeded (podGC OnPodSuccess): its node status keeps what the runner reported
    const nodes = Object.values((wf.status as { nodes?: Record<string, ArgoNode> }).nodes ?? {}).filter((n) => n.type === "Pod");
    nodes.sort((a, b) => +new Date(a.startedAt) - +new Date(b.startedAt));
    expect(nodes.map((n) => [n.displayName, n.hostNodeName, n.phase, n.outputs?.exitCode])).toEqual([
      ["resize(0)", "framegate-runner", "Succeeded", "0"], // (0): first attempt under the retry node
      ["detect(0)", "framegate-runner", "Succeeded", "0"],
      ["blur(0)", "framegate-runner", "Succeeded", "0"], // resize's image, blur's entrypoint; fan-in inputs
    ]);

    const [resized] = JSON.parse(stepEnv(wf, "resize", "FRAMEGATE_OUTPUT_KEYS")!) as string[];
    const [annotated] = JSON.parse(stepEnv(wf, "detect", "FRAMEGATE_OUTPUT_KEYS")!) as string[];
    const small = await sharp(await readObject(stack.minio, "processed", resized!)).metadata();
    expect([small.width, small.height]).toEqual([480, 640]); // 810x1080 fit inside 640x640
    const drawn = await sharp(await readObject(stack.minio, "processed", annotated!)).metadata();
    expect([drawn.format, drawn.width, drawn.height]).toEqual(["jpeg", 480, 640]);
    const sidecar = JSON.parse((await readObject(stack.minio, "processed", `${annotated}.json`)).toString("utf8")) as Sidecar;
    expect(sidecar.image).toEqual({ width: 480, height: 640 });
    const people = sidecar.detections.filter((d) => d.label === "person" && d.score >= 0.3);
    expect(people.length, JSON.stringify(sidecar)).toBeGreaterThan(0);
    for (const d of people) expect(d.box.x + d.box.width).toBeLessThanOrEqual(480);
    const [masked] = JSON.parse(stepEnv(wf, "blur", "FRAMEGATE_OUTPUT_KEYS")!) as string[];
    const blurred = await sharp(await readObject(stack.minio, "processed", masked!)).metadata();
    expect([blurred.width, blurred.height]).toEqual([480, 640]);
    expect(stack.runner!.stats().peakRunning).toBeLessThanOrEqual(2);
  }, 150_000);

  it("a step that exits 1 is retried by Argo (retryStrategy limit 2) and the Workflow fails after its retries", async () => {
    const wf = await finishedWorkflow("rs-flaky");
    const ps = await pods(wf);
    expect(wf.status?.phase, describePods(ps)).toBe("Failed");
    expect(ps.map((p) => [p.spec!.nodeName, p.status?.phase, mainExit(p)])).toEqual([
      ["framegate-runner", "Failed", 1],
      ["framegate-runner", "Failed", 1],
      ["framegate-runner", "Failed", 1],
    ]);
  }, 150_000);

  it("a step that exits 2 (resize refusing a file that is not an image) is not retried", async () => {
    const wf = await finishedWorkflow("rs-bad");
    const ps = await pods(wf);
    expect(wf.status?.phase, describePods(ps)).toBe("Failed");
    expect(ps.map((p) => [p.status?.phase, mainExit(p)])).toEqual([["Failed", 2]]);
    expect(stack.runner!.logs(ps[0]!.metadata!.name!)).toMatch(/"exitCode":2/);
  }, 150_000);
});
