/**
 * @module test/e2e/frames-to-workflows.int.test — the real stack end to end: a synthetic camera PUTs JPEG
 * frames into MinIO, MinIO notifies JetStream (configured by `framegate setup` from the rules), the gateway
 * (the gateway ServiceAccount's token, not admin) creates Workflows in kube-apiserver, and Argo's controller
 * with kwok's fake nodes runs them to Succeeded. One stack for the file; every test has its own pipeline,
 * bucket, consumer and KV bucket.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseMinioNotificationText } from "../../src/triggers/minio-event.js";
import { LABEL_VALUE_RE } from "../../src/workflows/name.js";
import { sumOf } from "../harness/prometheus-text.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { CameraFleet, uploadFrame, type Upload } from "../harness/synthetic-camera.js";
import { PipelineUnderTest, parameter, stepEnv, waitFor, type WorkflowObject } from "./pipeline-under-test.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const FINISHED = ["Succeeded", "Failed", "Error"];

/** A pipeline resizing then detecting every JPEG of `bucket` (no sampling: one Workflow per frame). */
function detectRule(name: string, bucket: string): string {
  return `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger:
    bucket: ${bucket}
    key: "{camera}/**/*.jpg"
    where: { contentType: ["image/jpeg"], minSize: 1024 }
  workflow:
    serviceAccountName: framegate-runner
    steps:
      - { name: resize, service: resize, params: { width: "320" } }
      - { name: detect, service: detect, after: [resize] }
    parameters: { camera: "{camera}", key: "{key}" }
`;
}

describe("frames to Workflows on the real stack", () => {
  let stack: FullStack;
  const running: PipelineUnderTest[] = [];

  beforeAll(async () => {
    stack = await startStack();
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  afterEach(async (ctx) => {
    for (const t of running.splice(0)) {
      if (ctx.task.result?.state === "fail") process.stderr.write(`--- gateway log of ${t.id} ---\n${t.logs.toString().slice(-8000)}\n`);
      await t.stop();
    }
  }, 60_000);

  /** A fresh pipeline, bucket, consumer and gateway for one test. */
  async function pipeline(id: string, rules: Record<string, string>): Promise<PipelineUnderTest> {
    const t = await PipelineUnderTest.start(stack, { id, rules });
    running.push(t);
    return t;
  }

  /** Waits until every upload has its Workflow (by the `framegate.io/key` annotation) and returns them by key. */
  async function workflowsFor(t: PipelineUnderTest, name: string, uploads: Upload[], ms = 90_000): Promise<Map<string, WorkflowObject>> {
    let got: WorkflowObject[] = [];
    return waitFor(
      `${uploads.length} Workflows of ${name}`,
      async () => {
        got = await t.workflows(name);
        const byKey = new Map(got.map((w) => [w.metadata.annotations?.["framegate.io/key"] ?? "", w]));
        return uploads.every((u) => byKey.has(u.key)) ? byKey : undefined;
      },
      ms,
      () => `have ${got.length}: ${got.map((w) => w.metadata.annotations?.["framegate.io/key"]).join(", ")}`,
    );
  }

  /** Waits until every named Workflow has finished; returns the phases. */
  async function finished(t: PipelineUnderTest, name: string, names: string[], ms = 120_000): Promise<Record<string, string>> {
    let phases: Record<string, string> = {};
    return waitFor(
      `Workflows of ${name} finishing`,
      async () => {
        phases = Object.fromEntries((await t.workflows(name)).map((w) => [w.metadata.name, w.status?.phase ?? ""]));
        return names.every((n) => FINISHED.includes(phases[n] ?? "")) ? phases : undefined;
      },
      ms,
      () => `phases: ${JSON.stringify(phases)}`,
    );
  }

  it("setup configures MinIO from the rules; uploaded frames become Workflows with the right names, labels, parameters and DAG; Argo runs them to Succeeded; the gateway reports them", async () => {
    const name = "e2e-flow-detect";
    const bucket = "e2e-flow";
    const t = await pipeline("flow", { "detect.yaml": detectRule(name, bucket) });
    // setup derived the bucket's notification from the rule (no suffix: "**/*.jpg" is not a plain suffix filter)
    expect(t.setupOutput).toContain(`minio: bucket ${bucket} -> arn:minio:sqs::PRIMARY:nats`);
    expect(t.setupOutput).toContain(`pipelines: ${name}`);
    expect(t.setupOutput).toMatch(/consumer FRAMEGATE\/framegate (created|updated)/);

    const fleet = new CameraFleet({ client: stack.minio.client, bucket, cameras: ["gate-01", "street-07"], fps: 2, framesPerCamera: 3 });
    fleet.start();
    await fleet.done();
    expect(fleet.errors).toBe(0);
    expect(fleet.uploads).toHaveLength(6);

    const byKey = await workflowsFor(t, name, fleet.uploads);
    expect(byKey.size).toBe(6);
    for (const u of fleet.uploads) {
      const wf = byKey.get(u.key)!;
      const m = wf.metadata;
      expect(m.name).toMatch(new RegExp(`^${name}-${u.camera}-[0-9a-f]{10}$`));
      expect(m.namespace).toBe("argo");
      expect(m.labels).toMatchObject({ "app.kubernetes.io/managed-by": "framegate", "framegate.io/pipeline": name, "framegate.io/camera": u.camera });
      expect(m.annotations).toMatchObject({ "framegate.io/bucket": bucket, "framegate.io/key": u.key, "framegate.io/camera": u.camera, "framegate.io/etag": u.etag });
      expect(parameter(wf, "camera")).toBe(u.camera);
      expect(parameter(wf, "key")).toBe(u.key);
      expect(wf.spec.serviceAccountName).toBe("framegate-runner");
      const entry = wf.spec.templates?.find((x) => x.name === wf.spec.entrypoint);
      // (the controller writes defaults such as `arguments: {}` back into the tasks)
      expect(entry?.dag?.tasks.map(({ name, template, dependencies }) => ({ name, template, ...(dependencies && { dependencies }) }))).toEqual([
        { name: "resize", template: "resize" },
        { name: "detect", template: "detect", dependencies: ["resize"] },
      ]);
      const stem = u.key.replace(/\.jpg$/, "");
      expect(stepEnv(wf, "resize", "FRAMEGATE_INPUT_BUCKET")).toBe(bucket);
      expect(JSON.parse(stepEnv(wf, "resize", "FRAMEGATE_INPUT_KEYS")!)).toEqual([u.key]);
      expect(JSON.parse(stepEnv(wf, "resize", "FRAMEGATE_OUTPUT_KEYS")!)).toEqual([`${name}/resize/${stem}.jpg`]);
      expect(stepEnv(wf, "resize", "FRAMEGATE_PARAM_WIDTH")).toBe("320");
      expect(JSON.parse(stepEnv(wf, "detect", "FRAMEGATE_INPUT_KEYS")!)).toEqual([`${name}/resize/${stem}.jpg`]);
      expect(stepEnv(wf, "detect", "FRAMEGATE_INPUT_BUCKET")).toBe("processed");
    }

    const names = [...byKey.values()].map((w) => w.metadata.name);
    const phases = await finished(t, name, names);
    expect(Object.values(phases).filter((p) => p === "Succeeded")).toHaveLength(6);

    // the gateway reports what it did: /api/events names every Workflow, /metrics counts them
    const events = await t.get<{ events: { key?: string; matches: { pipeline: string; workflow?: string; outcome: string }[] }[] }>("/api/events?limit=100");
    expect(events.status).toBe(200);
    const reported = events.body.events.flatMap((e) => e.matches.filter((x) => x.pipeline === name).map((x) => `${x.workflow}:${x.outcome}`));
    expect(reported.sort()).toEqual(names.map((n) => `${n}:created`).sort());
    const samples = await t.metrics();
    expect(sumOf(samples, "framegate_workflows_total", { pipeline: name, outcome: "created" })).toBe(6);
    expect(sumOf(samples, "framegate_events_matched_total", { pipeline: name })).toBe(6);

    // GET /api/workflows (the informer's view) when this build has it: the phases match the API server's
    const wfs = await t.get<{ workflows?: { name: string; phase?: string }[] }>(`/api/workflows?pipeline=${name}&limit=100`);
    if (wfs.status === 200 && Array.isArray(wfs.body.workflows)) {
      await waitFor(
        "/api/workflows reporting Succeeded",
        async () => {
          const r = await t.get<{ workflows: { name: string; phase?: string }[] }>(`/api/workflows?pipeline=${name}&limit=100`);
          const ph = new Map(r.body.workflows.map((w) => [w.name, w.phase]));
          return names.every((n) => ph.get(n) === "Succeeded");
        },
        30_000,
      );
    } else {
      expect([404, 503], `GET /api/workflows answered ${wfs.status}: ${JSON.stringify(wfs.body).slice(0, 300)}`).toContain(wfs.status);
    }
  }, 240_000);

  it("processes a camera never seen before with no configuration change", async () => {
    const name = "e2e-newcam";
    const bucket = "e2e-newcam";
    const t = await pipeline("newcam", { "detect.yaml": detectRule(name, bucket) });
    const camera = `cam-${randomBytes(4).toString("hex")}`;
    // nothing anywhere names it: not the rules, not the environment
    for (const f of readdirSync(t.rulesDir)) expect(readFileSync(join(t.rulesDir, f), "utf8")).not.toContain(camera);
    expect(JSON.stringify(t.env)).not.toContain(camera);

    const u = await uploadFrame(stack.minio.client, bucket, camera, 1);
    const wf = (await workflowsFor(t, name, [u])).get(u.key)!;
    expect(wf.metadata.labels?.["framegate.io/camera"]).toBe(camera);
    expect(parameter(wf, "camera")).toBe(camera);
    expect(await finished(t, name, [wf.metadata.name])).toEqual({ [wf.metadata.name]: "Succeeded" });
  }, 180_000);

  it("keys with spaces, '+' and non-ASCII names arrive decoded in the Workflow", async () => {
    const name = "e2e-keys";
    const bucket = "e2e-keys";
    const t = await pipeline("keys", { "detect.yaml": detectRule(name, bucket) });
    const cases = [
      { camera: "gate 01", key: "gate 01/2026/11/28/120000 1+a.jpg", label: "gate-01" },
      { camera: "kamera-süd", key: "kamera-süd/2026/11/28/120000-1.jpg", label: "kamera-s-d" },
      { camera: "lobby-01", key: "lobby-01/2026/11/28/日本 frame+2%.jpg", label: "lobby-01" },
    ];
    const uploads: Upload[] = [];
    for (const [i, c] of cases.entries()) uploads.push(await uploadFrame(stack.minio.client, bucket, c.camera, i, { key: c.key }));

    const byKey = await workflowsFor(t, name, uploads);
    for (const c of cases) {
      const wf = byKey.get(c.key)!;
      expect(wf, `no Workflow for ${c.key}`).toBeDefined();
      expect(wf.metadata.annotations?.["framegate.io/key"]).toBe(c.key);
      expect(wf.metadata.annotations?.["framegate.io/camera"]).toBe(c.camera);
      expect(wf.metadata.labels?.["framegate.io/camera"]).toBe(c.label);
      expect(wf.metadata.name).toMatch(DNS_LABEL);
      expect(parameter(wf, "key")).toBe(c.key);
      expect(parameter(wf, "camera")).toBe(c.camera);
      expect(JSON.parse(stepEnv(wf, "resize", "FRAMEGATE_INPUT_KEYS")!)).toEqual([c.key]);
      expect(stepEnv(wf, "resize", "FRAMEGATE_CAMERA")).toBe(c.camera);
    }
    const phases = await finished(t, name, [...byKey.values()].map((w) => w.metadata.name));
    expect(Object.values(phases)).toEqual(cases.map(() => "Succeeded"));
  }, 180_000);

  it("a camera id the renderer must sanitize never loops: a Workflow with a valid label, or a dead letter with a clear reason", async () => {
    const name = "e2e-weird";
    const bucket = "e2e-weird";
    const t = await pipeline("weird", { "detect.yaml": detectRule(name, bucket) });
    const long = `${"x".repeat(80)}-cam`;
    const cameras = ["Cam #7 (north)", long, "___", "Ωmega", "{{workflow.name}}"];
    const uploads: Upload[] = [];
    for (const [i, c] of cameras.entries()) uploads.push(await uploadFrame(stack.minio.client, bucket, c, i));

    // each upload ends as exactly one of: its Workflow exists, or its dead letter does
    type Fate = { wf?: WorkflowObject; dead?: { kind: string; reason: string } };
    const fates = await waitFor(
      "every weird camera's frame reaching a final outcome",
      async () => {
        const byKey = new Map((await t.workflows(name)).map((w) => [w.metadata.annotations?.["framegate.io/key"], w]));
        const dead = await t.deadLetters([name]);
        const out = new Map<string, Fate>();
        for (const u of uploads) {
          const d = dead.find((x) => parseMinioNotificationText(x.data).some((e) => e.key === u.key));
          const f: Fate = { wf: byKey.get(u.key), dead: d };
          if (!f.wf && !f.dead) return undefined;
          out.set(u.camera, f);
        }
        return out;
      },
      90_000,
    );

    const sanitized: Record<string, string | undefined> = {
      "Cam #7 (north)": "Cam-7-north",
      [long]: long.slice(0, 63),
      ___: undefined, // nothing usable: the label is left out, the raw id is in the annotation
      Ωmega: "mega",
    };
    for (const [camera, label] of Object.entries(sanitized)) {
      const f = fates.get(camera)!;
      expect(f.dead, `${camera} was dead-lettered: ${f.dead?.reason}`).toBeUndefined();
      const m = f.wf!.metadata;
      expect(m.labels?.["framegate.io/camera"]).toBe(label);
      if (label !== undefined) expect(label).toMatch(LABEL_VALUE_RE);
      expect(m.annotations?.["framegate.io/camera"]).toBe(camera);
      expect(m.name).toMatch(DNS_LABEL);
      expect(m.name.length).toBeLessThanOrEqual(63);
    }
    // "{{" would be an Argo template tag: refused once, dead-lettered with the reason, never retried
    const tag = fates.get("{{workflow.name}}")!;
    expect(tag.wf).toBeUndefined();
    expect(tag.dead?.kind).toBe("rejected");
    expect(tag.dead?.reason).toMatch(/contains "\{\{" — Argo would read it as a template tag/);

    await waitFor("the consumer to be drained", async () => {
      const c = await t.consumer();
      return c.pending === 0 && c.ackPending === 0;
    }, 30_000);
    expect((await t.consumer()).redelivered).toBe(0);
    const samples = await t.metrics();
    expect(sumOf(samples, "framegate_messages_naked_total")).toBe(0);
    expect(sumOf(samples, "framegate_workflows_total", { pipeline: name, outcome: "created" })).toBe(4);
    expect(sumOf(samples, "framegate_dead_lettered_total", { reason: "rejected" })).toBe(1);
    const phases = await finished(t, name, [...fates.values()].flatMap((f) => (f.wf ? [f.wf.metadata.name] : [])));
    expect(Object.values(phases)).toEqual(["Succeeded", "Succeeded", "Succeeded", "Succeeded"]);
  }, 180_000);
});
