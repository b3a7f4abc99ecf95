/**
 * @module bench/gateway — events/s and event-to-create latency through real NATS JetStream into a
 * Kubernetes API stand-in that answers at once, at 1, 10 and 100 messages in flight.
 * The gateway runs as its own process (as in production); the publisher and the API stand-in share
 * this one. Argo Events' sensor is the comparison: ~45 events/s, held to 5 Kubernetes requests/s.
 *
 *   npm run bench -- gateway [--events 20000] [--rate 1000] [--seconds 10]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstream } from "@nats-io/jetstream";
import { createStateBuckets, startNats } from "../test/harness/nats.js";
import { FakeKubeApi } from "../test/fakes/kube-api.js";
import { ensureIntake } from "../src/triggers/jetstream-setup.js";
import { pct, printTable } from "./table.js";
import { minioNotificationText } from "../test/fixtures/minio-notification.js";
import { procStat, startGatewayProcess, stopProcess } from "./gateway-process.js";
import { waitFor } from "../test/harness/wait.js";

const ARGO_EVENTS_EVENTS_PER_S = 45;

const RULE = `apiVersion: framegate.io/v1alpha1
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
  return minioNotificationText(key, { etag });
}


export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { events: { type: "string", default: "20000" }, rate: { type: "string", default: "1000" }, seconds: { type: "string", default: "10" }, "in-flight": { type: "string", default: "1,10,100" } } });
  const total = Number(values.events);
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const rows: string[][] = [];
  const levels = (values["in-flight"] as string).split(",").map(Number);
  for (const inFlight of levels) {
    // a fresh server per level: the streams have their production names, which the NATS users' permissions name
    const nats = await startNats();
    const admin = await nats.connectAs("setup");
    const nc = await nats.connectAs("minio"); // publishes notifications, as MinIO does
    const js = jetstream(nc);
    try {
      const stream = "FRAMEGATE";
      const subject = "minio.events";
      await ensureIntake(admin, { stream, dlqStream: `${stream}_DLQ`, consumer: "gw", minioSubject: subject }, { ackWaitMs: 30_000 });
      await createStateBuckets(nats); // as framegate setup does
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
      const gw = startGatewayProcess({
        ...nats.clientEnv("gateway"),
        FRAMEGATE_STREAM: stream,
        FRAMEGATE_DLQ_STREAM: `${stream}_DLQ`,
        FRAMEGATE_CONSUMER: "gw",
        FRAMEGATE_MINIO_SUBJECT: subject,
        FRAMEGATE_RULES_DIR: dir,
        FRAMEGATE_MAX_IN_FLIGHT: String(inFlight),
        KUBECONFIG: join(dir, "kubeconfig"),
      });
      // time from the first create, so process start-up is not counted
      await waitFor("bench", () => kube.workflows.size >= 1, 60_000, { state: () => "gateway start", pollMs: 20, progressEveryMs: 5_000 });
      const t0 = performance.now();
      const cpu0 = procStat(gw.pid!);
      await waitFor("bench", () => kube.workflows.size >= total, 300_000, { state: () => `drain: ${kube.workflows.size}/${total} created`, pollMs: 20, progressEveryMs: 5_000 });
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
      await waitFor("bench", () => latencies.length >= n, 120_000, { state: () => `latency run: ${latencies.length}/${n}`, pollMs: 20, progressEveryMs: 5_000 });
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
      await stopProcess(gw);
      await kube.stop();
    } finally {
      await nc.close();
      await admin.close();
      await nats.stop();
    }
  }
  const head = ["in-flight", "drain events/s", "vs Argo Events (45/s)", "gateway CPU", "steady rate/s", "p50 ms", "p99 ms", "RSS MB"];
  printTable(head, rows);
}
