/**
 * Waiting work of a pipeline that a hot reload suspends or deletes (files mode), on a real nats-server and
 * a real kube-apiserver with Argo's CRDs and no controller, so Workflows stay unfinished and `maxInFlight`
 * holds events back: the filling batch is submitted at once, events waiting for `maxInFlight` or the rate
 * limit are released (acked, counted, reported as skipped), and nothing is left unacked in JetStream.
 */
import { unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minioNotificationObject } from "../../test/fixtures/minio-notification.js";
import { installArgo, type ArgoInstall } from "../../test/harness/argo.js";
import { startKube, type KubeCluster } from "../../test/harness/kube.js";
import { createIntakeStreams, createStateBuckets, startNats, type IntakeStreams, type NatsServer } from "../../test/harness/nats.js";
import { makeTempDir, REPO_ROOT, type TempDir } from "../../test/harness/util.js";
import { waitFor } from "../../test/harness/wait.js";
import { startGateway, type RunningGateway } from "../cli/commands/serve.js";
import { loadConfig } from "../config/env.js";
import { ensureIntake } from "../triggers/jetstream-setup.js";

const pipeline = (name: string, prefix: string, spec: string) => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
${spec}  trigger: { bucket: raw, key: "${prefix}/{camera}/*.jpg" }
  workflow:
    steps: [{ name: resize, service: resize }]
    parameters: { ${spec.includes("batch") ? 'keys: "{keys}"' : 'key: "{key}"'} }
`;
const HELD = (suspend = "") => pipeline("held", "held", `${suspend}  limits: { maxInFlight: 1 }\n`);
const BATCHED = pipeline("batched", "batch", "  select: { batch: { size: 10, window: 1h } }\n");
const SLOW = pipeline("slow", "slow", "  limits: { ratePerSecond: 0.02 }\n");

let nats: NatsServer;
let streams: IntakeStreams;
let kube: KubeCluster;
let argo: ArgoInstall;
let rules: TempDir;
let gw: RunningGateway;
let minioNc: NatsConnection;
let setupNc: NatsConnection;

beforeAll(async () => {
  [nats, kube] = await Promise.all([startNats(), startKube()]);
  streams = await createIntakeStreams(nats);
  argo = await installArgo(kube);
  rules = makeTempDir("fg-release-");
  writeFileSync(join(rules.path, "held.yaml"), HELD());
  writeFileSync(join(rules.path, "batched.yaml"), BATCHED);
  writeFileSync(join(rules.path, "slow.yaml"), SLOW);
  const env = {
    ...nats.clientEnv("gateway"),
    FRAMEGATE_STREAM: streams.stream,
    FRAMEGATE_DLQ_STREAM: streams.dlqStream,
    FRAMEGATE_MINIO_SUBJECT: streams.minioSubject,
    FRAMEGATE_CONSUMER: "release",
    FRAMEGATE_KV_BUCKET: "framegate-state",
    FRAMEGATE_RULES_DIR: rules.path,
    FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"),
    FRAMEGATE_HTTP_HOST: "127.0.0.1",
    FRAMEGATE_HTTP_PORT: "0",
    FRAMEGATE_LOG_LEVEL: "silent",
    FRAMEGATE_WATCH_RULES: "true",
    FRAMEGATE_ALLOWED_NAMESPACES: "argo",
  };
  setupNc = await nats.connectAs("setup");
  await ensureIntake(setupNc, { stream: streams.stream, dlqStream: streams.dlqStream, consumer: "release", minioSubject: streams.minioSubject }, { ackWaitMs: 30_000 });
  await createStateBuckets(nats, env);
  minioNc = await nats.connectAs("minio");
  gw = await startGateway(loadConfig(env), pino({ level: "silent" }), { kubeConfig: argo.gatewayKubeConfig() });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await minioNc?.close();
  await setupNc?.close();
  await nats?.stop();
  await kube?.stop();
  rules?.remove();
});

let etag = 0;
const upload = (key: string) => jetstream(minioNc).publish(streams.minioSubject, JSON.stringify(minioNotificationObject(key, { etag: `e${++etag}` })));
const metrics = async () => (await fetch(`http://127.0.0.1:${gw.port}/metrics`)).text();
const metric = async (line: RegExp) => Number(line.exec(await metrics())?.[1] ?? "NaN");
const workflows = async () => {
  const api = argo.gatewayKubeConfig().makeApiClient(CustomObjectsApi);
  const list = (await api.listNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace: "argo", plural: "workflows" })) as { items: { metadata: { labels: Record<string, string> }; spec: { arguments: { parameters: { name: string; value: string }[] } } }[] };
  return list.items.map((w) => ({ pipeline: w.metadata.labels["framegate.io/pipeline"], params: Object.fromEntries(w.spec.arguments.parameters.map((p) => [p.name, p.value])) }));
};
const consumer = async () => (await (await jetstreamManager(setupNc)).consumers.info(streams.stream, "release"));

describe("a hot reload that suspends or deletes pipelines with events waiting", () => {
  it("submits the filling batch at once and releases the waiting single events, acked and reported", async () => {
    await upload("held/cam-1/1.jpg");
    await upload("slow/cam-1/1.jpg");
    await waitFor("the first Workflow of held and of slow", async () => (await workflows()).length === 2, 15_000, { pollMs: 100 });
    for (const k of ["held/cam-1/2.jpg", "held/cam-1/3.jpg", "slow/cam-1/2.jpg", "batch/cam-1/1.jpg", "batch/cam-1/2.jpg", "batch/cam-2/1.jpg"]) await upload(k);
    await waitFor(
      "2 events waiting for maxInFlight, 1 for the rate, 3 frames in batches",
      async () => {
        const text = await metrics();
        return ['{pipeline="held",reason="in-flight"} 2', '{pipeline="slow",reason="rate"} 1', '{pipeline="batched",reason="batch"} 3'].every((s) => text.includes(`framegate_events_waiting${s}`));
      },
      15_000,
      { pollMs: 100 },
    );
    expect((await consumer()).num_ack_pending).toBe(6);

    const t0 = Date.now();
    writeFileSync(join(rules.path, "held.yaml"), HELD("  suspend: true\n"));
    unlinkSync(join(rules.path, "batched.yaml"));
    unlinkSync(join(rules.path, "slow.yaml"));
    await waitFor("nothing left unacked", async () => (await consumer()).num_ack_pending === 0, 15_000, { pollMs: 100 });
    const settledMs = Date.now() - t0;
    expect(settledMs).toBeLessThan(10_000);

    const wfs = await workflows();
    expect(wfs.filter((w) => w.pipeline === "held")).toHaveLength(1);
    expect(wfs.filter((w) => w.pipeline === "slow")).toHaveLength(1);
    const batches = wfs.filter((w) => w.pipeline === "batched").map((w) => (JSON.parse(w.params.keys!) as string[]).sort());
    expect(batches.sort()).toEqual([["batch/cam-1/1.jpg", "batch/cam-1/2.jpg"], ["batch/cam-2/1.jpg"]]);
    expect(await metric(/framegate_events_released_total\{pipeline="held",reason="suspended"\} (\d+)/)).toBe(2);
    expect(await metric(/framegate_events_released_total\{pipeline="slow",reason="deleted"\} (\d+)/)).toBe(1);
    expect(await metric(/framegate_events_waiting\{pipeline="held",reason="in-flight"\} (\d+)/)).toBe(0);
    expect(await metric(/framegate_events_waiting\{pipeline="batched",reason="batch"\} (\d+)/)).toBe(0);

    const events = (await (await fetch(`http://127.0.0.1:${gw.port}/api/events?limit=50`)).json()) as { events: { key: string; matches: { pipeline: string; outcome: string }[] }[] };
    const outcome = (key: string) => events.events.find((e) => e.key === key)?.matches.map((m) => `${m.pipeline}:${m.outcome}`);
    expect(outcome("held/cam-1/2.jpg")).toEqual(["held:suspended"]);
    expect(outcome("held/cam-1/3.jpg")).toEqual(["held:suspended"]);
    expect(outcome("slow/cam-1/2.jpg")).toEqual(["slow:deleted"]);
    expect(outcome("batch/cam-2/1.jpg")).toEqual(["batched:created"]);

    const pipelines = (await (await fetch(`http://127.0.0.1:${gw.port}/api/pipelines`)).json()) as { pipelines: { name: string; suspended?: boolean }[] };
    expect(pipelines.pipelines.map((p) => [p.name, p.suspended])).toEqual([["held", true]]);
    // a suspended pipeline matches nothing: a new upload is acked with no Workflow and no wait
    await upload("held/cam-1/4.jpg");
    await waitFor("the new upload acked", async () => (await consumer()).delivered.stream_seq === 9 && (await consumer()).num_ack_pending === 0, 10_000, { pollMs: 100 });
    expect((await workflows()).filter((w) => w.pipeline === "held")).toHaveLength(1);
  }, 60_000);
});
