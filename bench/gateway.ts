/**
 * @module bench/gateway — events/s and event-to-create latency through real NATS JetStream into the
 * Kubernetes API, with the gateway's CPU-seconds per event next to every figure. The gateway runs as its
 * own process (as in production); the publisher (and the API stand-in) share this one. Runs, in one go:
 *
 * - into the API stand-in (test/fakes/kube-api.ts, answers at once; over TLS with ALPN h2 and http/1.1, as
 *   kube-apiserver serves, so HTTP/2 and HTTP/1.1 pay the same TLS) with 1 gateway process, then 2
 *   on the same durable consumer (on 2 cores the second mostly shows contention: compare CPU per event);
 * - into the harness's real kube-apiserver (TLS, the gateway ServiceAccount's token, Argo's CRDs, no
 *   controller): CPU per created Workflow, including the informer reading each Workflow's watch event.
 *
 * Drain: a backlog of `--events` notifications, drained by freshly started gateways (timed from the first
 * create). Steady: `--rate` events/s for `--seconds`, latency publish -> create (stand-in only: it sees
 * each create as it arrives), and its CPU per event also less what the gateways burn idle (measured for 5 s
 * after it: timers, heartbeats, the informer), a fixed cost per second a slow API server spreads over few events. Argo Events' sensor is the quoted comparison: ~45 events/s.
 *
 * A run written `<target>:<gateways>:h1` creates over HTTP/1.1 (`FRAMEGATE_KUBE_HTTP2=false`), for HTTP/2's share
 * of a before/after. A run written `<target>:<gateways>:cluster` (e.g. `stand-in:1:cluster`) uses a 3-server JetStream cluster on
 * loopback (test/harness/nats-cluster.ts) with the intake, the consumer and the KV buckets at 3 replicas, as the ha
 * overlay runs them: next to the same run on one server it shows what replication costs. On one machine that is
 * the CPU and fsync of three servers, not the network.
 *
 * `--baseline DIR` runs the gateway of another checkout (with its `dist/` built, e.g. `git worktree add` of an
 * earlier commit) for the runs marked `@baseline`, so a before/after is measured in one run.
 *
 *   npm run bench -- gateway [--events 20000] [--rate 1000] [--seconds 10] [--in-flight 64]
 *     [--runs stand-in:1,stand-in:2,kube:1,stand-in:1:cluster] [--baseline DIR] [--cpu-prof DIR]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ChildProcess } from "node:child_process";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createStateBuckets, startNats } from "../test/harness/nats.js";
import { clusterAsServer, startNatsCluster } from "../test/harness/nats-cluster.js";
import { DEFAULT_INTAKE_LIMITS } from "../src/triggers/jetstream-config.js";
import { installArgo, startKube, type KubeCluster } from "../test/harness/index.js";
import { FakeKubeApi } from "../test/fakes/kube-api.js";
import { ensureIntake } from "../src/triggers/jetstream-setup.js";
import { pct, printTable } from "./table.js";
import { minioNotificationText } from "../test/fixtures/minio-notification.js";
import { procStat, startGatewayProcess, stopProcess } from "./gateway-process.js";
import { waitFor } from "../test/harness/wait.js";

const ARGO_EVENTS_EVENTS_PER_S = 45;
const STREAM = "FRAMEGATE";
const SUBJECT = "minio.events";

const rule = (namespace: string) => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: bench-detect }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  workflow:
    namespace: ${namespace}
    steps:
      - { name: resize, service: resize }
      - { name: detect, service: detect, after: [resize] }
    parameters: { camera: "{camera}", key: "{key}" }
`;

interface Target {
  kubeconfig: string;
  /** Workflows created so far (the stand-in counts them; for the real API server: messages acked) */
  created(): Promise<number>;
  /** publish time -> create latencies, when the target can see each create */
  latencies?: number[];
  stop(): Promise<void>;
}

const cpuOf = (ps: ChildProcess[]) => ps.reduce((s, p) => s + procStat(p.pid!).cpuS, 0);
const rssOf = (ps: ChildProcess[]) => ps.reduce((s, p) => s + procStat(p.pid!).rssMb, 0);
const msPerEvent = (cpuS: number, n: number) => ((cpuS * 1000) / n).toFixed(2);

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: "string", default: "20000" },
      rate: { type: "string", default: "1000" },
      seconds: { type: "string", default: "10" },
      "in-flight": { type: "string", default: "64" },
      runs: { type: "string", default: "stand-in:1,stand-in:2,kube:1" },
      "cpu-prof": { type: "string" },
      baseline: { type: "string" },
    },
  });
  const total = Number(values.events);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const inFlight = Number(values["in-flight"]);
  const runs = values.runs.split(",").map((r) => {
    const [spec, which] = r.split("@");
    const [target, n, variant] = spec!.split(":");
    if ((target !== "stand-in" && target !== "kube") || !(Number(n) >= 1) || (which !== undefined && which !== "baseline") || (variant !== undefined && variant !== "cluster" && variant !== "h1")) {
      throw new Error(`--runs: "${r}" is not <stand-in|kube>:<gateways>[:cluster|:h1][@baseline] (e.g. stand-in:2, stand-in:1:cluster, kube:1:h1, kube:1@baseline)`);
    }
    if (which && !values.baseline) throw new Error(`--runs: "${r}" needs --baseline DIR (a checkout with dist/ built)`);
    return { target, gateways: Number(n), root: which ? values.baseline : undefined, cluster: variant === "cluster", h1: variant === "h1" } as const;
  });
  const rows: string[][] = [];
  let kube: KubeCluster | undefined;
  try {
    for (const { target: kind, gateways, root, cluster, h1 } of runs) {
      // a fresh NATS per run: the streams have their production names, which the NATS users' permissions name.
      // `:cluster`: a 3-server JetStream cluster on loopback, everything at 3 replicas (the ha overlay)
      const replicas = cluster ? 3 : 1;
      const nats = cluster ? clusterAsServer(await startNatsCluster()) : await startNats();
      const admin = await nats.connectAs("setup");
      const nc = await nats.connectAs("minio"); // publishes notifications, as MinIO does
      const js = jetstream(nc);
      const jsm = await jetstreamManager(admin);
      const procs: ChildProcess[] = [];
      let target: Target | undefined;
      try {
        await ensureIntake(admin, { stream: STREAM, dlqStream: `${STREAM}_DLQ`, consumer: "gw", minioSubject: SUBJECT }, { ackWaitMs: 30_000, replicas, limits: { ...DEFAULT_INTAKE_LIMITS, replicas } });
        await createStateBuckets(nats, {}, replicas); // as framegate setup does
        const dir = mkdtempSync(join(tmpdir(), "fg-bench-"));
        // into the real API server, each run has a namespace of its own: its informer lists only its Workflows
        const namespace = kind === "kube" ? `bench-${rows.length}` : "argo";
        writeFileSync(join(dir, "rule.yaml"), rule(namespace));
        const published = new Map<string, number>();
        let measuring = false;
        let stored = 0; // notifications JetStream has confirmed

        if (kind === "stand-in") {
          // the stand-in keeps metadata only (the latency reads an annotation): not ~8 KB more of this process's heap per create
          const api = await new FakeKubeApi({ tls: true, keepSpecs: false }).start();
          const latencies: number[] = [];
          api.onCreate = (wf) => {
            const key = wf.body.metadata.annotations?.["framegate.io/key"];
            const t0 = key ? published.get(key) : undefined;
            if (measuring && t0 !== undefined) latencies.push(performance.now() - t0);
          };
          writeFileSync(join(dir, "kubeconfig"), api.kubeconfig());
          target = { kubeconfig: join(dir, "kubeconfig"), created: async () => api.workflows.size, latencies, stop: () => api.stop() };
        } else {
          kube ??= await startKube();
          const argo = await installArgo(kube, { namespace });
          // a work queue: a message leaves the intake when it is acked, i.e. when its Workflow exists
          target = {
            kubeconfig: argo.gatewayKubeconfigPath,
            created: async () => stored - Number((await jsm.streams.info(STREAM)).state.messages),
            stop: async () => undefined,
          };
        }

        // 1) throughput: a backlog of `total` events, drained by freshly started gateways
        const pubs: Promise<unknown>[] = [];
        for (let i = 0; i < total; i++) {
          pubs.push(js.publish(SUBJECT, minioNotificationText(`cam-${kind}${root ? "b" : ""}-${i % 1000}/2026/11/28/${i}.jpg`, { etag: `e${i}` })).then(() => stored++));
          if (pubs.length >= 2000) await Promise.all(pubs.splice(0));
        }
        await Promise.all(pubs);
        for (let g = 0; g < gateways; g++) {
          procs.push(
            startGatewayProcess(
              {
                ...nats.clientEnv("gateway"),
                FRAMEGATE_STREAM: STREAM,
                FRAMEGATE_DLQ_STREAM: `${STREAM}_DLQ`,
                FRAMEGATE_CONSUMER: "gw",
                FRAMEGATE_MINIO_SUBJECT: SUBJECT,
                FRAMEGATE_RULES_DIR: dir,
                FRAMEGATE_MAX_IN_FLIGHT: String(inFlight),
                FRAMEGATE_ALLOWED_NAMESPACES: namespace,
                KUBECONFIG: target.kubeconfig,
                ...(h1 && { FRAMEGATE_KUBE_HTTP2: "false" }),
              },
              { cpuProfDir: values["cpu-prof"], root },
            ),
          );
        }
        const poll = kind === "kube" ? 100 : 20;
        // time from the first create, so process start-up is not counted
        await waitFor("bench", async () => (await target!.created()) >= 1, 120_000, { state: () => "gateway start", pollMs: poll, progressEveryMs: 5_000 });
        const n0 = await target.created();
        const t0 = performance.now();
        const cpu0 = cpuOf(procs);
        let last = n0;
        await waitFor("bench", async () => (last = await target!.created()) >= total, 600_000, { state: () => `drain: ${last}/${total} created`, pollMs: poll, progressEveryMs: 5_000 });
        const drainS = (performance.now() - t0) / 1000;
        const drainCpu = cpuOf(procs) - cpu0;
        const drained = total - n0;
        const drainRate = drained / drainS;

        // 2) a steady `rate` events/s
        const n = rate * seconds;
        const cpu1 = cpuOf(procs);
        measuring = true;
        const start = performance.now();
        for (let i = 0; i < n; i++) {
          const due = start + (i * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
          const key = `lat-${kind}${gateways}${root ? "b" : ""}-${i % 500}/2026/11/28/${i}.jpg`;
          published.set(key, performance.now());
          void js.publish(SUBJECT, minioNotificationText(key, { etag: `l${i}` })).then(() => stored++);
        }
        await waitFor("bench", async () => (last = await target!.created()) >= total + n, 180_000, { state: () => `steady run: ${last - total}/${n}`, pollMs: poll, progressEveryMs: 5_000 });
        const steadyS = (performance.now() - start) / 1000;
        const steadyCpu = cpuOf(procs) - cpu1;
        // what the gateways burn with nothing to do (timers, heartbeats, the informer's watch): a fixed cost
        // per second, which a slow API server spreads over few events
        const cpu2 = cpuOf(procs);
        await new Promise((r) => setTimeout(r, 5000));
        const idlePerS = (cpuOf(procs) - cpu2) / 5;
        const lat = (target.latencies ?? []).sort((a, b) => a - b);
        const rss = rssOf(procs);
        rows.push([
          `${kind === "kube" ? "kube-apiserver" : "stand-in"}${cluster ? ", NATS x3 (R3)" : ""}${h1 ? ", HTTP/1.1" : ""}${root ? " (baseline)" : ""}`,
          String(gateways),
          drainRate.toFixed(0),
          `${(drainRate / ARGO_EVENTS_EVENTS_PER_S).toFixed(0)}x`,
          msPerEvent(drainCpu, drained),
          (drained / drainCpu).toFixed(0),
          `${((drainCpu / drainS) * 100).toFixed(0)}%`,
          String(rate),
          msPerEvent(steadyCpu, n),
          msPerEvent(Math.max(0, steadyCpu - idlePerS * steadyS), n),
          `${(idlePerS * 100).toFixed(1)}%`,
          lat.length ? pct(lat, 50).toFixed(1) : "–",
          lat.length ? pct(lat, 99).toFixed(1) : "–",
          rss.toFixed(0),
        ]);
        process.stderr.write(`${kind}${cluster ? " (NATS cluster)" : ""}${h1 ? " (HTTP/1.1)" : ""} x${gateways}: ${drainRate.toFixed(0)} events/s at ${msPerEvent(drainCpu, drained)} CPU-ms/event\n`);
      } finally {
        for (const p of procs) await stopProcess(p);
        await target?.stop();
        await nc.close();
        await admin.close();
        await nats.stop();
      }
    }
  } finally {
    await kube?.stop();
  }
  printTable(
    ["into", "gateways", "drain events/s", "vs Argo Events (45/s)", "CPU ms/event (drain)", "events per CPU-s", "gateway CPU", "steady rate/s", "CPU ms/event (steady)", "less idle", "idle CPU", "p50 ms", "p99 ms", "RSS MB"],
    rows,
  );
}
