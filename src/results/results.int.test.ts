/**
 * @module results/results.int.test — the results index on real servers. nats-server (with the deployment's
 * authorization: `setup` makes the stream, replicas use the `gateway` user): two replicas writing the same
 * result store one copy; a camera keeps its newest PER_CAMERA results and the stream its byte limit, the oldest
 * dropped first, in the stream and in the index alike; a replica started later reads the same index back.
 * MinIO: the results identity reads a pipeline's output prefix and nothing else; frames and thumbnails come
 * through the bounded cache.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { Client } from "minio";
import { pino } from "pino";
import sharp from "sharp";
import { startNats, type NatsServer } from "../../test/harness/nats.js";
import { startMinio, type MinioServer } from "../../test/harness/minio.js";
import { waitFor } from "../../test/harness/wait.js";
import { createMetrics } from "../lib/metrics.js";
import { storagePolicies } from "../rules/storage-policies.js";
import type { CompiledPipeline } from "../rules/types.js";
import { ensureIdentity } from "../storage/identities.js";
import { MinioAdmin } from "../storage/minio-admin.js";
import { FrameCache } from "./frame-cache.js";
import { MinioObjectReader, ObjectReadError } from "./object-reader.js";
import type { ResultEntry } from "./result-entry.js";
import { ResultsIndex, type ResultsLimits } from "./results-index.js";
import { ensureResultsStream, resultsSubject, ResultsStream } from "./results-stream.js";

const log = pino({ level: "silent" });
const STREAM = "FRAMEGATE_RESULTS"; // the name authorization.conf grants
const LIMITS: ResultsLimits = { perCamera: 3, maxBytes: 16 * 1024, maxAgeMs: 86_400_000 };

function entry(camera: string, n: number): ResultEntry {
  const key = `people-detect/resize/${camera}/${n}.jpg`;
  return {
    id: `argo/wf-${camera}-${n}#0`,
    camera,
    pipeline: "people-detect",
    source: { bucket: "raw", key: `${camera}/${n}.jpg` },
    processed: [{ step: "resize", bucket: "processed", key }],
    frame: { bucket: "processed", key },
    detections: [{ label: "person", score: 0.9, box: { x: 1, y: 2, width: 3, height: 4 } }],
    workflow: { name: `wf-${camera}-${n}`, namespace: "argo" },
    createdAt: new Date().toISOString(),
    finishedAt: new Date(Date.now() + n).toISOString(),
    steps: [{ step: "resize", phase: "Succeeded", durationMs: 800 }],
  };
}

describe("the results stream on nats-server", () => {
  let nats: NatsServer;
  const conns: NatsConnection[] = [];
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    nats = await startNats();
    const setup = await nats.connectAs("setup");
    expect(await ensureResultsStream(setup, STREAM, LIMITS)).toMatch(/stream FRAMEGATE_RESULTS created \(results index, 3 per camera, limit 16 KiB, 1 replica\)/);
    await setup.close();
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops) await stop();
    for (const nc of conns) await nc.close();
    await nats?.stop();
  });

  /** One gateway replica: the gateway user, its stream handle and its index following the stream. */
  async function replica() {
    const nc = await nats.connectAs("gateway");
    conns.push(nc);
    const stream = await ResultsStream.open(nc, STREAM, log);
    const metrics = createMetrics({ defaultMetrics: false });
    const index = new ResultsIndex(LIMITS, { size: (n) => metrics.resultsEntries.set(n), evicted: (reason, n) => metrics.resultsEvicted.inc({ reason }, n) });
    const follow = stream.follow((e, bytes) => index.add(e, bytes));
    stops.push(() => follow.stop());
    await follow.caughtUp;
    return { nc, stream, index, metrics };
  }

  const subjectMessages = async (nc: NatsConnection, camera: string) =>
    (await (await jetstreamManager(nc)).streams.info(STREAM, { subjects_filter: resultsSubject(camera) })).state.subjects?.[resultsSubject(camera)] ?? 0;

  it("two replicas writing one result store one copy, and both indexes show it", async () => {
    const [a, b] = [await replica(), await replica()];
    expect(await a.stream.publish(entry("gate-01", 1))).toBe("stored");
    expect(await b.stream.publish(entry("gate-01", 1))).toBe("duplicate");
    await waitFor("both indexes hold the result", () => a.index.size === 1 && b.index.size === 1, 10_000);
    expect(await subjectMessages(a.nc, "gate-01")).toBe(1);
  });

  it("a camera keeps its newest 3 results, in the stream and in every index; a new replica reads the same back", async () => {
    const a = await replica();
    for (let n = 2; n <= 6; n++) await a.stream.publish(entry("gate-01", n));
    await waitFor("the index has the newest", () => a.index.query({ camera: "gate-01", limit: 10 })[0]?.id === "argo/wf-gate-01-6#0", 10_000);
    expect(await subjectMessages(a.nc, "gate-01")).toBe(3);
    const ids = (r: { index: ResultsIndex }) => r.index.query({ camera: "gate-01", limit: 10 }).map((e) => e.id);
    expect(ids(a)).toEqual(["argo/wf-gate-01-6#0", "argo/wf-gate-01-5#0", "argo/wf-gate-01-4#0"]);
    const later = await replica(); // a restart: the index comes back from the stream alone
    expect(ids(later)).toEqual(ids(a));
    expect((await later.metrics.registry.getSingleMetric("framegate_results_index_entries")!.get()).values[0]!.value).toBe(3);
  });

  it("at the byte limit the oldest results of any camera go first, in the stream and the index", async () => {
    const a = await replica();
    for (let n = 1; n <= 40; n++) await a.stream.publish(entry(`cam-${n}`, n));
    await waitFor("the index has cam-40", () => a.index.query({ camera: "cam-40", limit: 1 }).length === 1, 10_000);
    const info = await (await jetstreamManager(a.nc)).streams.info(STREAM);
    expect(info.state.bytes).toBeLessThanOrEqual(LIMITS.maxBytes);
    expect(await subjectMessages(a.nc, "gate-01")).toBe(0); // the oldest camera's results are gone from the stream
    expect(a.index.query({ camera: "gate-01", limit: 10 })).toEqual([]); // and from the index
    expect(a.index.bytes).toBeLessThanOrEqual(LIMITS.maxBytes);
    const evicted = (await a.metrics.registry.getSingleMetric("framegate_results_evicted_total")!.get()).values.find((v) => v.labels.reason === "bytes");
    expect(evicted?.value).toBeGreaterThan(0);
    // what a restarted replica rebuilds is what the stream kept: a subset of the live index, the newest included
    const later = await replica();
    expect(later.index.size).toBe(info.state.messages);
    expect(later.index.query({ camera: "cam-40", limit: 1 })).toHaveLength(1);
  });

  it("setup lowers the limits of a full stream in place: nats-server drops the oldest results to fit", async () => {
    const setup = await nats.connectAs("setup");
    try {
      const jsm = await jetstreamManager(setup);
      const held = (await jsm.streams.info(STREAM)).state.bytes;
      expect(held).toBeGreaterThan(8 * 1024);
      expect(await ensureResultsStream(setup, STREAM, { ...LIMITS, maxBytes: 8 * 1024 })).toMatch(/stream FRAMEGATE_RESULTS updated .*limit 8 KiB/);
      const after = await jsm.streams.info(STREAM);
      expect(after.state.bytes).toBeLessThanOrEqual(8 * 1024);
      expect(await subjectMessages(setup, "cam-40")).toBe(1); // the newest result is kept
      await ensureResultsStream(setup, STREAM, LIMITS); // back, for the next test
    } finally {
      await setup.close();
    }
  });

  it("the gateway user cannot create or delete the stream (setup makes it)", async () => {
    const a = await replica();
    const jsm = await jetstreamManager(a.nc);
    await expect(jsm.streams.delete(STREAM)).rejects.toThrow(/permission|timeout/i);
    await expect(jsm.streams.add({ name: "FRAMEGATE_RESULTS_2", subjects: ["framegate.results2.*"] })).rejects.toThrow(/permission|timeout/i);
  }, 30_000);
});

describe("the results identity on MinIO", () => {
  let minio: MinioServer;
  let reader: MinioObjectReader;
  const creds = { accessKey: "framegate-results", secretKey: "results-secret-0123456789" };
  let jpeg: Buffer;

  beforeAll(async () => {
    minio = await startMinio({ buckets: ["raw", "processed"] });
    const pipelines = [{ name: "people-detect", spec: { trigger: { source: "minio", bucket: "raw" }, workflow: { outputBucket: "processed" } } }] as unknown as CompiledPipeline[];
    const admin = new MinioAdmin({ endpoint: minio.endpoint, accessKey: minio.accessKey, secretKey: minio.secretKey });
    await ensureIdentity(admin, { ...creds, policyName: "framegate-results", policy: storagePolicies(pipelines).policies.results });
    jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 30, b: 30 } } }).jpeg().toBuffer();
    for (const [bucket, key] of [["processed", "people-detect/resize/gate-01/a.jpg"], ["processed", "other/resize/gate-01/a.jpg"], ["raw", "gate-01/a.jpg"]] as const) {
      await minio.client.putObject(bucket, key, jpeg, jpeg.length, { "Content-Type": "image/jpeg" });
    }
    reader = new MinioObjectReader({ endpoint: minio.endpoint, ...creds });
  }, 60_000);

  afterAll(async () => {
    await minio?.stop();
  });

  it("reads the pipeline's outputs, and is refused the raw frames, another prefix, listing and writing", async () => {
    expect((await reader.read("processed", "people-detect/resize/gate-01/a.jpg", 1 << 20)).body.equals(jpeg)).toBe(true);
    for (const [bucket, key] of [["raw", "gate-01/a.jpg"], ["processed", "other/resize/gate-01/a.jpg"]] as const) {
      const err = await reader.read(bucket, key, 1 << 20).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectReadError);
      expect(err).toMatchObject({ reason: "denied" });
    }
    const client = new Client({ endPoint: minio.host, port: minio.port, useSSL: false, region: "us-east-1", ...creds });
    await expect(client.putObject("processed", "people-detect/x.jpg", Buffer.from("x"))).rejects.toMatchObject({ code: "AccessDenied" });
    await expect(client.removeObject("processed", "people-detect/resize/gate-01/a.jpg")).rejects.toMatchObject({ code: "AccessDenied" });
    const listing = new Promise((resolve, reject) => {
      const s = client.listObjectsV2("processed", "people-detect/", true);
      s.on("data", () => undefined).on("end", resolve).on("error", reject);
    });
    await expect(listing).rejects.toMatchObject({ code: "AccessDenied" });
    // a missing object under its prefix is "missing", not "denied"
    await expect(reader.read("processed", "people-detect/resize/gate-01/none.jpg", 1 << 20)).rejects.toMatchObject({ reason: "missing" });
  });

  it("frames come through the cache: a thumbnail 320 wide, read from MinIO once, the cache's bytes bounded", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let reads = 0;
    const counting = { read: (b: string, k: string, m: number) => (reads++, reader.read(b, k, m)), readJson: (b: string, k: string) => reader.readJson(b, k) };
    const cache = new FrameCache({ reader: counting, maxBytes: 64 * 1024, metrics });
    const thumb = await cache.get("processed", "people-detect/resize/gate-01/a.jpg", "thumb");
    expect((await sharp(thumb.body).metadata()).width).toBe(320);
    await cache.get("processed", "people-detect/resize/gate-01/a.jpg", "thumb");
    expect(reads).toBe(1);
    const requests = (await metrics.frameRequests.get()).values.map((v) => [v.labels.result, v.value]);
    expect(requests).toEqual([["miss", 1], ["hit", 1]]);
    // a frame over a quarter of the cap is served but not kept; the cache stays under its cap
    const tiny = new FrameCache({ reader: counting, maxBytes: 4 * 1024, metrics });
    await tiny.get("processed", "people-detect/resize/gate-01/a.jpg", "full");
    await tiny.get("processed", "people-detect/resize/gate-01/a.jpg", "full");
    expect(reads).toBe(3);
    expect(tiny.bytes).toBe(0);
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024);
    expect((await metrics.frameCacheBytes.get()).values[0]!.value).toBe(cache.bytes);
  });
});
