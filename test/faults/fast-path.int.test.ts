/**
 * @module test/faults/fast-path.int.test — the fast path on real MinIO, NATS and kube-apiserver, with
 * `framegate setup` and `framegate serve` as in the cluster: MinIO's second, store-less NATS target (`FAST`,
 * core NATS on `minio.fast` as user `minio-fast`) delivers each frame first and the frame gets exactly one
 * Workflow although MinIO's durable copy (target `PRIMARY`, queue dir) comes 0-3 s later (the pipeline has no
 * `select.dedupe`: the fast path's own check absorbs it). With the fast subject dead (no stream takes it, so
 * MinIO's publishes there go nowhere) every frame still gets exactly one Workflow, from the durable copy; so
 * it does across a nats-server SIGKILL and restart while a camera uploads (the fast copies of the outage are
 * lost, MinIO's queue dir replays the durable ones, and the fast target reconnects by itself).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { Fleet } from "./fleet.js";
import { countKeys, exactlyOnce } from "./key-count.js";
import { FaultRig, sleep, startFaultStack, waitFor, type FaultStack } from "./rig.js";
import type { GatewayProcess } from "../harness/framegate.js";
import { sumOf } from "../harness/prometheus-text.js";
import { minioNotificationClient } from "../../src/storage/bucket-notifications.js";
import { DEFAULT_MINIO_FAST_SUBJECT } from "../../src/triggers/wire.js";

const ID = "fastpath";
const PIPELINE = `${ID}-each`;
const RULE = `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${PIPELINE} }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg", where: { camera: ["${ID}-*"] } }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: resize, service: resize }]
`;

describe("fast path: MinIO's store-less NATS target ahead of its durable copy", () => {
  let fs: FaultStack;
  let rig: FaultRig;
  let gw: GatewayProcess;
  const copies = async (path: string, outcome: string) => sumOf(await rig.metrics(gw), "framegate_intake_copies_total", { path, outcome });
  const upload = async (keys: string[]) => {
    for (const key of keys) await fs.stack.minio.client.putObject("raw", key, Buffer.from(`frame ${key}`), undefined, { "Content-Type": "image/jpeg" });
  };
  const workflowsOf = async (keys: string[]) => exactlyOnce(countKeys((await rig.workflows(PIPELINE)).filter((w) => keys.includes(w.metadata.annotations?.["framegate.io/key"] ?? ""))), keys);

  beforeAll(async () => {
    fs = await startFaultStack();
    // setup writes the bucket's two entries: framegate (durable target) and framegate-fast
    rig = await FaultRig.start(fs, { id: ID, rules: { "p.yaml": RULE }, env: { FRAMEGATE_FAST_PATH: "true" } });
    gw = await rig.startGateway();
  }, 300_000);

  afterAll(async () => {
    await rig?.stop();
    await fs?.stop();
  }, 60_000);

  it("setup gave the trigger bucket a second entry for the fast target, same events and filter", async () => {
    const entries = await minioNotificationClient(fs.stack.minio.client).read("raw");
    const [durable, fast] = ["framegate", "framegate-fast"].map((id) => entries.find((e) => e.id === id));
    expect(durable?.arn).toBe("arn:minio:sqs::PRIMARY:nats");
    expect(fast).toEqual({ ...durable, id: "framegate-fast", arn: "arn:minio:sqs::FAST:nats" });
  });

  it("frames come by the fast target first and get exactly one Workflow each; MinIO's durable copies are absorbed", async () => {
    const keys = Array.from({ length: 10 }, (_, i) => `${ID}-gate-01/2026/12/01/a+b c-${i}.jpg`);
    await upload(keys);
    const etag = (await fs.stack.minio.client.statObject("raw", keys[0]!)).etag;
    await waitFor("every frame counted once as a first copy", async () => (await copies("fast", "first")) + (await copies("durable", "first")) === keys.length, 20_000, {
      state: () => gw.output().split("\n").slice(-5).join("\n"),
    });
    // the durable copies come within MinIO's 3 s store replay and find the work done
    await waitFor("every durable copy in", async () => (await copies("durable", "duplicate")) + (await copies("durable", "first")) === keys.length, 15_000);
    // the fast copy is sent at once, the durable one 0-3 s later: all but a copy the replay timer sent in the same instant come fast
    expect(await copies("fast", "first")).toBeGreaterThanOrEqual(keys.length - 2);
    expect(await copies("durable", "duplicate")).toBeGreaterThanOrEqual(keys.length - 2);
    expect(await workflowsOf(keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    // the fast copy's identity is MinIO's own notification's: key decoded ("+" and the space), the object's ETag
    const first = (await rig.workflows(PIPELINE)).find((w) => w.metadata.annotations?.["framegate.io/key"] === keys[0]);
    expect(first?.metadata.annotations?.["framegate.io/event-id"]).toBe(`raw/${keys[0]}@${etag}`);
    expect(await rig.deadLetters()).toEqual([]);
  }, 45_000);

  it("with the fast subject dead (no stream takes minio.fast), the durable copies deliver every frame exactly once", async () => {
    const nc = await fs.stack.nats.connectAs("setup");
    const jsm = await jetstreamManager(nc);
    const stream = rig.env.FRAMEGATE_STREAM!;
    const info = await jsm.streams.info(stream);
    try {
      await jsm.streams.update(stream, { ...info.config, subjects: info.config.subjects!.filter((s) => s !== DEFAULT_MINIO_FAST_SUBJECT) });
      const [fastBefore, durableBefore] = [await copies("fast", "first"), await copies("durable", "first")];
      const keys = Array.from({ length: 5 }, (_, i) => `${ID}-gate-02/2026/12/01/dead-${i}.jpg`);
      await upload(keys);
      await waitFor("every frame processed from its durable copy", async () => (await copies("durable", "first")) - durableBefore === keys.length, 20_000, {
        state: () => gw.output().split("\n").slice(-5).join("\n"),
      });
      expect(await copies("fast", "first")).toBe(fastBefore);
      expect(await workflowsOf(keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    } finally {
      await jsm.streams.update(stream, info.config);
      await nc.close();
    }
  }, 45_000);

  it("nats-server SIGKILLed and restarted while a camera uploads: every frame once, the outage's by the durable copies", async () => {
    const fleet = new Fleet({ client: fs.stack.minio.client, cameras: [`${ID}-gate-03`], fps: 4 });
    await fleet.start();
    await sleep(2_000);
    const durableBefore = await copies("durable", "first");
    const deliveredBefore = (await rig.consumer()).delivered;
    await fs.stack.nats.kill("SIGKILL");
    await sleep(3_000);
    await fs.stack.nats.restart();
    await waitFor("the gateway consuming again", async () => (await rig.consumer()).delivered > deliveredBefore, 30_000);
    await sleep(2_000);
    await fleet.stop();
    expect(fleet.failed(), "MinIO was not touched: every PUT succeeds").toEqual([]);
    const expected = fleet.ok().map((a) => a.key);
    const report = await waitFor("every uploaded frame in one Workflow", async () => {
      const r = await workflowsOf(expected);
      return r.missing.length === 0 && r;
    }, 30_000);
    expect(report).toEqual({ missing: [], duplicated: [], unexpected: [] });
    // what was uploaded while NATS was down came only by MinIO's queue dir (the fast target drops what it cannot send)
    expect(await copies("durable", "first")).toBeGreaterThan(durableBefore);
    // MinIO's fast target reconnected by itself (its NATS client retries for ever): frames come fast again
    const fastBefore = await copies("fast", "first");
    const after = Array.from({ length: 3 }, (_, i) => `${ID}-gate-03/2026/12/01/after-${i}.jpg`);
    await waitFor("a frame by the fast target again", async () => {
      await upload([after.shift() ?? `${ID}-gate-03/2026/12/01/after-${Date.now()}.jpg`]);
      await sleep(1_000);
      return (await copies("fast", "first")) > fastBefore;
    }, 20_000);
    expect(await rig.deadLetters()).toEqual([]);
  }, 60_000);
});
