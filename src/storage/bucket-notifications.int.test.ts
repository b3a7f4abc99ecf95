/**
 * @module storage/bucket-notifications.int.test — bucket notifications on a real MinIO (and the NATS it
 * notifies): `framegate setup` and the gateway's NotificationSync replace only framegate's entries and keep
 * the others, add the fast path's entry (MinIO's store-less target) when it is on and remove it when off,
 * write nothing when nothing differs, and say what to fix when they cannot; the gateway's identity may
 * change the notification of the buckets its rules name and nothing more.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { Client } from "minio";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMinio, type MinioServer } from "../../test/harness/minio.js";
import { createIntakeStreams, startNats, type IntakeStreams, type NatsServer } from "../../test/harness/nats.js";
import { makeTempDir, REPO_ROOT, type TempDir } from "../../test/harness/util.js";
import { waitFor } from "../../test/harness/wait.js";
import { memoryIo } from "../cli/io.js";
import { runCli } from "../cli/run.js";
import { createMetrics } from "../lib/metrics.js";
import { StorageAccessError } from "./admin-errors.js";
import { minioNotificationClient, type NotificationEntry, type WantedNotification } from "./bucket-notifications.js";
import { MinioAdmin } from "./minio-admin.js";
import { NotificationSync, type NotificationCondition } from "./notification-sync.js";

const ARN = "arn:minio:sqs::PRIMARY:nats";
const FAST_ARN = "arn:minio:sqs::FAST:nats";
const AUDIT_ARN = "arn:minio:sqs::AUDIT:nats";
const gatewayId = { accessKey: "framegate-gateway", secretKey: "gateway-secret-0123456789" };

let nats: NatsServer;
let streams: IntakeStreams;
let minio: MinioServer;
let rules: TempDir;

const pipeline = (name: string, bucket: string, prefix: string) => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger: { bucket: ${bucket}, prefix: "${prefix}", suffix: .jpg }
  workflow:
    steps: [{ name: resize, service: resize }]
`;

beforeAll(async () => {
  nats = await startNats();
  streams = await createIntakeStreams(nats);
  const audit = nats.credentials("minio");
  // a second target that is not framegate's: its entries must survive every change framegate makes
  minio = await startMinio({
    natsHostPort: nats.hostPort,
    natsUser: audit,
    subject: streams.minioSubject,
    fast: { user: nats.credentials("minio-fast") },
    env: {
      MINIO_NOTIFY_NATS_ENABLE_AUDIT: "on",
      MINIO_NOTIFY_NATS_ADDRESS_AUDIT: nats.hostPort,
      MINIO_NOTIFY_NATS_SUBJECT_AUDIT: streams.minioSubject,
      MINIO_NOTIFY_NATS_USERNAME_AUDIT: audit.user,
      MINIO_NOTIFY_NATS_PASSWORD_AUDIT: audit.pass,
    },
  });
  await minio.client.makeBucket("dock");
  rules = makeTempDir("notify-rules");
  writeFileSync(join(rules.path, "cams.yaml"), pipeline("cams", "raw", "cams/"));
  Object.assign(process.env, {
    ...nats.clientEnv("setup"),
    FRAMEGATE_MINIO_ENDPOINT: minio.endpoint,
    FRAMEGATE_MINIO_ACCESS_KEY: minio.accessKey,
    FRAMEGATE_MINIO_SECRET_KEY: minio.secretKey,
    FRAMEGATE_MINIO_GATEWAY_ACCESS_KEY: gatewayId.accessKey,
    FRAMEGATE_MINIO_GATEWAY_SECRET_KEY: gatewayId.secretKey,
  });
}, 120_000);

afterAll(async () => {
  await minio?.stop();
  await nats?.stop();
  rules?.remove();
});

const root = () => minioNotificationClient(minio.client);
const asGateway = () => new Client({ endPoint: minio.host, port: minio.port, useSSL: false, ...gatewayId });
const outcome = (p: Promise<unknown>) => p.then(() => "allowed", (e: { code?: string }) => e.code ?? String(e));
const auditEntry: NotificationEntry = { kind: "queue", arn: AUDIT_ARN, id: "audit", events: ["s3:ObjectRemoved:*"], prefix: "audit/", suffix: "" };

async function setup(): Promise<string> {
  const io = memoryIo();
  const code = await runCli(["setup", "--rules", rules.path, "--services", join(REPO_ROOT, "services")], io);
  expect(io.stderr).toBe("");
  expect(code).toBe(0);
  return io.stdout;
}

function sync(wanted: WantedNotification[], opts: { arn?: string; leader?: boolean; fast?: { arn: string; on: boolean } } = {}) {
  const results: Map<string, NotificationCondition>[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  const s = new NotificationSync({
    client: minioNotificationClient(asGateway()),
    arn: opts.arn ?? ARN,
    ...(opts.fast && { fast: opts.fast }),
    wanted: () => wanted,
    isLeader: () => opts.leader ?? true,
    onResult: (c) => results.push(c),
    log: pino({ level: "silent" }),
    metrics,
    retryMs: 60_000,
  });
  return { s, results, metrics };
}

describe("bucket notifications follow the rules", () => {
  it("framegate setup replaces its own entry, keeps another target's, and changes nothing the second time", async () => {
    await root().write("raw", [auditEntry, { kind: "queue", arn: ARN, events: ["s3:ObjectCreated:*"], prefix: "old/", suffix: "" }]);
    expect(await setup()).toMatch(/^minio: bucket raw -> arn:minio:sqs::PRIMARY:nats events=.* prefix="cams\/" suffix="\.jpg" \(pipelines: cams\)$/m);
    const entries = await root().read("raw");
    expect(entries).toContainEqual(auditEntry);
    expect(entries.filter((e) => e.arn === ARN)).toEqual([expect.objectContaining({ id: "framegate", prefix: "cams/", suffix: ".jpg" })]);
    expect(await setup()).toMatch(/^minio: bucket raw -> .*\(pipelines: cams\) unchanged$/m);
  });

  it("the gateway's pass widens the filter for a new prefix, an upload there reaches the intake, and the next pass writes nothing", async () => {
    const wanted = [{ bucket: "raw", prefix: "", suffix: ".jpg", events: ["s3:ObjectCreated:Put"], pipelines: ["cams", "yard"] }];
    const { s, results, metrics } = sync(wanted);
    await s.run();
    expect(results.at(-1)!.get("yard")).toMatchObject({ type: "NotificationsReady", status: "True", reason: "Configured" });
    expect(results.at(-1)!.get("cams")!.message).toBe(`bucket raw sends s3:ObjectCreated:Put under prefix "" and suffix ".jpg" to ${ARN}`);
    expect(await root().read("raw")).toContainEqual(auditEntry);
    const nc = await nats.connectAs("setup");
    const jsm = await jetstreamManager(nc);
    const before = (await jsm.streams.info(streams.stream)).state.messages;
    await minio.client.putObject("raw", "yard/cam-1/a.jpg", Buffer.from("frame"));
    await waitFor("the upload's notification in the intake", async () => (await jsm.streams.info(streams.stream)).state.messages > before, 10_000, { pollMs: 100 });
    await nc.close();
    await s.run();
    const text = await metrics.registry.metrics();
    expect(text).toContain('framegate_bucket_notifications_total{outcome="updated"} 1');
    expect(text).toContain('framegate_bucket_notifications_total{outcome="unchanged"} 1');
    await s.stop();
  });

  it("says what to fix: a bucket outside the gateway's policy, a missing bucket, an unknown target; a replica without the Lease does nothing", async () => {
    const { s, results } = sync([
      { bucket: "dock", prefix: "", suffix: "", events: ["s3:ObjectCreated:Put"], pipelines: ["dock-cams"] },
      { bucket: "nowhere", prefix: "", suffix: "", events: ["s3:ObjectCreated:Put"], pipelines: ["lost"] },
    ]);
    await s.run();
    const r = results.at(-1)!;
    expect(r.get("dock-cams")).toMatchObject({ status: "False", reason: "AccessDenied" });
    expect(r.get("dock-cams")!.message).toMatch(/s3:PutBucketNotification on arn:aws:s3:::dock — run framegate setup/);
    // the gateway may not even ask whether a bucket outside its policy exists
    expect(r.get("lost")).toMatchObject({ status: "False" });
    expect(["AccessDenied", "BucketMissing"]).toContain(r.get("lost")!.reason);
    expect(await root().read("dock")).toEqual([]);
    await s.stop();

    const unknown = sync([{ bucket: "raw", prefix: "", suffix: ".jpg", events: ["s3:ObjectCreated:Put"], pipelines: ["cams"] }], { arn: "arn:minio:sqs::NOPE:nats" });
    await unknown.s.run();
    expect(unknown.results.at(-1)!.get("cams")).toMatchObject({ status: "False", reason: "TargetUnknown" });
    expect(unknown.results.at(-1)!.get("cams")!.message).toMatch(/FRAMEGATE_MINIO_NOTIFY_ARN/);
    await unknown.s.stop();

    const follower = sync([{ bucket: "raw", prefix: "zzz/", suffix: "", events: ["s3:ObjectCreated:Put"], pipelines: ["cams"] }], { leader: false });
    await follower.s.run();
    expect(follower.results).toEqual([]);
    expect((await root().read("raw")).find((e) => e.arn === ARN)!.prefix).toBe("");
  });

  it("the fast path's entry: added beside the durable one when on, removed when off; a MinIO without the fast target keeps the durable one", async () => {
    const wanted = [{ bucket: "raw", prefix: "cams/", suffix: ".jpg", events: ["s3:ObjectCreated:Put"], pipelines: ["cams"] }];
    const on = sync(wanted, { fast: { arn: FAST_ARN, on: true } });
    await on.s.run();
    expect(on.results.at(-1)!.get("cams")).toMatchObject({ status: "True", message: `bucket raw sends s3:ObjectCreated:Put under prefix "cams/" and suffix ".jpg" to ${ARN} and ${FAST_ARN}` });
    const ours = (await root().read("raw")).filter((e) => e.arn !== AUDIT_ARN);
    expect(ours).toEqual([
      { kind: "queue", arn: ARN, id: "framegate", events: ["s3:ObjectCreated:Put"], prefix: "cams/", suffix: ".jpg" },
      { kind: "queue", arn: FAST_ARN, id: "framegate-fast", events: ["s3:ObjectCreated:Put"], prefix: "cams/", suffix: ".jpg" },
    ]);
    await on.s.stop();
    // framegate setup with the fast path off takes the fast entry out and leaves the rest
    expect(await setup()).toMatch(/^minio: bucket raw -> arn:minio:sqs::PRIMARY:nats events=/m);
    expect((await root().read("raw")).map((e) => e.arn).sort()).toEqual([AUDIT_ARN, ARN]);
    // on with a target MinIO does not have: the durable entry is written alone, and the condition says why
    const missing = sync(wanted, { fast: { arn: "arn:minio:sqs::NOPE:nats", on: true } });
    await root().write("raw", [auditEntry]);
    await missing.s.run();
    expect(missing.results.at(-1)!.get("cams")).toMatchObject({ status: "False", reason: "FastTargetUnknown" });
    expect(missing.results.at(-1)!.get("cams")!.message).toMatch(/no notification target arn:minio:sqs::NOPE:nats .*durable path .*FRAMEGATE_FAST_PATH=false/);
    expect((await root().read("raw")).map((e) => e.arn).sort()).toEqual([AUDIT_ARN, ARN]);
    await missing.s.stop();
  });

  it("the gateway's identity cannot do more: no objects outside its policy, no writes, no buckets, no users or policies", async () => {
    await minio.client.putObject("models", "detect.onnx", Buffer.from("model"));
    const gw = asGateway();
    expect(await outcome(gw.getBucketNotification("raw"))).toBe("allowed");
    expect(await outcome(gw.getObject("models", "detect.onnx"))).toBe("AccessDenied");
    expect(await outcome(gw.getBucketNotification("models"))).toBe("AccessDenied");
    expect(await outcome(gw.putObject("raw", "cams/forged.jpg", Buffer.from("x")))).toBe("AccessDenied");
    expect(await outcome(gw.makeBucket("gateway-made-this"))).toBe("AccessDenied");
    const admin = new MinioAdmin({ endpoint: minio.endpoint, ...gatewayId });
    await expect(admin.addUser("intruder", "intruder-secret-0123")).rejects.toBeInstanceOf(StorageAccessError);
    await expect(admin.addCannedPolicy("wide-open", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::*"] }] })).rejects.toBeInstanceOf(StorageAccessError);
  });
});
