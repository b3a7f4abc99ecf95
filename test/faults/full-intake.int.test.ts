/**
 * Full intake in miniature: the intake limited to 2 MiB while the API server stand-in refuses every
 * create, frames uploaded to the real MinIO (with its queue_dir) and webhooks POSTed until JetStream
 * refuses: webhooks then answer 503 `intake-full` (never a 202 that is later lost), MinIO keeps the events
 * it cannot deliver in its queue_dir. Then the API server heals: every uploaded frame and every 202'd
 * webhook is processed exactly once per pipeline, nothing refused is, and no stream or the KV bucket ever
 * held more than its limit. Prints the figures: bytes per stored MinIO notification, the limit reached,
 * 503s, frames lost.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { loadConfig } from "../../src/config/env.js";
import { startGateway, type RunningGateway } from "../../src/cli/commands/serve.js";
import { createStateBuckets } from "../harness/nats.js";
import { ensureIntake } from "../../src/triggers/jetstream-setup.js";
import { historyStreamName, kvStreamName, type IntakeLimits } from "../../src/triggers/jetstream-config.js";
import { FakeKubeApi } from "../fakes/kube-api.js";
import { setBucketNotification } from "../harness/minio.js";
import { startStack, type MinioStack } from "../harness/stack.js";
import { makeTempDir, REPO_ROOT, type TempDir } from "../harness/util.js";
import { waitFor } from "../harness/wait.js";
import { cameras, exactlyOnceRules, BATCH_SIZE } from "./exactly-once.js";
import { batchProblems, countKeys, describeReport, exactlyOnce, type WorkflowObject } from "./key-count.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const LIMITS: IntakeLimits = { streamMaxBytes: 2 * MiB, historyMaxBytes: 1 * MiB, dlqMaxBytes: 1 * MiB, historyMaxAgeMs: 3_600_000 };
const KV_MAX_BYTES = 4 * MiB;
const HOOK_TOKEN = "alerts-token-0123456789abcdef";
const ID = "fi";

let stack: MinioStack;
let nc: NatsConnection;
let jsm: JetStreamManager;
let kube: FakeKubeApi;
let gw: RunningGateway;
let dir: TempDir;

const { rules, pipelines } = exactlyOnceRules(ID);
const HOOK_PIPELINE = `${ID}-alerts`;

beforeAll(async () => {
  stack = await startStack({ level: "minio" });
  nc = await stack.nats.connectAs("setup"); // makes the streams and the KV bucket, reads their usage
  jsm = await jetstreamManager(nc);
  dir = makeTempDir("full-intake");
  const names = { stream: stack.streams.stream, dlqStream: stack.streams.dlqStream, consumer: "full", minioSubject: stack.streams.minioSubject };
  await ensureIntake(nc, names, { ackWaitMs: 30_000, limits: LIMITS });
  // as framegate setup does: the gateway's user may not create them
  await createStateBuckets(stack.nats, { FRAMEGATE_STATE_TTL: "1h", FRAMEGATE_KV_MAX_BYTES: "4MiB" });
  await setBucketNotification(stack.minio.client, "raw", { suffix: ".jpg" });
  for (const [file, text] of Object.entries(rules)) writeFileSync(join(dir.path, file), text);
  writeFileSync(
    join(dir.path, "alerts.yaml"),
    `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${HOOK_PIPELINE} }
spec:
  trigger: { source: webhook, hook: alerts }
  select: { dedupe: 1h }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: resize, service: resize }]
    parameters: { id: "{body.id}" }
`,
  );
  const hooksFile = join(dir.path, "..", "full-intake-hooks.txt");
  writeFileSync(hooksFile, `alerts: bearer:${HOOK_TOKEN}\n`);
  kube = await new FakeKubeApi().start();
  const kc = new KubeConfig();
  kc.loadFromString(kube.kubeconfig());
  const env = {
    ...stack.nats.clientEnv("gateway"),
    FRAMEGATE_STREAM: names.stream,
    FRAMEGATE_DLQ_STREAM: names.dlqStream,
    FRAMEGATE_CONSUMER: names.consumer,
    FRAMEGATE_MINIO_SUBJECT: names.minioSubject,
    FRAMEGATE_KV_BUCKET: "framegate-state",
    FRAMEGATE_STREAM_MAX_BYTES: "2MiB",
    FRAMEGATE_HISTORY_MAX_BYTES: "1MiB",
    FRAMEGATE_DLQ_MAX_BYTES: "1MiB",
    FRAMEGATE_KV_MAX_BYTES: "4MiB",
    FRAMEGATE_STATE_TTL: "1h",
    FRAMEGATE_RULES_DIR: dir.path,
    FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"),
    FRAMEGATE_HTTP_PORT: "0",
    FRAMEGATE_HOOK_SECRETS: hooksFile,
    // the API server refuses for a while: retry, never dead-letter, in this test
    FRAMEGATE_MAX_DELIVER: "1000",
    FRAMEGATE_KUBE_TIMEOUT: "2s",
    FRAMEGATE_LOG_LEVEL: "silent",
    FRAMEGATE_WATCH_RULES: "false",
  };
  gw = await startGateway(loadConfig(env), pino({ level: "silent" }), { kubeConfig: kc });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await kube?.stop();
  await nc?.close();
  await stack?.stop();
  dir?.remove();
});

/** The largest bytes each stream ever held, sampled every 100 ms. */
function watchUsage(streams: { name: string; limit: number }[]) {
  const peak = new Map(streams.map((s) => [s.name, 0]));
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      for (const s of streams) {
        const info = await jsm.streams.info(s.name).catch(() => undefined);
        if (info) peak.set(s.name, Math.max(peak.get(s.name)!, info.state.bytes));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return { peak, stop: async () => ((stop = true), await loop) };
}

describe("a full intake", () => {
  it("refuses input with 503s and MinIO's queue, loses nothing, and processes everything once after healing", async () => {
    const intake = stack.streams.stream;
    const usage = watchUsage([
      { name: intake, limit: LIMITS.streamMaxBytes },
      { name: historyStreamName(intake), limit: LIMITS.historyMaxBytes },
      { name: stack.streams.dlqStream, limit: LIMITS.dlqMaxBytes },
      { name: kvStreamName("framegate-state"), limit: KV_MAX_BYTES },
    ]);
    let refusing = true;
    kube.faultFor = () => (refusing ? { kind: "status", code: 500, message: "etcdserver: request timed out" } : undefined);

    // frames, round-robin over the five cameras; only PUTs MinIO answered 200 count
    const cams = cameras(ID);
    const uploaded: { key: string; camera: string }[] = [];
    let n = 0;
    const upload = async () => {
      const camera = cams[n % cams.length]!;
      const key = `${camera}/2026/12/01/${String(n++).padStart(6, "0")}.jpg`;
      await stack.minio.client.putObject("raw", key, Buffer.from(`frame ${key}`), undefined, { "Content-Type": "image/jpeg" });
      uploaded.push({ key, camera });
    };

    // 1. bytes per stored MinIO notification: 50 frames, nothing else in the intake
    for (let i = 0; i < 50; i++) await upload();
    await waitFor("the 50 notifications in the intake", async () => (await jsm.streams.info(intake)).state.messages === 50, 30_000);
    const first = await jsm.streams.info(intake);
    const bytesPerNotification = Math.round(first.state.bytes / first.state.messages);

    // 2. webhooks and uploads until JetStream refuses; then more of both while it is full
    const accepted: string[] = [];
    const refusedIds: string[] = [];
    let fullAnswers = 0;
    let w = 0;
    const post = async () => {
      const id = `w-${w++}`;
      const res = await fetch(`http://127.0.0.1:${gw.port}/hooks/alerts`, {
        method: "POST",
        headers: { authorization: `Bearer ${HOOK_TOKEN}`, "content-type": "application/json", "idempotency-key": id },
        body: JSON.stringify({ id, pad: "x".repeat(16 * KiB) }),
      });
      const json = (await res.json()) as { error?: string; code?: string };
      if (res.status === 202) accepted.push(id);
      else {
        expect(res.status).toBe(503);
        expect(json.code).toBe("intake-full");
        expect(json.error).toMatch(/^the intake is full: .*nothing was stored/);
        expect(res.headers.get("retry-after")).toBe("30");
        refusedIds.push(id);
        fullAnswers += 1;
      }
    };
    const deadline = Date.now() + 90_000;
    while (fullAnswers === 0 && Date.now() < deadline) {
      await post();
      await upload();
    }
    expect(fullAnswers).toBe(1);
    const uploadsBeforeFull = uploaded.length;
    for (let i = 0; i < 40; i++) {
      await upload();
      if (i % 4 === 0) await post();
    }
    expect(fullAnswers).toBeGreaterThanOrEqual(10); // still full: every webhook meanwhile refused
    // MinIO could not deliver these: they wait in its queue_dir
    const queued = readdirSync(stack.minio.queueDir, { recursive: true }).length;
    const full = await jsm.streams.info(intake);

    // 3. heal
    refusing = false;
    const ok = new Set(uploaded.map((u) => u.key));
    const wants = new Map(pipelines.map((p) => [p.name, uploaded.filter((u) => p.wants(u.camera)).map((u) => u.key)]));
    const all = () => [...kube.workflows.values()].map((x) => x.body as unknown as WorkflowObject);
    const ofPipeline = (p: string) => all().filter((wf) => wf.metadata.labels?.["framegate.io/pipeline"] === p);
    const hookIds = () => ofPipeline(HOOK_PIPELINE).map((wf) => wf.spec.arguments?.parameters?.find((x) => x.name === "id")?.value);
    let state = "";
    await waitFor(
      "every frame and 202'd webhook processed, the intake and MinIO's queue empty",
      async () => {
        const missing = pipelines.map((p) => [p.name, wants.get(p.name)!.filter((k) => !countKeys(ofPipeline(p.name)).has(k)).length] as const);
        const hooks = new Set(hookIds());
        const hooksMissing = accepted.filter((id) => !hooks.has(id)).length;
        const left = (await jsm.streams.info(intake)).state.messages;
        const queue = readdirSync(stack.minio.queueDir, { recursive: true }).length;
        state = `missing ${JSON.stringify(missing)}, webhooks missing ${hooksMissing}, intake ${left} messages, MinIO queue ${queue} files`;
        return missing.every(([, m]) => m === 0) && hooksMissing === 0 && left === 0;
      },
      240_000,
      () => state,
      500,
    );
    await new Promise((r) => setTimeout(r, 5000)); // late MinIO replays, redeliveries
    await usage.stop();

    const verdicts = pipelines.map((p) => ({ p, report: exactlyOnce(countKeys(ofPipeline(p.name)), wants.get(p.name)!), batch: p.batchSize ? batchProblems(ofPipeline(p.name), BATCH_SIZE) : [] }));
    for (const v of verdicts) {
      expect(describeReport(v.report), v.p.name).toBe(describeReport({ missing: [], duplicated: [], unexpected: [] }));
      expect(v.batch).toEqual([]);
    }
    const ids = hookIds();
    expect(ids.filter((id) => id !== undefined && refusedIds.includes(id))).toEqual([]); // nothing refused was processed
    expect([...ids].sort()).toEqual([...accepted].sort()); // each 202 exactly once
    for (const [name, peak] of usage.peak) {
      const limit = name === kvStreamName("framegate-state") ? KV_MAX_BYTES : name === intake ? LIMITS.streamMaxBytes : name === stack.streams.dlqStream ? LIMITS.dlqMaxBytes : LIMITS.historyMaxBytes;
      expect(peak, name).toBeLessThanOrEqual(limit);
    }
    expect(usage.peak.get(intake)!).toBeGreaterThan(LIMITS.streamMaxBytes - 20 * KiB); // it really was full

    const lost = verdicts.reduce((s, v) => s + v.report.missing.length, 0);
    const kv = await jsm.streams.info(kvStreamName("framegate-state"));
    console.log(
      [
        `full intake in miniature: ${bytesPerNotification} bytes per stored MinIO notification (${first.state.bytes} bytes / ${first.state.messages})`,
        `intake limit ${LIMITS.streamMaxBytes} bytes, peak ${usage.peak.get(intake)} bytes, ${full.state.messages} messages when full; peaks: ${JSON.stringify(Object.fromEntries(usage.peak))}`,
        `uploads ${uploaded.length} (${uploadsBeforeFull} before the intake was full, ${ok.size} distinct), MinIO queue_dir held ${queued} files while full`,
        `webhooks 202: ${accepted.length}, 503 intake-full: ${fullAnswers}; frames lost: ${lost}`,
        `KV bucket: ${kv.state.messages} marks in ${kv.state.bytes} bytes (${Math.round(kv.state.bytes / Math.max(1, kv.state.messages))} bytes per mark)`,
      ].join("\n"),
    );
    expect(queued).toBeGreaterThan(0);
    expect(bytesPerNotification).toBeGreaterThan(500);
  }, 420_000);
});
