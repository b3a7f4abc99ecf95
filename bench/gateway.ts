/**
 * @module bench/gateway — events/s and event-to-create latency through real NATS JetStream into a
 * Kubernetes API stand-in that answers at once, at 1, 10 and 100 messages in flight.
 * The gateway runs as its own process (as in production); the publisher and the API stand-in share
 * this one. Argo Events' sensor is the comparison: ~45 events/s, held to 5 Kubernetes requests/s.
 *
 *   npm run bench -- gateway [--events 20000] [--rate 1000] [--seconds 10]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { startNats } from "../test/harness/nats.js";
import { REPO_ROOT } from "../test/harness/util.js";
import { FakeKubeApi } from "../test/fakes/kube-api.js";
import { ensureIntake } from "../src/triggers/jetstream-setup.js";

const ARGO_EVENTS_EVENTS_PER_S = 45;

const RULE = `apiVersion: framegate/v1
kind: Pipeline
metadata: { name: bench-detect }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  workflow:
    steps:
      - { name: resize, service: resize }
      - { name: detect, service: detect, after: [resize] }
    parameters: { camera: "{camera}", key: "{key}" }
`;

function notification(key: string, etag: string): string {
  return JSON.stringify({
    EventName: "s3:ObjectCreated:Put",
    Key: `raw/${key}`,
    Records: [
      {
        eventVersion: "2.0",
        eventSource: "minio:s3",
        awsRegion: "",
        eventTime: new Date().toISOString(),
        eventName: "s3:ObjectCreated:Put",
        userIdentity: { principalId: "minioadmin" },
        requestParameters: { principalId: "minioadmin", region: "", sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": "1", "x-minio-deployment-id": "d" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "Config",
          bucket: { name: "raw", ownerIdentity: { principalId: "minioadmin" }, arn: "arn:aws:s3:::raw" },
          object: { key: encodeURIComponent(key), size: 48213, eTag: etag, contentType: "image/jpeg", userMetadata: { "content-type": "image/jpeg" }, sequencer: "17A0" },
        },
        source: { host: "127.0.0.1", port: "", userAgent: "MinIO" },
      },
    ],
  });
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** CPU seconds and RSS of a process, from /proc. */
function procStat(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rssPages = Number(stat[21]);
  return { cpuS: ticks / 100, rssMb: (rssPages * 4096) / 1e6 };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { events: { type: "string", default: "20000" }, rate: { type: "string", default: "1000" }, seconds: { type: "string", default: "10" }, "in-flight": { type: "string", default: "1,10,100" } } });
  const total = Number(values.events);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const nats = await startNats();
  const nc = await nats.connect();
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const rows: string[][] = [];
  try {
    const levels = (values["in-flight"] as string).split(",").map(Number);
    for (const inFlight of levels) {
      const stream = `BENCH${inFlight}`;
      const subject = `minio.bench.${inFlight}`;
      await ensureIntake(nc, { stream, dlqStream: `${stream}_DLQ`, consumer: "gw", minioSubject: subject }, { ackWaitMs: 30_000, maxDeliver: 5 });
      const kube = await new FakeKubeApi().start();
      const dir = mkdtempSync(join(tmpdir(), "fg-bench-"));
      writeFileSync(join(dir, "rule.yaml"), RULE);
      writeFileSync(join(dir, "kubeconfig"), kube.kubeconfig());
      const published = new Map<string, number>();
      const latencies: number[] = [];
      let measuring = false;
      kube.onCreate = (wf) => {
        const key = wf.body.metadata.annotations?.["framegate.io/key"];
        const t0 = key ? published.get(key) : undefined;
        if (measuring && t0 !== undefined) latencies.push(performance.now() - t0);
      };

      // 1) throughput: a backlog of `total` events, drained by a freshly started gateway
      const pubs: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        pubs.push(js.publish(subject, notification(`cam-${i % 1000}/2026/11/28/${i}.jpg`, `e${i}`)));
        if (pubs.length >= 2000) await Promise.all(pubs.splice(0));
      }
      await Promise.all(pubs);
      const gw = startChild(dir, { stream, subject, inFlight, nats: nats.url });
      // time from the first create, so process start-up is not counted
      await waitFor(() => kube.workflows.size >= 1, 60_000, () => "gateway start");
      const t0 = performance.now();
      const cpu0 = procStat(gw.pid!);
      await waitFor(() => kube.workflows.size >= total, 300_000, () => `drain: ${kube.workflows.size}/${total} created`);
      const drainS = (performance.now() - t0) / 1000;
      const drainCpu = procStat(gw.pid!).cpuS - cpu0.cpuS;
      const drainRate = total / drainS;

      // 2) latency at a steady `rate` events/s
      measuring = true;
      const n = rate * seconds;
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const key = `lat-${i % 500}/2026/11/28/${i}.jpg`;
        published.set(key, performance.now());
        void js.publish(subject, notification(key, `l${i}`));
      }
      await waitFor(() => latencies.length >= n, 120_000, () => `latency run: ${latencies.length}/${n}`);
      const st = procStat(gw.pid!);
      latencies.sort((a, b) => a - b);
      rows.push([
        String(inFlight),
        drainRate.toFixed(0),
        `${(drainRate / ARGO_EVENTS_EVENTS_PER_S).toFixed(0)}x`,
        `${((drainCpu / drainS) * 100).toFixed(0)}%`,
        String(rate),
        pct(latencies, 50).toFixed(1),
        pct(latencies, 99).toFixed(1),
        st.rssMb.toFixed(0),
      ]);
      process.stderr.write(`in-flight ${inFlight}: ${drainRate.toFixed(0)} events/s, p99 ${pct(latencies, 99).toFixed(1)} ms\n`);
      gw.kill("SIGTERM");
      await new Promise((r) => gw.once("exit", r));
      await kube.stop();
      await jsm.streams.delete(stream);
      await jsm.streams.delete(`${stream}_DLQ`);
    }
  } finally {
    await nc.close();
    await nats.stop();
  }
  const head = ["in-flight", "drain events/s", "vs Argo Events (45/s)", "gateway CPU", "steady rate/s", "p50 ms", "p99 ms", "RSS MB"];
  printTable(head, rows);
}

function startChild(dir: string, o: { stream: string; subject: string; inFlight: number; nats: string }): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "src/cli/main.ts"), "serve"], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      FRAMEGATE_NATS_URL: o.nats,
      FRAMEGATE_STREAM: o.stream,
      FRAMEGATE_DLQ_STREAM: `${o.stream}_DLQ`,
      FRAMEGATE_CONSUMER: "gw",
      FRAMEGATE_MINIO_SUBJECT: o.subject,
      FRAMEGATE_RULES_DIR: dir,
      FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"),
      FRAMEGATE_HTTP_PORT: "0",
      FRAMEGATE_MAX_IN_FLIGHT: String(o.inFlight),
      FRAMEGATE_LOG_LEVEL: "warn",
      FRAMEGATE_WATCH_RULES: "false",
      KUBECONFIG: join(dir, "kubeconfig"),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return child;
}

async function waitFor(cond: () => boolean, timeoutMs: number, progress: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = Date.now();
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench timed out: ${progress()}`);
    if (Date.now() - last > 5000) {
      process.stderr.write(`  ${progress()}\n`);
      last = Date.now();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function printTable(head: string[], rows: string[][]): void {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(w[i]!)).join(" | ")} |`;
  process.stdout.write(`${line(head)}\n|${w.map((x) => "-".repeat(x + 2)).join("|")}|\n${rows.map(line).join("\n")}\n`);
}
