/**
 * @module bench/stack — the real path end to end: frames PUT into MinIO -> MinIO's NATS target ->
 * JetStream -> `framegate serve` (its own process, the gateway ServiceAccount's token) -> Workflows created
 * in a real kube-apiserver. Throughput and upload->Workflow latency at 1, 10 and 100 cameras, and where
 * the time goes:
 *
 * - MinIO notify: the PUT returned -> the notification's JetStream timestamp (per frame; read from the replay
 *   window, which sources the work-queue intake a few ms later);
 * - pickup: JetStream timestamp -> the gateway's consumer starts on it (`framegate_event_pickup_seconds`);
 * - gateway: decode, match, render and the create's HTTP round trip, less the API server's own time
 *   (`framegate_event_to_workflow_seconds` minus pickup minus the API server's create time);
 * - API server create: kube-apiserver's `apiserver_request_duration_seconds{verb="POST",resource="workflows"}`
 *   (server side: admission, validation, etcd write);
 * - watch: the create returned in the gateway -> a watch on Workflows in this process receives ADDED (can be
 *   negative: the API server sends the watch event as it answers the create).
 *
 * "Workflow exists" is the moment the watch receives it (creationTimestamp has only second resolution).
 * By default no Argo controller runs (it would compete for the same CPUs running the Workflows); pass
 * `--controller` to start it with kwok and measure with it.
 *
 * `--nats single,cluster` runs the same on one nats-server and then on a 3-server JetStream cluster with every
 * stream, the consumer and the KV buckets at 3 replicas (the ha overlay), each on a stack of its own: the
 * difference is the cost of replication. On loopback that measures CPU and fsync of three servers on the same
 * cores, not the network.
 *
 * `--fast-path off,on` (the default) runs each camera count with the fast path (MinIO's second, store-less
 * NATS target FAST on `minio.fast`, ahead of the durable target's copy) off and on, one after the other on the
 * same stack; with it on, "MinIO notify" is the first copy's time, and the last table counts the copies, their
 * bytes, the Workflows created and the gateway's CPU per frame.
 *
 *   npm run bench -- stack [--cameras 1,10,100] [--seconds 20] [--fps 1] [--controller] [--nats single,cluster] [--fast-path off,on]
 */
import { request } from "node:https";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { historyStreamName } from "../src/triggers/jetstream-config.js";
import { DEFAULT_MINIO_FAST_SUBJECT } from "../src/triggers/wire.js";
import type { NatsConnection } from "@nats-io/transport-node";
import { parseMinioNotificationText } from "../src/triggers/minio-event.js";
import { installArgo, type ArgoInstall } from "../test/harness/argo.js";
import { framegateEnv, runFramegate, setupEnv, startGatewayProcess } from "../test/harness/framegate.js";
import { histogramMean, histogramQuantile, parsePrometheusText, subtractSamples, sumOf, type Sample } from "../test/harness/prometheus-text.js";
import { startStack, type FullStack, type KubeStack } from "../test/harness/stack.js";
import { CameraFleet, type Upload } from "../test/harness/synthetic-camera.js";
import { makeTempDir } from "../test/harness/util.js";
import { observeWorkflows } from "./peers-observe.js";
import { pct, printTable } from "./table.js";

/** The rule every run uses (the peers benchmark's too): one Workflow per frame (no sampling, batching or limits), resize then detect. */
export function rule(name: string, bucket: string): string {
  return `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger: { bucket: ${bucket}, key: "{camera}/**/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps:
      - { name: resize, service: resize }
      - { name: detect, service: detect, after: [resize] }
    parameters: { camera: "{camera}", key: "{key}" }
`;
}


/** The gateway process's CPU seconds (prom-client's default metric, under the registry's prefix). */
const cpuSeconds = (samples: readonly Sample[]) => samples.filter((x) => x.name.endsWith("process_cpu_seconds_total")).reduce((a, x) => a + x.value, 0);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : "–");

/** kube-apiserver's `/metrics` (admin token, its own CA). */
function scrapeApiserver(stack: KubeStack): Promise<Sample[]> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.kube.server}/metrics`, { ca: stack.kube.caPem, headers: { authorization: `Bearer ${stack.kube.adminToken}` }, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(parsePrometheusText(body)) : reject(new Error(`kube-apiserver /metrics answered ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error("kube-apiserver /metrics timed out")));
    req.on("error", reject);
    req.end();
  });
}

async function scrapeGateway(url: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return parsePrometheusText(await res.text());
}

/**
 * When JetStream stored each MinIO notification for `bucket` (ms since the epoch), by object key. The intake
 * is a work queue: no second consumer may read it, so this reads its replay window (`<stream>_HISTORY`,
 * which sources the intake) by sequence, as `framegate replay` may; a copy's time there is when it was
 * sourced, a few ms after the intake stored it.
 */
async function observeStream(nc: NatsConnection, stream: string, bucket: string) {
  const seen = new Map<string, number>();
  const bytes = { fast: 0, durable: 0 };
  const jsm = await jetstreamManager(nc);
  const history = historyStreamName(stream);
  let next = (await jsm.streams.info(history)).state.last_seq + 1;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const last = (await jsm.streams.info(history)).state.last_seq;
      for (; next <= last && !stopped; next++) {
        const m = await jsm.streams.getMessage(history, { seq: next }).catch(() => null);
        if (!m) continue;
        try {
          const events = parseMinioNotificationText(m.string()).filter((e) => e.bucket === bucket);
          // the first copy's time: with the fast path on, usually the fast target's
          for (const e of events) if (!seen.has(e.key)) seen.set(e.key, m.time.getTime());
          const size = m.data.length + (m.header?.toString().length ?? 0);
          if (events.length > 0) bytes[m.subject === DEFAULT_MINIO_FAST_SUBJECT ? "fast" : "durable"] += size;
        } catch {
          /* not a notification */
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    seen,
    bytes,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

interface RunResult {
  /** `1 server` or `3 servers (R3)` */
  nats: string;
  cameras: number;
  fastPath: boolean;
  copies: { fastFirst: number; durableFirst: number; fastDup: number; durableDup: number; durableInMemory: number };
  /** bytes of the bucket's intake messages (data + headers) by path */
  bytes: { fast: number; durable: number };
  cpuMsPerFrame: number;
  frames: number;
  uploadRate: number;
  workflowRate: number;
  latency: number[];
  notify: number[];
  streamToWatch: number[];
  pickupMean: number;
  eventToCreateMean: number;
  apiMean: number;
  apiP50: number;
  apiP99: number;
  created: number;
  watchRestarts: number;
}

async function runOnce(stack: KubeStack, nc: NatsConnection, o: { cameras: number; seconds: number; fps: number; namespace: string; kubeconfigPath: string; replicas: number; fastPath: boolean }): Promise<Omit<RunResult, "nats">> {
  const id = `c${o.cameras}-${o.fastPath ? "fast" : "durable"}`;
  const pipeline = `bench-stack-${id}`;
  const bucket = `bench-stack-${id}`;
  const rules = makeTempDir(`bench-rules-${id}`);
  writeFileSync(join(rules.path, "bench.yaml"), rule(pipeline, bucket));
  const env = framegateEnv(stack, {
    rulesDir: rules.path,
    // the default consumer: a work-queue intake takes one, and each run stops its gateway before the next
    kubeconfigPath: o.kubeconfigPath,
    extra: { FRAMEGATE_WATCH_RULES: "false", FRAMEGATE_STREAM_REPLICAS: String(o.replicas), FRAMEGATE_FAST_PATH: String(o.fastPath) },
  });
  // A new durable consumer starts at the stream's first message: earlier runs' frames (other buckets, which no
  // rule of this run matches) are acked without a Workflow before this run's. No NATS user may purge the stream.
  const setup = await runFramegate(["setup"], setupEnv(stack, env));
  if (setup.code !== 0) throw new Error(`framegate setup failed:\n${setup.stdout}${setup.stderr}`);
  const gateway = await startGatewayProcess(env);
  const stream = await observeStream(nc, stack.streams.stream, bucket);
  const watch = await observeWorkflows(stack.kube.kubeConfig(), o.namespace, pipeline);
  try {
    const apiBefore = await scrapeApiserver(stack);
    const gwBefore = await scrapeGateway(gateway.url);
    const cameras = Array.from({ length: o.cameras }, (_, i) => `cam-${String(i + 1).padStart(3, "0")}`);
    const fleet = new CameraFleet({ client: stack.minio.client, bucket, cameras, fps: o.fps, framesPerCamera: Math.max(1, Math.round(o.fps * o.seconds)) });
    fleet.start();
    await fleet.done();
    if (fleet.errors) throw new Error(`${fleet.errors} uploads failed`);
    const uploads: Upload[] = fleet.uploads;
    const deadline = Date.now() + 300_000;
    let said = Date.now();
    while (uploads.some((u) => !watch.seen.has(u.key))) {
      if (watch.failed()) throw new Error(`the Workflow watch failed: ${String(watch.failed())}`);
      if (Date.now() > deadline) throw new Error(`only ${watch.seen.size}/${uploads.length} Workflows after 5 minutes`);
      if (Date.now() - said > 5_000) {
        process.stderr.write(`  ${o.cameras} cameras: ${watch.seen.size}/${uploads.length} Workflows\n`);
        said = Date.now();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (o.fastPath) {
      // the durable copies follow the fast ones by 0-3 s: their cost (and the one Workflow per frame) is counted once they are in
      const durableCopies = async () => {
        const g = await scrapeGateway(gateway.url);
        return sumOf(g, "framegate_intake_copies_total", { path: "durable", outcome: "first" }) + sumOf(g, "framegate_intake_copies_total", { path: "durable", outcome: "duplicate" });
      };
      const until = Date.now() + 15_000;
      while ((await durableCopies()) < uploads.length && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 500)); // let the last observations land in the histograms
    const api = subtractSamples(await scrapeApiserver(stack), apiBefore);
    const gw = await scrapeGateway(gateway.url);
    const apiWhere = { verb: "POST", group: "argoproj.io", resource: "workflows" };

    const firstPut = Math.min(...uploads.map((u) => u.doneAt));
    const lastPut = Math.max(...uploads.map((u) => u.doneAt));
    const watched = uploads.map((u) => watch.seen.get(u.key)!);
    const [firstWatch, lastWatch] = [Math.min(...watched), Math.max(...watched)];
    const js = (u: Upload) => stream.seen.get(u.key);
    const withJs = uploads.filter((u) => js(u) !== undefined);
    const copy = (path: string, outcome: string) => sumOf(gw, "framegate_intake_copies_total", { path, outcome });
    return {
      cameras: o.cameras,
      fastPath: o.fastPath,
      copies: { fastFirst: copy("fast", "first"), durableFirst: copy("durable", "first"), fastDup: copy("fast", "duplicate"), durableDup: copy("durable", "duplicate"), durableInMemory: sumOf(gw, "framegate_recent_done_lookups_total", { result: "hit" }) },
      bytes: { ...stream.bytes },
      cpuMsPerFrame: ((cpuSeconds(gw) - cpuSeconds(gwBefore)) * 1000) / uploads.length,
      frames: uploads.length,
      uploadRate: (uploads.length - 1) / Math.max(0.001, (lastPut - firstPut) / 1000),
      // the rate Workflows appeared at, first to last (the upload rate when the pipeline keeps up)
      workflowRate: (uploads.length - 1) / Math.max(0.001, (lastWatch - firstWatch) / 1000),
      latency: uploads.map((u) => watch.seen.get(u.key)! - u.doneAt).sort((a, b) => a - b),
      notify: withJs.map((u) => js(u)! - u.doneAt).sort((a, b) => a - b),
      streamToWatch: withJs.map((u) => watch.seen.get(u.key)! - js(u)!).sort((a, b) => a - b),
      pickupMean: histogramMean(gw, "framegate_event_pickup_seconds") * 1000,
      eventToCreateMean: histogramMean(gw, "framegate_event_to_workflow_seconds") * 1000,
      apiMean: histogramMean(api, "apiserver_request_duration_seconds", apiWhere) * 1000,
      apiP50: histogramQuantile(api, "apiserver_request_duration_seconds", 0.5, apiWhere) * 1000,
      apiP99: histogramQuantile(api, "apiserver_request_duration_seconds", 0.99, apiWhere) * 1000,
      created: sumOf(gw, "framegate_workflows_total", { pipeline, outcome: "created" }),
      watchRestarts: watch.restarts(),
    };
  } finally {
    watch.stop();
    await stream.stop();
    await gateway.stop();
    rules.remove();
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cameras: { type: "string", default: "1,10,100" },
      seconds: { type: "string", default: "20" },
      fps: { type: "string", default: "1" },
      controller: { type: "boolean", default: false },
      nats: { type: "string", default: "single" },
      "fast-path": { type: "string", default: "off,on" },
    },
  });
  const natsKinds = values.nats.split(",");
  if (natsKinds.some((k) => k !== "single" && k !== "cluster")) throw new Error(`--nats takes single, cluster or both (single,cluster), not "${values.nats}"`);
  const counts = values.cameras.split(",").map(Number);
  const seconds = Number(values.seconds);
  const fps = Number(values.fps);
  const modes = values["fast-path"].split(",").map((m) => m.trim());
  if (modes.some((m) => m !== "on" && m !== "off")) throw new Error(`--fast-path takes on, off or both (off,on), not "${values["fast-path"]}"`);
  if (counts.some((c) => !Number.isInteger(c) || c < 1) || !(seconds > 0) || !(fps > 0)) {
    throw new Error("--cameras takes whole numbers (e.g. 1,10,100); --seconds and --fps positive numbers");
  }

  const results: RunResult[] = [];
  // one stack per NATS kind, the same runs on each: the cluster's cost is the difference within this one run
  for (const kind of natsKinds) {
    const cluster = kind === "cluster";
    const label = cluster ? "3 servers (R3)" : "1 server";
    process.stderr.write(`starting the stack (NATS ${label}, ${values.controller ? "with" : "without"} Argo's controller)…\n`);
    const full: FullStack | undefined = values.controller ? await startStack({ level: "argo", ...(cluster ? { natsCluster: {} } : {}) }) : undefined;
    const stack: KubeStack = full ?? (await startStack({ level: "kube", ...(cluster ? { natsCluster: {} } : {}) }));
    try {
      const argo: ArgoInstall = full ? full.argo : await installArgo(stack.kube, { minio: stack.minio });
      const nc = await stack.nats.connectAs("setup", { name: "bench-stack" }); // reads the stream, as `framegate replay` may
      try {
        for (const cameras of counts) for (const mode of modes) {
          process.stderr.write(`${cameras} camera(s) × ${fps} frame/s for ${seconds} s (NATS ${label}, fast path ${mode})…\n`);
          const run = { cameras, seconds, fps, namespace: argo.namespace, kubeconfigPath: argo.gatewayKubeconfigPath, replicas: cluster ? 3 : 1, fastPath: mode === "on" };
          const r = { nats: label, ...(await runOnce(stack, nc, run)) };
          if (r.created !== r.frames) process.stderr.write(`  note: the gateway created ${r.created} Workflows for ${r.frames} frames\n`);
          if (r.watchRestarts) process.stderr.write(`  note: the Workflow watch was resumed ${r.watchRestarts} time(s): latencies of Workflows created meanwhile are overstated\n`);
          results.push(r);
        }
      } finally {
        await nc.close();
      }
    } finally {
      await stack.stop();
    }
  }

  process.stdout.write(`\nframes -> Workflows in kube-apiserver (${values.controller ? "Argo controller running" : "no Argo controller"}), ${fps} frame/s per camera, ${seconds} s\n\n`);
  printTable(
    ["NATS", "cameras", "fast path", "frames", "uploads/s", "Workflows/s", "p50 ms", "p99 ms", "max ms"],
    results.map((r) => [r.nats, String(r.cameras), r.fastPath ? "on" : "off", String(r.frames), r.uploadRate.toFixed(1), r.workflowRate.toFixed(1), ms(pct(r.latency, 50)), ms(pct(r.latency, 99)), ms(r.latency.at(-1)!)]),
  );
  process.stdout.write(
    `\nwhere the time goes (ms): notify and total per frame; pickup, gateway and API create from the gateway's and kube-apiserver's histograms ` +
      `(API p50/p99 interpolated in its 5/25/50 ms buckets); watch = (JetStream -> watch, per frame) - (JetStream -> create returned): ` +
      `negative when this process's watch saw the Workflow before the gateway had read the API server's answer\n\n`,
  );
  printTable(
    ["NATS", "cameras", "fast path", "MinIO notify mean (p50/p99)", "pickup mean", "gateway mean", "API create mean", "API create p50/p99", "watch mean", "total mean"],
    results.map((r) => {
      const gatewayOnly = r.eventToCreateMean - r.pickupMean - r.apiMean;
      const watchLag = mean(r.streamToWatch) - r.eventToCreateMean;
      return [
        r.nats,
        String(r.cameras),
        r.fastPath ? "on" : "off",
        `${ms(mean(r.notify))} (${ms(pct(r.notify, 50))} / ${ms(pct(r.notify, 99))})`,
        ms(r.pickupMean),
        ms(gatewayOnly),
        ms(r.apiMean),
        `${ms(r.apiP50)} / ${ms(r.apiP99)}`,
        ms(watchLag),
        ms(mean(r.latency)),
      ];
    }),
  );
  process.stdout.write(
    `\nthe fast path's cost: which copy of each frame came first and which copies were absorbed (dup; "in memory": of those, found by the recent-done set without a state read), intake bytes per frame ` +
      `by path (data + headers; kept in the intake until acked and in the replay window), Workflows created (one per frame), gateway CPU per frame (whole process)\n\n`,
  );
  printTable(
    ["NATS", "cameras", "fast path", "fast first", "durable first", "fast dup", "durable dup", "in memory", "intake B/frame fast", "intake B/frame durable", "Workflows / frames", "gateway CPU ms/frame"],
    results.map((r) => [
      r.nats,
      String(r.cameras),
      r.fastPath ? "on" : "off",
      String(r.copies.fastFirst),
      String(r.copies.durableFirst),
      String(r.copies.fastDup),
      String(r.copies.durableDup),
      String(r.copies.durableInMemory),
      (r.bytes.fast / r.frames).toFixed(0),
      (r.bytes.durable / r.frames).toFixed(0),
      `${r.created} / ${r.frames}`,
      r.cpuMsPerFrame.toFixed(2),
    ]),
  );
}
