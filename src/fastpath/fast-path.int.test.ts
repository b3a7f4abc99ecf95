/**
 * @module fastpath/fast-path.int.test — the fast path on real MinIO, NATS and kube-apiserver, with
 * `framegate serve` as in the cluster (its own MinIO identity, the policy `framegate setup` derives): a frame
 * comes by MinIO's live event stream first and gets one Workflow although MinIO's durable copy comes later
 * (the pipeline has no `select.dedupe`: the fast path's own check absorbs it); MinIO killed and restarted
 * drops the live stream, nothing is lost (the durable copies deliver) and the stream opens again; the
 * gateway identity may listen on the trigger bucket and nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "minio";
import { countKeys, exactlyOnce } from "../../test/faults/key-count.js";
import { Fleet } from "../../test/faults/fleet.js";
import { storedDespiteFailure } from "../../test/faults/exactly-once.js";
import { FaultRig, sleep, startFaultStack, waitFor, type FaultStack } from "../../test/faults/rig.js";
import type { GatewayProcess } from "../../test/harness/framegate.js";
import { sumOf } from "../../test/harness/prometheus-text.js";
import { listenBucket, ListenError } from "../storage/bucket-listen.js";

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

describe("fast path: MinIO's live event stream ahead of its durable copy", () => {
  let fs: FaultStack;
  let rig: FaultRig;
  let gw: GatewayProcess;
  const copies = async (path: string, outcome: string) => sumOf(await rig.metrics(gw), "framegate_intake_copies_total", { path, outcome });

  beforeAll(async () => {
    // as production runs MinIO (see test/faults/minio-restart.int.test.ts): no event lost to a SIGKILL
    fs = await startFaultStack({ minio: { env: { MINIO_SYNC_BOOT: "on", MINIO_API_SYNC_EVENTS: "on" } } });
    rig = await FaultRig.start(fs, { id: ID, rules: { "p.yaml": RULE } });
    gw = await rig.startGateway({ FRAMEGATE_FAST_PATH: "true" });
    await waitFor("the live event stream of raw open", async () => sumOf(await rig.metrics(gw), "framegate_fast_path_connected", { bucket: "raw" }) === 1, 20_000, {
      state: () => gw.output().split("\n").filter((l) => l.includes("fast path")).slice(-5).join("\n"),
    });
  }, 300_000);

  afterAll(async () => {
    await rig?.stop();
    await fs?.stop();
  }, 60_000);

  it("frames come by the fast path first and are processed once; MinIO's durable copies are absorbed", async () => {
    // MinIO sends its live stream in ~4 KB pieces (bucket-listen.ts): a burst of frames fills one
    const keys = Array.from({ length: 10 }, (_, i) => `${ID}-gate-01/2026/12/01/a+b c-${i}.jpg`);
    for (const key of keys) await fs.stack.minio.client.putObject("raw", key, Buffer.from(`frame ${key}`), undefined, { "Content-Type": "image/jpeg" });
    const etag = (await fs.stack.minio.client.statObject("raw", keys[0]!)).etag;
    await waitFor("every frame counted once as a first copy", async () => (await copies("live", "first")) + (await copies("durable", "first")) === keys.length, 20_000, {
      state: () => gw.output().split("\n").slice(-5).join("\n"),
    });
    // the durable copies come within MinIO's 3 s store replay and find the work done
    await waitFor("durable copies absorbed", async () => (await copies("durable", "duplicate")) >= 1, 15_000);
    expect(await copies("live", "first")).toBeGreaterThanOrEqual(1);
    const wfs = await rig.workflows(PIPELINE);
    expect(exactlyOnce(countKeys(wfs), keys)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(sumOf(await rig.metrics(gw), "framegate_fast_path_published_total", { outcome: "stored" })).toBeGreaterThanOrEqual(1);
    // the live copy's identity is MinIO's: key decoded right ("+" and the space), the object's ETag
    const first = wfs.find((w) => w.metadata.annotations?.["framegate.io/key"] === keys[0]);
    expect(first?.metadata.annotations?.["framegate.io/event-id"]).toBe(`raw/${keys[0]}@${etag}`);
  }, 60_000);

  it("the gateway's identity may listen on the trigger bucket, not on another bucket nor server-wide, and may not write", async () => {
    const ids = fs.stack.minio.identities.gateway;
    const id = { endpoint: fs.stack.minio.endpoint, ...ids };
    const listen = async (bucket: string) => {
      const ac = new AbortController();
      let opened = false;
      const done = listenBucket(id, { bucket, events: ["s3:ObjectCreated:*"] }, () => undefined, ac.signal, { onOpen: () => ((opened = true), ac.abort()) });
      await done;
      return opened;
    };
    expect(await listen("raw")).toBe(true);
    const refused = await listen("models").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ListenError);
    expect((refused as ListenError).status).toBe(403);
    expect((refused as Error).message).toMatch(/s3:ListenBucketNotification/);
    // server-wide (every bucket): s3:ListenNotification, not granted
    const { signV4 } = await import("../storage/sigv4.js");
    const url = new URL(`/?events=${encodeURIComponent("s3:ObjectCreated:*")}&ping=1`, id.endpoint);
    const headers = signV4({ method: "GET", url, body: new Uint8Array(0), accessKey: ids.accessKey, secretKey: ids.secretKey });
    delete headers.host;
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
    await res.body?.cancel();
    expect(res.status).toBe(403);
    const asGateway = new Client({ endPoint: new URL(id.endpoint).hostname, port: Number(new URL(id.endpoint).port), useSSL: false, ...ids });
    await expect(asGateway.putObject("raw", `${ID}-gate-01/forbidden.jpg`, Buffer.from("x"))).rejects.toThrow(/Access Denied/i);
  }, 30_000);

  it("MinIO restarted: the live stream drops and opens again, every uploaded frame processed exactly once", async () => {
    const minio = fs.stack.minio;
    const reconnectsBefore = sumOf(await rig.metrics(gw), "framegate_fast_path_reconnects_total", { bucket: "raw" });
    const fleet = new Fleet({ client: minio.client, cameras: [`${ID}-gate-02`, `${ID}-lobby-02`, `${ID}-street-02`], fps: 2, putTimeoutMs: 5_000 });
    await fleet.start();
    await sleep(4_000);
    await minio.kill("SIGKILL");
    await sleep(2_000);
    await minio.restart();
    await waitFor("the live stream open again", async () => {
      const m = await rig.metrics(gw);
      return sumOf(m, "framegate_fast_path_connected", { bucket: "raw" }) === 1 && sumOf(m, "framegate_fast_path_reconnects_total", { bucket: "raw" }) > reconnectsBefore;
    }, 20_000);
    const liveAtReconnect = await copies("live", "first");
    await sleep(4_000);
    await fleet.stop();
    const allowed = await storedDespiteFailure(minio.client, fleet.failed());
    const expected = fleet.ok().map((a) => a.key);
    const report = await waitFor("every uploaded frame in one Workflow", async () => {
      const r = exactlyOnce(countKeys((await rig.workflows(PIPELINE)).filter((w) => !w.metadata.annotations?.["framegate.io/key"]?.includes("gate-01/"))), expected, allowed);
      return r.missing.length === 0 && r;
    }, 30_000);
    expect(report).toEqual({ missing: [], duplicated: [], unexpected: [] });
    // frames uploaded after the reconnection came by the fast path again
    expect(await copies("live", "first")).toBeGreaterThan(liveAtReconnect);
    expect(await rig.deadLetters()).toEqual([]);
  }, 90_000);
});
