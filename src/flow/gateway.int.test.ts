/**
 * The gateway against a real nats-server and a Kubernetes API stand-in that can fail on demand:
 * at-least-once intake, no duplicate Workflows, retry/dead-letter classification, webhooks end to end.
 */
import { describe, expect, it } from "vitest";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { KubeConfig } from "@kubernetes/client-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { createStateBuckets, startNats, type NatsServer } from "../../test/harness/nats.js";
import { REPO_ROOT, freePort } from "../../test/harness/util.js";
import { FakeKubeApi } from "../../test/fakes/kube-api.js";
import { loadConfig } from "../config/env.js";
import { ensureIntake } from "../triggers/jetstream-setup.js";
import { historyStreamName } from "../triggers/jetstream-config.js";
import { startGateway, type RunningGateway } from "../cli/commands/serve.js";
import { replay } from "../triggers/replay.js";
import { minioNotificationObject } from "../../test/fixtures/minio-notification.js";
import { waitFor } from "../../test/harness/wait.js";

const HMAC_SECRET = "motion-secret-0123456789";
// Streams own their subjects (framegate.hooks.>, framegate.dlq.>), so each test gets its own
// nats-server (it starts in well under a second) rather than sharing one.
let nats: NatsServer;
/** as `framegate setup`/`replay`: makes the streams, reads consumer and dead-letter state, replays */
let nc: NatsConnection;
/** as MinIO's notification target: publishes notifications */
let minioNc: NatsConnection;
let n = 0;

function notification(key: string, etag: string, opts: { bucket?: string; size?: number; eventName?: string } = {}) {
  return minioNotificationObject(key, { ...opts, etag });
}

interface Env {
  stream: string;
  consumer: string;
  dlq: string;
  rulesDir: string;
  kube: FakeKubeApi;
  gw?: RunningGateway;
  env: Record<string, string>;
}

/** A fresh stream/consumer/rules dir per test, so one nats-server serves the whole file. */
async function setup(opts: { maxDeliver?: number; ackWait?: string; maxInFlight?: number } = {}): Promise<Env> {
  n += 1;
  nats = await startNats();
  nc = await nats.connectAs("setup");
  minioNc = await nats.connectAs("minio");
  // the production names: a fresh server per test keeps tests apart, and the NATS users' permissions name them
  const stream = "FRAMEGATE";
  const rulesDir = mkdtempSync(join(tmpdir(), "fg-rules-"));
  writeFileSync(
    join(rulesDir, "detect.yaml"),
    `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: people-detect }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  workflow:
    steps:
      - { name: resize, service: resize, params: { width: "320" } }
      - { name: detect, service: detect, after: [resize] }
    parameters: { camera: "{camera}", key: "{key}" }
---
apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: motion }
spec:
  trigger: { source: webhook, hook: motion-alerts, where: { fields: { kind: [motion] } } }
  workflow:
    templateRef: image-processing
    parameters: { camera: "{body.camera}", bucket: raw, key: "{body.key}" }
`,
  );
  const hooksFile = join(rulesDir, "..", `hooks-${n}.txt`);
  writeFileSync(hooksFile, `motion-alerts: hmac:${HMAC_SECRET}\n`);
  const kube = await new FakeKubeApi().start();
  const kcFile = join(rulesDir, "..", `kubeconfig-${n}.yaml`);
  writeFileSync(kcFile, kube.kubeconfig());
  const env = {
    ...nats.clientEnv("gateway"),
    FRAMEGATE_STREAM: stream,
    FRAMEGATE_DLQ_STREAM: `${stream}_DLQ`,
    FRAMEGATE_CONSUMER: "gw",
    FRAMEGATE_MINIO_SUBJECT: "minio.events",
    FRAMEGATE_RULES_DIR: rulesDir,
    FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"),
    FRAMEGATE_HTTP_PORT: "0",
    FRAMEGATE_HOOK_SECRETS: hooksFile,
    FRAMEGATE_MAX_DELIVER: String(opts.maxDeliver ?? 10),
    FRAMEGATE_ACK_WAIT: opts.ackWait ?? "30s",
    FRAMEGATE_MAX_IN_FLIGHT: String(opts.maxInFlight ?? 64),
    FRAMEGATE_KUBE_TIMEOUT: "2s",
    FRAMEGATE_LOG_LEVEL: "silent",
    FRAMEGATE_WATCH_RULES: "false",
    KUBECONFIG: kcFile,
  };
  const cfg = loadConfig(env);
  await ensureIntake(nc, { stream, dlqStream: `${stream}_DLQ`, consumer: "gw", minioSubject: env.FRAMEGATE_MINIO_SUBJECT }, { ackWaitMs: cfg.FRAMEGATE_ACK_WAIT });
  await createStateBuckets(nats, env); // as `framegate setup` does: the gateway may not create them
  return { stream, consumer: "gw", dlq: `${stream}_DLQ`, rulesDir, kube, env };
}

async function startIn(e: Env): Promise<RunningGateway> {
  const kc = new KubeConfig();
  kc.loadFromString(e.kube.kubeconfig());
  e.gw = await startGateway(loadConfig(e.env), pino({ level: "silent" }), { kubeConfig: kc });
  return e.gw;
}

async function publishMinio(e: Env, key: string, etag: string, extra: Parameters<typeof notification>[2] = {}) {
  await jetstream(minioNc).publish(e.env.FRAMEGATE_MINIO_SUBJECT!, JSON.stringify(notification(key, etag, extra)));
}


async function pending(e: Env): Promise<{ pending: number; ackPending: number }> {
  const ci = await (await jetstreamManager(nc)).consumers.info(e.stream, e.consumer);
  return { pending: ci.num_pending, ackPending: ci.num_ack_pending };
}

async function dlqMessages(e: Env): Promise<{ subject: string; reason: string; pipeline?: string }[]> {
  const jsm = await jetstreamManager(nc);
  const si = await jsm.streams.info(e.dlq);
  const out = [];
  for (let seq = si.state.first_seq; seq <= si.state.last_seq && si.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(e.dlq, { seq });
    if (!m) continue;
    out.push({ subject: m.subject, reason: m.header.get("Framegate-Dlq-Reason"), pipeline: m.header.get("Framegate-Pipeline") || undefined });
  }
  return out;
}

async function teardown(e: Env) {
  await e.gw?.stop();
  await e.kube.stop();
  await nc.close();
  await minioNc.close();
  await nats.stop();
}

describe("framegate serve with real NATS", () => {
  it("turns a MinIO notification into one Workflow with the rendered DAG and acks it", async () => {
    const e = await setup();
    try {
      await startIn(e);
      await publishMinio(e, "gate-01/2026/11/28/120000-1.jpg", "etag-a");
      await waitFor("the workflow", () => e.kube.workflows.size === 1, 20_000, { pollMs: 50 });
      const wf = [...e.kube.workflows.values()][0]!;
      expect(wf.namespace).toBe("argo");
      expect(wf.body.metadata.labels?.["framegate.io/pipeline"]).toBe("people-detect");
      expect(wf.body.metadata.labels?.["framegate.io/camera"]).toBe("gate-01");
      const params = (wf.body.spec.arguments as { parameters: { name: string; value: string }[] }).parameters;
      expect(params).toContainEqual({ name: "camera", value: "gate-01" });
      expect(params).toContainEqual({ name: "key", value: "gate-01/2026/11/28/120000-1.jpg" });
      await waitFor("the ack", async () => (await pending(e)).ackPending === 0, 20_000, { pollMs: 50 });
    } finally {
      await teardown(e);
    }
  });

  it("creates exactly the expected Workflows for a burst of 1,000 events across 50 cameras, duplicates included", async () => {
    const e = await setup({ maxInFlight: 100 });
    try {
      await startIn(e);
      const js = jetstream(minioNc);
      const keys = new Set<string>();
      const pubs: Promise<unknown>[] = [];
      for (let i = 0; i < 1000; i++) {
        const key = `cam-${String(i % 50).padStart(2, "0")}/2026/11/28/${String(i).padStart(6, "0")}-1.jpg`;
        keys.add(key);
        pubs.push(js.publish(e.env.FRAMEGATE_MINIO_SUBJECT!, JSON.stringify(notification(key, `etag-${i}`))));
        // MinIO retries without a Nats-Msg-Id: every 10th frame arrives twice
        if (i % 10 === 0) pubs.push(js.publish(e.env.FRAMEGATE_MINIO_SUBJECT!, JSON.stringify(notification(key, `etag-${i}`))));
      }
      // frames the rules must not process: a tagging change, and a PNG
      pubs.push(js.publish(e.env.FRAMEGATE_MINIO_SUBJECT!, JSON.stringify(notification("cam-01/x.jpg", "t1", { eventName: "s3:ObjectCreated:PutTagging" }))));
      pubs.push(js.publish(e.env.FRAMEGATE_MINIO_SUBJECT!, JSON.stringify(notification("cam-01/x.png", "p1"))));
      await Promise.all(pubs);
      await waitFor("1,000 workflows and an empty consumer", async () => e.kube.workflows.size >= 1000 && (await pending(e)).pending === 0 && (await pending(e)).ackPending === 0, 60_000, { pollMs: 50 });
      expect(e.kube.workflows.size).toBe(1000);
      const made = new Set([...e.kube.workflows.values()].map((w) => w.body.metadata.annotations?.["framegate.io/key"]));
      expect(made).toEqual(keys);
      const created = e.kube.requests.filter((r) => r.status === 201).length;
      const conflicts = e.kube.requests.filter((r) => r.status === 409).length;
      expect(created).toBe(1000);
      // every duplicate delivery met the existing Workflow (more 409s only if a slow create was retried)
      expect(conflicts).toBeGreaterThanOrEqual(100);
      expect(e.kube.requests.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    } finally {
      await teardown(e);
    }
  }, 90_000);

  it("honours 429 Retry-After and 500s, then creates the Workflow once", async () => {
    const e = await setup();
    try {
      e.kube.faults.push({ kind: "status", code: 429, retryAfter: "1", reason: "TooManyRequests", message: "rate limited" }, { kind: "status", code: 500 }, { kind: "status", code: 503 });
      await startIn(e);
      const t0 = Date.now();
      await publishMinio(e, "lobby-01/2026/11/28/1.jpg", "etag-r");
      await waitFor("the workflow", () => e.kube.workflows.size === 1, 30_000, { pollMs: 50 });
      expect(e.kube.requests.map((r) => r.status)).toEqual([429, 500, 503, 201]);
      // the retry after the 429 waited at least the second the server asked for
      expect(e.kube.requests[1]!.at - e.kube.requests[0]!.at).toBeGreaterThanOrEqual(950);
      expect(Date.now() - t0).toBeLessThan(30_000);
      await waitFor("the ack", async () => (await pending(e)).ackPending === 0, 20_000, { pollMs: 50 });
      expect(await dlqMessages(e)).toEqual([]);
    } finally {
      await teardown(e);
    }
  }, 40_000);

  it("retries a hung API call after the client timeout", async () => {
    const e = await setup();
    try {
      e.kube.faults.push({ kind: "hang" });
      await startIn(e);
      await publishMinio(e, "gate-07/2026/11/28/1.jpg", "etag-h");
      await waitFor("the workflow", () => e.kube.workflows.size === 1, 30_000, { pollMs: 50 });
      expect(e.kube.requests.map((r) => r.status)).toEqual([0, 201]);
    } finally {
      await teardown(e);
    }
  }, 40_000);

  it("dead-letters a 422 with the reason instead of looping, and a bad event with what was wrong", async () => {
    const e = await setup();
    try {
      e.kube.faults.push({ kind: "status", code: 422, reason: "Invalid", message: 'Workflow.argoproj.io "x" is invalid: metadata.labels: Invalid value' });
      await startIn(e);
      await publishMinio(e, "gate-02/2026/11/28/1.jpg", "etag-422");
      await jetstream(minioNc).publish(e.env.FRAMEGATE_MINIO_SUBJECT!, '{"Records": [{"eventName": "s3:ObjectCreated:Put", "s3": {');
      await waitFor("two dead letters", async () => (await dlqMessages(e)).length === 2, 20_000, { pollMs: 50 });
      const dlq = await dlqMessages(e);
      const rejected = dlq.find((d) => d.subject.endsWith(".rejected"))!;
      expect(rejected.pipeline).toBe("people-detect");
      expect(rejected.reason).toMatch(/422/);
      expect(rejected.reason).toMatch(/metadata\.labels/);
      const bad = dlq.find((d) => d.subject.endsWith(".bad-event"))!;
      expect(bad.reason).toMatch(/not JSON/);
      expect(e.kube.requests.filter((r) => r.status === 422)).toHaveLength(1);
      await waitFor("nothing left unacked", async () => (await pending(e)).ackPending === 0 && (await pending(e)).pending === 0, 20_000, { pollMs: 50 });
    } finally {
      await teardown(e);
    }
  });

  it("dead-letters after max deliveries when the API keeps failing", async () => {
    const e = await setup({ maxDeliver: 2 });
    try {
      e.kube.faultFor = () => ({ kind: "status", code: 500, message: "etcdserver: request timed out" });
      await startIn(e);
      await publishMinio(e, "gate-03/2026/11/28/1.jpg", "etag-x");
      await waitFor("a dead letter", async () => (await dlqMessages(e)).length === 1, 30_000, { pollMs: 50 });
      const [d] = await dlqMessages(e);
      expect(d!.subject).toMatch(/\.exhausted$/);
      expect(d!.reason).toMatch(/gave up after 2 deliveries/);
      expect(d!.reason).toMatch(/etcdserver: request timed out/);
      expect(e.kube.requests).toHaveLength(2);
    } finally {
      await teardown(e);
    }
  }, 40_000);

  it("a dead-letter stream that refuses at the last delivery loses nothing: the message comes back and is dead-lettered once it can be", async () => {
    const e = await setup({ maxDeliver: 2 });
    try {
      e.kube.faultFor = () => ({ kind: "status", code: 500, message: "etcdserver: request timed out" });
      await startIn(e);
      // the dead-letter stream full: it refuses every copy ("maximum bytes exceeded")
      const jsm = await jetstreamManager(nc);
      const dlq = (await jsm.streams.info(e.dlq)).config;
      await jsm.streams.update(e.dlq, { ...dlq, max_bytes: 64 });
      await publishMinio(e, "gate-04/2026/11/28/1.jpg", "etag-y");
      // a third delivery: JetStream no longer gives up at max_deliver; the gateway naked it instead of terminating
      await waitFor("a delivery past FRAMEGATE_MAX_DELIVER", async () => e.kube.requests.length >= 3, 30_000, { pollMs: 50 });
      expect(await dlqMessages(e)).toEqual([]);
      expect((await jsm.streams.info(e.stream)).state.messages).toBe(1); // still in the intake
      await jsm.streams.update(e.dlq, { ...dlq, max_bytes: 1 << 20 });
      await waitFor("the dead letter", async () => (await dlqMessages(e)).length === 1, 30_000, { pollMs: 50 });
      const [d] = await dlqMessages(e);
      expect(d!.subject).toMatch(/\.exhausted$/);
      expect(d!.reason).toMatch(/gave up after [3-9] deliveries: .*etcdserver: request timed out/);
      await waitFor("the intake to be empty (terminated after the copy was stored)", async () => (await jsm.streams.info(e.stream)).state.messages === 0, 10_000, { pollMs: 50 });
      expect(await dlqMessages(e)).toHaveLength(1);
    } finally {
      await teardown(e);
    }
  }, 60_000);

  it("replays dead letters through the current rules without duplicating work that succeeded", async () => {
    const e = await setup();
    try {
      e.kube.faults.push({ kind: "status", code: 422, reason: "Invalid", message: "admission webhook denied the request" });
      await startIn(e);
      await publishMinio(e, "gate-11/2026/11/28/1.jpg", "etag-a");
      await publishMinio(e, "gate-11/2026/11/28/2.jpg", "etag-b");
      await waitFor("one workflow and one dead letter", async () => e.kube.workflows.size === 1 && (await dlqMessages(e)).length === 1, 20_000, { pollMs: 50 });
      const names = { stream: e.stream, dlqStream: e.dlq };
      const dry = await replay(nc, names, { from: "dlq", kind: "rejected", dryRun: true });
      expect(dry.replayed).toBe(1);
      expect(dry.items[0]!.pipeline).toBe("people-detect");
      const r = await replay(nc, names, { from: "dlq", kind: "rejected" });
      expect(r.replayed).toBe(1);
      await waitFor("the replayed event's workflow", () => e.kube.workflows.size === 2, 20_000, { pollMs: 50 });
      // replay the whole replay window: both Workflows exist (and are marked done): nothing new.
      // The window copies the intake asynchronously (a JetStream source): wait for all three messages.
      const jsm = await jetstreamManager(nc);
      await waitFor("the replay window to hold the three messages", async () => (await jsm.streams.info(historyStreamName(e.stream))).state.messages >= 3, 20_000, { pollMs: 50 });
      e.kube.workflows.clear();
      const all = await replay(nc, names, { from: "range" });
      expect(all.replayed).toBeGreaterThanOrEqual(2);
      await waitFor("the replays to be settled", async () => (await pending(e)).pending === 0 && (await pending(e)).ackPending === 0, 20_000, { pollMs: 50 });
      expect(e.kube.workflows.size).toBe(0);
    } finally {
      await teardown(e);
    }
  });

  it("two replicas share the consumer, and each one's /api/events shows every event", async () => {
    const e = await setup();
    const kc = new KubeConfig();
    kc.loadFromString(e.kube.kubeconfig());
    const other = await startGateway(loadConfig(e.env), pino({ level: "silent" }), { kubeConfig: kc });
    try {
      await startIn(e);
      for (let i = 0; i < 40; i++) await publishMinio(e, `gate-2${i % 4}/2026/11/28/${i}.jpg`, `etag-${i}`);
      await waitFor("40 workflows", () => e.kube.workflows.size === 40, 20_000, { pollMs: 50 });
      for (const gw of [e.gw!, other]) {
        await waitFor("every event on this replica", async () => {
          const r = (await (await fetch(`http://127.0.0.1:${gw.port}/api/events?limit=100`)).json()) as { events: unknown[] };
          return r.events.length === 40;
        }, 20_000, { pollMs: 50 });
        const cams = (await (await fetch(`http://127.0.0.1:${gw.port}/api/cameras`)).json()) as { cameras: { camera: string; frames: number }[] };
        expect(cams.cameras.map((c) => c.camera).sort()).toEqual(["gate-20", "gate-21", "gate-22", "gate-23"]);
        expect(cams.cameras.reduce((a, c) => a + c.frames, 0)).toBe(40);
      }
    } finally {
      await other.stop();
      await teardown(e);
    }
  });

  it("drops malformed status reports (counted), so /api/events?pipeline= keeps answering with the valid ones", async () => {
    const e = await setup();
    // another gateway replica (the only user that may publish status reports), of another version or with a bug
    const replica = await nats.connectAs("gateway");
    try {
      const gw = await startIn(e);
      const subject = `framegate.status.${e.stream}`;
      replica.publish(subject, "{not json");
      replica.publish(subject, JSON.stringify({ id: "x", source: "minio", receivedAt: "now", matches: "people-detect" }));
      replica.publish(subject, JSON.stringify({ id: "y", source: "minio", receivedAt: "now", matches: [{ pipeline: 42 }] }));
      await replica.flush();
      await publishMinio(e, "gate-31/2026/11/28/1.jpg", "etag-status");
      await waitFor(
        "the valid report",
        async () => {
          const r = await fetch(`http://127.0.0.1:${gw.port}/api/events?pipeline=people-detect&limit=100`);
          expect(r.status).toBe(200);
          return ((await r.json()) as { events: unknown[] }).events.length === 1;
        },
        20_000,
        { pollMs: 50 },
      );
      const body = (await (await fetch(`http://127.0.0.1:${gw.port}/api/events?pipeline=people-detect&limit=100`)).json()) as { events: { id: string }[] };
      expect(body.events.map((x) => x.id)).toEqual(["raw/gate-31/2026/11/28/1.jpg@etag-status"]);
      const all = (await (await fetch(`http://127.0.0.1:${gw.port}/api/events?limit=100`)).json()) as { events: { id: string }[] };
      expect(all.events.map((x) => x.id), "no malformed report in the ring").toEqual(["raw/gate-31/2026/11/28/1.jpg@etag-status"]);
      const metrics = await (await fetch(`http://127.0.0.1:${gw.port}/metrics`)).text();
      expect(metrics).toMatch(/^framegate_status_reports_dropped_total\{reason="json"\} 1$/m);
      expect(metrics).toMatch(/^framegate_status_reports_dropped_total\{reason="schema"\} 2$/m);
    } finally {
      await replica.close();
      await teardown(e);
    }
  });

  it("accepts a signed webhook, answers 202 after JetStream stored it, and submits its Workflow", async () => {
    const e = await setup();
    try {
      const gw = await startIn(e);
      const body = JSON.stringify({ camera: "gate-05", kind: "motion", key: "gate-05/2026/11/28/7.jpg" });
      const sig = createHmac("sha256", HMAC_SECRET).update(body).digest("hex");
      const res = await fetch(`http://127.0.0.1:${gw.port}/hooks/motion-alerts`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-framegate-signature": `sha256=${sig}`, "idempotency-key": "evt-1" },
        body,
      });
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ id: "evt-1" });
      await waitFor("the workflow", () => e.kube.workflows.size === 1, 20_000, { pollMs: 50 });
      const wf = [...e.kube.workflows.values()][0]!;
      expect(wf.body.spec.workflowTemplateRef).toEqual({ name: "image-processing" });
      expect(wf.body.metadata.labels?.["framegate.io/pipeline"]).toBe("motion");
      // the same Idempotency-Key again: JetStream drops the duplicate, no second Workflow
      const again = await fetch(`http://127.0.0.1:${gw.port}/hooks/motion-alerts`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-framegate-signature": `sha256=${sig}`, "idempotency-key": "evt-1" },
        body,
      });
      expect(again.status).toBe(202);
      expect(await again.json()).toMatchObject({ duplicate: true });
      const bad = await fetch(`http://127.0.0.1:${gw.port}/hooks/motion-alerts`, { method: "POST", headers: { "x-framegate-signature": "sha256=00" }, body });
      expect(bad.status).toBe(401);
      await new Promise((r) => setTimeout(r, 300));
      expect(e.kube.requests).toHaveLength(1);
    } finally {
      await teardown(e);
    }
  });

  it("a gateway killed after the create but before the ack does not create a second Workflow", async () => {
    const e = await setup({ ackWait: "2s" });
    const port = await freePort();
    const child = () =>
      spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), "serve"], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...e.env, FRAMEGATE_HTTP_PORT: String(port), FRAMEGATE_LOG_LEVEL: "warn" },
        stdio: ["ignore", "ignore", "pipe"],
      });
    const healthy = () => waitFor("the gateway to serve", () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false), 60_000, { pollMs: 50 });
    let first = child();
    let stderr = "";
    first.stderr.on("data", (d) => (stderr += String(d)));
    try {
      // the API server stores the Workflow, and the gateway dies before it hears back or acks
      e.kube.faultFor = (_name, i) => (i === 0 ? { kind: "store-then-drop" } : undefined);
      const killed = new Promise<void>((resolve) => {
        e.kube.onCreate = () => {
          first.kill("SIGKILL");
          resolve();
        };
      });
      await healthy();
      await publishMinio(e, "gate-09/2026/11/28/1.jpg", "etag-k");
      await killed;
      e.kube.onCreate = undefined;
      expect(e.kube.workflows.size).toBe(1);
      first = child();
      first.stderr.on("data", (d) => (stderr += String(d)));
      await waitFor("the redelivery to be settled", async () => e.kube.requests.length >= 2 && (await pending(e)).ackPending === 0 && (await pending(e)).pending === 0, 30_000, { pollMs: 50 });
      expect(e.kube.workflows.size).toBe(1);
      expect(e.kube.requests.map((r) => r.status)).toEqual([-1, 409]);
    } catch (err) {
      throw new Error(`${(err as Error).message}\ngateway stderr:\n${stderr.slice(-4000)}`);
    } finally {
      first.kill("SIGTERM");
      await teardown(e);
    }
  }, 150_000);
});
