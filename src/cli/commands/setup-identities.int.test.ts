/**
 * @module cli/commands/setup-identities.int.test — `framegate setup` against the real NATS and MinIO creates
 * the identities of the steps, the gateway and Argo's archive with policies derived from the rules: each
 * can do its job and nothing more, running it twice changes nothing, and a pipeline with a new trigger
 * bucket gives the steps read access to it.
 */
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "minio";
import sharp from "sharp";
import { describeRun, readObject, runService } from "../../../services/run-service.js";
import { createIntakeStreams, startNats, type NatsServer } from "../../../test/harness/nats.js";
import { startMinio, type MinioServer } from "../../../test/harness/minio.js";
import { makeTempDir, REPO_ROOT, type TempDir } from "../../../test/harness/util.js";
import { MinioAdmin } from "../../storage/minio-admin.js";
import { memoryIo } from "../io.js";
import { runCli } from "../run.js";

let nats: NatsServer;
let minio: MinioServer;
let rules: TempDir;

const ids = {
  steps: { accessKey: "framegate-steps", secretKey: "steps-secret-0123456789" },
  gateway: { accessKey: "framegate-gateway", secretKey: "gateway-secret-0123456789" },
  artifacts: { accessKey: "framegate-artifacts", secretKey: "artifacts-secret-0123456789" },
};

beforeAll(async () => {
  nats = await startNats();
  const streams = await createIntakeStreams(nats);
  minio = await startMinio({ natsHostPort: nats.hostPort, natsUser: nats.credentials("minio"), subject: streams.minioSubject });
  rules = makeTempDir("setup-rules");
  cpSync(join(REPO_ROOT, "pipelines"), rules.path, { recursive: true });
  Object.assign(process.env, {
    ...nats.clientEnv("setup"),
    FRAMEGATE_MINIO_ENDPOINT: minio.endpoint,
    FRAMEGATE_MINIO_ACCESS_KEY: minio.accessKey,
    FRAMEGATE_MINIO_SECRET_KEY: minio.secretKey,
    FRAMEGATE_MINIO_STEPS_ACCESS_KEY: ids.steps.accessKey,
    FRAMEGATE_MINIO_STEPS_SECRET_KEY: ids.steps.secretKey,
    FRAMEGATE_MINIO_GATEWAY_ACCESS_KEY: ids.gateway.accessKey,
    FRAMEGATE_MINIO_GATEWAY_SECRET_KEY: ids.gateway.secretKey,
    FRAMEGATE_MINIO_ARTIFACTS_ACCESS_KEY: ids.artifacts.accessKey,
    FRAMEGATE_MINIO_ARTIFACTS_SECRET_KEY: ids.artifacts.secretKey,
  });
}, 180_000);
afterAll(async () => {
  await minio?.stop();
  await nats?.stop();
  rules?.remove();
});

async function setup() {
  const io = memoryIo();
  const code = await runCli(["setup", "--rules", rules.path, "--services", join(REPO_ROOT, "services")], io);
  expect(io.stderr).toBe("");
  expect(code).toBe(0);
  return io.stdout;
}

/** A client as the services build one: no region, so it asks each bucket for its location first. */
const as = (c: { accessKey: string; secretKey: string }) => new Client({ endPoint: minio.host, port: minio.port, useSSL: false, ...c });
const outcome = (p: Promise<unknown>) => p.then(() => "allowed", (e: { code?: string }) => e.code ?? String(e));
const body = Buffer.from("frame");

describe("framegate setup: MinIO identities", () => {
  it("creates the three users with their policies, and running it again changes nothing", async () => {
    const first = await setup();
    expect(first).toMatch(/^minio: identity steps: user framegate-steps, policy framegate-steps: read models, raw; read\+write processed$/m);
    expect(first).toMatch(/^minio: identity gateway: user framegate-gateway, policy framegate-gateway: notifications\+list\+listen raw; read processed, raw$/m);
    expect(first).toMatch(/^minio: identity artifacts: user framegate-artifacts, policy framegate-artifacts: read\+write\+delete argo-artifacts$/m);
    const admin = new MinioAdmin({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey });
    const usersBefore = await admin.listUsers();
    expect(usersBefore).toEqual([
      { accessKey: "framegate-artifacts", status: "enabled", policyName: "framegate-artifacts" },
      { accessKey: "framegate-gateway", status: "enabled", policyName: "framegate-gateway" },
      { accessKey: "framegate-steps", status: "enabled", policyName: "framegate-steps" },
    ]);

    const second = await setup();
    const minioLines = (s: string) => s.split("\n").filter((l) => l.startsWith("minio:") && !l.includes("created"));
    // the bucket notification is already what the rules need: the second run says so and writes nothing
    expect(minioLines(second)).toEqual(minioLines(first).map((l) => (l.startsWith("minio: bucket raw ->") ? `${l} unchanged` : l)));
    expect(await admin.listUsers()).toEqual(usersBefore);
  });

  it("the steps' identity reads raw and models, reads and writes processed; it cannot delete from raw, write raw, or touch other buckets", async () => {
    await minio.client.putObject("raw", "gate-01/a.jpg", body);
    await minio.client.putObject("models", "yolo.onnx", body);
    await minio.client.putObject("argo-artifacts", "logs/x.log", body);
    const steps = as(ids.steps);
    expect(await outcome(steps.getObject("raw", "gate-01/a.jpg"))).toBe("allowed");
    expect(await outcome(steps.getObject("models", "yolo.onnx"))).toBe("allowed");
    expect(await outcome(steps.listObjectsV2("raw", "gate-01/", true).toArray())).toBe("allowed");
    expect(await outcome(steps.putObject("processed", "people-detect/resize/gate-01/a.jpg", body))).toBe("allowed");
    expect(await outcome(steps.getObject("processed", "people-detect/resize/gate-01/a.jpg"))).toBe("allowed");

    expect(await outcome(steps.removeObject("raw", "gate-01/a.jpg"))).toBe("AccessDenied");
    expect(await outcome(steps.putObject("raw", "gate-01/forged.jpg", body))).toBe("AccessDenied");
    expect(await outcome(steps.putObject("models", "evil.onnx", body))).toBe("AccessDenied");
    expect(await outcome(steps.removeObject("processed", "people-detect/resize/gate-01/a.jpg"))).toBe("AccessDenied");
    expect(await outcome(steps.getObject("argo-artifacts", "logs/x.log"))).toBe("AccessDenied");
    expect(await outcome(steps.makeBucket("steps-made-this"))).toBe("AccessDenied");
    expect(await outcome(steps.getBucketNotification("raw"))).toBe("AccessDenied");
    expect((await minio.client.statObject("raw", "gate-01/a.jpg")).size).toBe(body.length);
  });

  it("the gateway reads notifications, lists trigger buckets, reads results (and raw's objects: the example rules filter on contentType, which the sweep lists only with read access), nothing more; Argo's archive is its bucket only", async () => {
    const gw = as(ids.gateway);
    expect(await outcome(gw.getBucketNotification("raw"))).toBe("allowed");
    expect(await outcome(gw.listObjectsV2("raw", "", true).toArray())).toBe("allowed");
    expect(await outcome(gw.getObject("processed", "people-detect/resize/gate-01/a.jpg"))).toBe("allowed");
    expect(await outcome(gw.getObject("raw", "gate-01/a.jpg"))).toBe("allowed");
    expect(await outcome(gw.putObject("processed", "forged.jpg", body))).toBe("AccessDenied");
    expect(await outcome(gw.removeObject("raw", "gate-01/a.jpg"))).toBe("AccessDenied");

    const argo = as(ids.artifacts);
    expect(await outcome(argo.putObject("argo-artifacts", "wf-1/main.log", body))).toBe("allowed");
    expect(await outcome(argo.getObject("argo-artifacts", "wf-1/main.log"))).toBe("allowed");
    expect(await outcome(argo.removeObject("argo-artifacts", "wf-1/main.log"))).toBe("allowed");
    expect(await outcome(argo.getObject("raw", "gate-01/a.jpg"))).toBe("AccessDenied");
    expect(await outcome(argo.putObject("processed", "x", body))).toBe("AccessDenied");
  });

  it("a pipeline with a new trigger bucket gets read access after setup (and not before)", async () => {
    await minio.client.makeBucket("dock-cams");
    await minio.client.putObject("dock-cams", "dock-1/a.jpg", body);
    const steps = as(ids.steps);
    expect(await outcome(steps.getObject("dock-cams", "dock-1/a.jpg"))).toBe("AccessDenied");

    writeFileSync(
      join(rules.path, "dock.yaml"),
      [
        "apiVersion: framegate.io/v1alpha1",
        "kind: Pipeline",
        "metadata: { name: dock-resize }",
        "spec:",
        "  trigger: { bucket: dock-cams, key: \"{camera}/**/*.jpg\" }",
        "  workflow:",
        "    outputBucket: dock-out",
        "    steps: [{ name: resize, service: resize }]",
        "",
      ].join("\n"),
    );
    const out = await setup();
    expect(out).toMatch(/^minio: bucket dock-out created \(output bucket\)$/m);
    expect(out).toMatch(/identity steps: .*read dock-cams, models, raw; read\+write dock-out, processed/);
    expect(await outcome(as(ids.steps).getObject("dock-cams", "dock-1/a.jpg"))).toBe("allowed");
    expect(await outcome(as(ids.steps).putObject("dock-out", "dock-resize/resize/dock-1/a.jpg", body))).toBe("allowed");
    expect(await outcome(as(ids.steps).putObject("dock-cams", "dock-1/forged.jpg", body))).toBe("AccessDenied");
    expect(await outcome(as(ids.gateway).getBucketNotification("dock-cams"))).toBe("allowed");
    // dock-resize needs no metadata (camera from the key, no metadata filter): the gateway may not read dock-cams
    expect(await outcome(as(ids.gateway).getObject("dock-cams", "dock-1/a.jpg"))).toBe("AccessDenied");
  });

  it("the real resize service runs as the steps' user: reads raw, writes processed, and cannot write into raw", async () => {
    const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#468" } }).jpeg().toBuffer();
    await minio.client.putObject("raw", "gate-01/2026/12/01/120000-1.jpg", jpeg);
    const resize = (outputBucket: string, out: string) =>
      runService({
        command: process.execPath,
        args: ["--import", "tsx", join(REPO_ROOT, "services/resize/src/main.ts")],
        cwd: REPO_ROOT,
        minio: { endpoint: minio.endpoint, ...ids.steps },
        inputKeys: ["gate-01/2026/12/01/120000-1.jpg"],
        outputBucket,
        outputKeys: [out],
        params: { width: "64", height: "64", fit: "inside", format: "jpeg" },
        timeoutMs: 60_000,
      });
    const ok = await resize("processed", "people-detect/resize/gate-01/2026/12/01/120000-1.jpg");
    expect(ok.code, describeRun(ok)).toBe(0);
    expect((await sharp(await readObject(minio, "processed", "people-detect/resize/gate-01/2026/12/01/120000-1.jpg")).metadata()).width).toBe(64);

    const refused = await resize("raw", "gate-01/2026/12/01/120000-1-small.jpg");
    expect(refused.code, describeRun(refused)).not.toBe(0);
    expect(JSON.stringify(refused.logs) + refused.stderr).toMatch(/Access Denied|AccessDenied/);
    expect(await outcome(minio.client.statObject("raw", "gate-01/2026/12/01/120000-1-small.jpg"))).toBe("NotFound");
  }, 120_000);
});
