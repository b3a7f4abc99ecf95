/**
 * On-demand runs end to end: a real nats-server and MinIO, the gateway in-process, a Kubernetes API
 * stand-in. `framegate run` and `POST /api/pipelines/:name/run` each make exactly one Workflow, for the
 * named pipeline only; a second run without force (or the upload's own notification) makes none; every
 * force makes one more, under a new name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { startNats, type NatsServer } from "../../test/harness/nats.js";
import { startMinio, type MinioServer } from "../../test/harness/minio.js";
import { REPO_ROOT } from "../../test/harness/util.js";
import { waitFor } from "../../test/harness/wait.js";
import { FakeKubeApi } from "../../test/fakes/kube-api.js";
import { minioNotificationObject } from "../../test/fixtures/minio-notification.js";
import { loadConfig } from "../config/env.js";
import { ensureIntake } from "../triggers/jetstream-setup.js";
import { KvStateStore } from "./state-store.js";
import { KvCameraActivityStore } from "../status/camera-activity-kv.js";
import { startGateway, type RunningGateway } from "../cli/commands/serve.js";
import { runCli } from "../cli/run.js";
import { memoryIo } from "../cli/io.js";
import { MinioObjectLister } from "../sweep/object-lister.js";
import { MinioAdmin } from "../storage/minio-admin.js";
import { ensureIdentity } from "../storage/identities.js";
import { allow, bucketArn, policyOf } from "../storage/policy.js";

let nats: NatsServer;
let nc: NatsConnection;
let minio: MinioServer;
let kube: FakeKubeApi;
let gw: RunningGateway;
let env: Record<string, string>;
const KEY = "gate-01/2026/12/01/120000-1.jpg";

beforeAll(async () => {
  nats = await startNats();
  nc = await nats.connectAs("setup"); // makes the streams and KV buckets, reads the intake's state
  minio = await startMinio();
  kube = await new FakeKubeApi().start();
  const dir = mkdtempSync(join(tmpdir(), "fg-run-"));
  const rulesDir = join(dir, "pipelines");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(rulesDir);
  // two pipelines match the object: a run names one, the other must not see it
  writeFileSync(
    join(rulesDir, "p.yaml"),
    `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: people-detect }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  select: { dedupe: 24h, sample: 5s }
  workflow:
    steps:
      - { name: resize, service: resize }
      - { name: detect, service: detect, after: [resize] }
---
apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: archive }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  workflow:
    steps: [{ name: resize, service: resize }]
---
apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: pngs }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.png" }
  workflow:
    steps: [{ name: resize, service: resize }]
`,
  );
  const kcFile = join(dir, "kubeconfig.yaml");
  writeFileSync(kcFile, kube.kubeconfig());
  env = {
    ...nats.clientEnv("gateway"), // serve, and `framegate run` (it publishes into the intake as the gateway does)
    FRAMEGATE_STREAM: "FRAMEGATE",
    FRAMEGATE_DLQ_STREAM: "FRAMEGATE_DLQ",
    FRAMEGATE_CONSUMER: "gw",
    FRAMEGATE_MINIO_SUBJECT: "minio.events",
    FRAMEGATE_RULES_DIR: rulesDir,
    FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"),
    FRAMEGATE_HTTP_PORT: "0",
    FRAMEGATE_MINIO_ENDPOINT: minio.endpoint,
    FRAMEGATE_MINIO_ACCESS_KEY: minio.accessKey,
    FRAMEGATE_MINIO_SECRET_KEY: minio.secretKey,
    FRAMEGATE_SWEEP: "false",
    FRAMEGATE_LOG_LEVEL: "silent",
    FRAMEGATE_WATCH_RULES: "false",
    KUBECONFIG: kcFile,
  };
  const cfg = loadConfig(env);
  await ensureIntake(nc, { stream: "FRAMEGATE", dlqStream: "FRAMEGATE_DLQ", consumer: "gw", minioSubject: env.FRAMEGATE_MINIO_SUBJECT! }, { ackWaitMs: cfg.FRAMEGATE_ACK_WAIT });
  // as framegate setup does: the gateway's NATS user may not create them
  await KvStateStore.open(nc, cfg.FRAMEGATE_KV_BUCKET, cfg.FRAMEGATE_STATE_TTL, cfg.FRAMEGATE_KV_MAX_BYTES);
  await KvCameraActivityStore.open(nc, cfg.FRAMEGATE_CAMERA_BUCKET, cfg.FRAMEGATE_CAMERA_TTL, cfg.FRAMEGATE_CAMERA_MAX_BYTES, pino({ level: "silent" }));
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  gw = await startGateway(cfg, pino({ level: "silent" }), { kubeConfig: kc });
  const body = Buffer.from("not decoded by the gateway");
  await minio.client.putObject("raw", KEY, body, body.length, { "Content-Type": "image/jpeg", "X-Amz-Meta-Camera": "gate-01" });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await kube?.stop();
  await nc?.close();
  await nats?.stop();
  await minio?.stop();
});

const workflows = (pipeline: string) => [...kube.workflows.values()].filter((w) => w.body.metadata.labels?.["framegate.io/pipeline"] === pipeline);

/** Waits until the gateway has settled every message (nothing pending or unacked). */
async function drained(): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await waitFor("the intake drained", async () => {
    const ci = await jsm.consumers.info("FRAMEGATE", "gw");
    return ci.num_pending === 0 && ci.num_ack_pending === 0;
  }, 10_000);
}

const api = (pipeline: string, body: unknown) =>
  fetch(`http://127.0.0.1:${gw.port}/api/pipelines/${pipeline}/run`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function cli(args: string[]) {
  const io = memoryIo();
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await runCli(["run", ...args], io);
    return { code, stdout: io.stdout, stderr: io.stderr };
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe("on-demand runs", () => {
  it("API: one Workflow for the named pipeline, none for a repeat or the upload's notification, one more per force", async () => {
    const res = await api("people-detect", { bucket: "raw", key: KEY });
    expect(res.status).toBe(202);
    const first = (await res.json()) as { workflow: string; eventId: string; etag: string; force: boolean };
    expect(first.eventId).toBe(`raw/${KEY}@${first.etag}`);
    await waitFor("the Workflow", () => workflows("people-detect").length === 1, 10_000);
    expect(workflows("people-detect")[0]!.name).toBe(first.workflow);
    expect(workflows("people-detect")[0]!.body.metadata.annotations?.["framegate.io/etag"]).toBe(first.etag);

    expect((await api("people-detect", { bucket: "raw", key: KEY })).status).toBe(202);
    // the upload's own notification: same object@etag, so people-detect's dedupe skips it (archive runs)
    await jetstream(nc).publish(env.FRAMEGATE_MINIO_SUBJECT!, JSON.stringify(minioNotificationObject(KEY, { etag: first.etag })));
    await waitFor("archive's Workflow from the upload", () => workflows("archive").length === 1, 10_000);
    await drained();
    expect(workflows("people-detect")).toHaveLength(1);

    const forced = (await (await api("people-detect", { bucket: "raw", key: KEY, force: true })).json()) as { workflow: string; eventId: string };
    expect(forced.eventId).toMatch(new RegExp(`^raw/${KEY.replaceAll(".", "\\.")}@${first.etag}#run-[0-9a-z]+$`));
    expect(forced.workflow).not.toBe(first.workflow);
    await waitFor("the forced Workflow", () => workflows("people-detect").length === 2, 10_000);
    expect(workflows("people-detect").map((w) => w.name)).toContain(forced.workflow);
    await drained();
    expect(workflows("archive")).toHaveLength(1); // a run names its pipeline: archive never saw the runs
  });

  it("API: 404 for an unknown pipeline or object, 422 when the trigger does not match, 400 for a bad body", async () => {
    expect((await api("nope", { bucket: "raw", key: KEY })).status).toBe(404);
    const missing = await api("people-detect", { bucket: "raw", key: "gate-01/gone.jpg" });
    expect(missing.status).toBe(404);
    expect(JSON.stringify(await missing.json())).toMatch(/raw\/gate-01\/gone\.jpg does not exist/);
    const noMatch = await api("pngs", { bucket: "raw", key: KEY });
    expect(noMatch.status).toBe(422);
    expect(JSON.stringify(await noMatch.json())).toMatch(/does not match the trigger of pipeline \\"pngs\\"/);
    expect((await api("people-detect", { bucket: "raw" })).status).toBe(400);
  });

  it("CLI: one Workflow for a new object, none for a repeat, one more with --force", async () => {
    const key = "gate-02/2026/12/01/130000-1.jpg";
    const body = Buffer.from("another frame");
    await minio.client.putObject("raw", key, body, body.length, { "Content-Type": "image/jpeg" });
    const before = workflows("people-detect").length;
    const flags = ["people-detect", "--bucket", "raw", "--key", key];
    const r = await cli(flags);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { workflow: string };
    await waitFor("the CLI's Workflow", () => workflows("people-detect").length === before + 1, 10_000);
    expect(workflows("people-detect").map((w) => w.name)).toContain(out.workflow);

    expect((await cli(flags)).code).toBe(0);
    await drained();
    expect(workflows("people-detect")).toHaveLength(before + 1);

    const f = await cli([...flags, "--force"]);
    expect(f.code, f.stderr).toBe(0);
    await waitFor("the forced Workflow", () => workflows("people-detect").length === before + 2, 10_000);
    await drained();
    expect(workflows("people-detect")).toHaveLength(before + 2);

    const bad = await cli(["people-detect", "--bucket", "raw", "--key", "gate-02/gone.jpg"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/raw\/gate-02\/gone\.jpg does not exist/);
  });

  it("looks an object up with an identity that may only list the bucket (no s3:GetObject), and nothing more", async () => {
    const admin = new MinioAdmin({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey });
    await ensureIdentity(admin, { accessKey: "fg-list-only", secretKey: "fg-list-only-secret", policyName: "fg-list-only", policy: policyOf([allow(["s3:ListBucket"], [bucketArn("raw")])]) });
    const listOnly = new MinioObjectLister({ endpoint: minio.endpoint, accessKey: "fg-list-only", secretKey: "fg-list-only-secret" });
    await expect(minio.client.statObject("raw", KEY)).resolves.toBeTruthy();
    const root = await new MinioObjectLister({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey }).stat("raw", KEY);
    const o = await listOnly.stat("raw", KEY);
    expect(o).toMatchObject({ bucket: "raw", key: KEY, etag: root!.etag, size: root!.size, metadataHidden: true });
    expect(root!.userMetadata).toMatchObject({ "content-type": "image/jpeg", "X-Amz-Meta-Camera": "gate-01" });
    // a key that only prefixes stored keys is not there
    expect(await listOnly.stat("raw", KEY.slice(0, -4))).toBeUndefined();
    expect(await listOnly.stat("raw", "gate-01/gone.jpg")).toBeUndefined();
    // and the identity still cannot read the object itself
    const { Client } = await import("minio");
    const c = new Client({ endPoint: minio.host, port: minio.port, useSSL: false, accessKey: "fg-list-only", secretKey: "fg-list-only-secret" });
    await expect(c.getObject("raw", KEY)).rejects.toMatchObject({ code: "AccessDenied" });
  });
});
