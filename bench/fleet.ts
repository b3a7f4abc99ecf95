/**
 * @module bench/fleet — a camera fleet through NATS into the gateway with `batch` and `sample`
 * pipelines: 1,000 cameras at 5 frames/s (5,000 events/s) by default. Reports the sustained rate the
 * gateway settles, the Workflows/s it actually submits against the pipelines' limits, its CPU and RSS,
 * and the lag (events published but not yet settled). Publishing uses core NATS into the stream, as
 * MinIO's target does; the Kubernetes API is a stand-in that answers at once.
 * `--baseline DIR` also runs the gateway of another checkout (with its `dist/` built, e.g. `git worktree add` of
 * an earlier commit; the same mechanism as the gateway bench's, `startGatewayProcess`'s `root`) on the same load,
 * each run with a fresh NATS and stand-in, `--rounds` times each, alternating which goes first, so a before/after
 * is one table from one run.
 *
 *   npm run bench -- fleet [--cameras 1000] [--fps 5] [--seconds 30] [--cpu-prof DIR] [--baseline DIR [--rounds 1]]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstreamManager } from "@nats-io/jetstream";
import { createStateBuckets, startNats } from "../test/harness/nats.js";
import { FakeKubeApi } from "../test/fakes/kube-api.js";
import { ensureIntake } from "../src/triggers/jetstream-setup.js";
import { printTable } from "./table.js";
import { minioNotificationText } from "../test/fixtures/minio-notification.js";
import { procStat, startGatewayProcess, stopProcess } from "./gateway-process.js";
import { waitFor } from "../test/harness/wait.js";
import { freePort } from "../test/harness/util.js";
import { parsePrometheusText, sumOf } from "../test/harness/prometheus-text.js";

const RATE_LIMIT = 20;
const RULES = `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: fleet-batch }
spec:
  description: "every frame, in bulk batches across the fleet"
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  select: { by: "{bucket}", batch: { size: 500, window: 5s } }
  limits: { ratePerSecond: ${RATE_LIMIT} }
  workflow:
    steps: [{ name: resize, service: resize }]
    parameters: { keys: "{keys}", count: "{count}" }
---
apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: fleet-sample }
spec:
  description: "one frame per camera per minute"
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  select: { sample: 60s }
  limits: { ratePerSecond: ${RATE_LIMIT} }
  workflow:
    steps: [{ name: detect, service: detect }]
    parameters: { camera: "{camera}", key: "{key}" }
`;

function notification(camera: string, n: number, t: Date): string {
  return minioNotificationText(`${camera}/2026/11/28/${String(n).padStart(7, "0")}.jpg`, { etag: `e${camera}${n}`, eventTime: t });
}

interface Load {
  cameras: number;
  fps: number;
  seconds: number;
  cpuProfDir?: string;
}

/** A run's table rows: [measure, value, target]. */
type Rows = string[][];

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { cameras: { type: "string", default: "1000" }, fps: { type: "string", default: "5" }, seconds: { type: "string", default: "30" }, "cpu-prof": { type: "string" }, baseline: { type: "string" }, rounds: { type: "string", default: "1" } },
  });
  const load: Load = { cameras: Number(values.cameras), fps: Number(values.fps), seconds: Number(values.seconds), cpuProfDir: values["cpu-prof"] };
  if (values.baseline === undefined) return printTable(["measure", "value", "target"], await fleetRun(load));
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: "${values.rounds}" is not a whole number >= 1`);
  const runs: { label: string; rows: Rows }[] = [];
  for (let round = 1; round <= rounds; round++) {
    // alternate which build goes first, so a machine getting busier does not favour one
    const order = round % 2 === 1 ? [values.baseline, undefined] : [undefined, values.baseline];
    for (const root of order) {
      const label = `${root ? "baseline" : "this build"}${rounds > 1 ? ` #${round}` : ""}`;
      process.stderr.write(`[fleet] ${label}\n`);
      runs.push({ label, rows: await fleetRun({ ...load, cpuProfDir: load.cpuProfDir && join(load.cpuProfDir, root ? "baseline" : "this") }, root) });
    }
  }
  const base = runs[0]!.rows;
  printTable(
    ["measure", ...runs.map((r) => r.label), "target"],
    base.map((row, i) => [row[0]!, ...runs.map((r) => r.rows[i]![1]!), row[2]!]),
  );
}

/** One fleet run against the gateway of `root` (default: this checkout). */
async function fleetRun({ cameras, fps, seconds, cpuProfDir }: Load, root?: string): Promise<Rows> {
  const offered = cameras * fps;
  const nats = await startNats();
  const admin = await nats.connectAs("setup"); // makes the stream and consumer, reads the consumer's state
  const jsm = await jetstreamManager(admin);
  const nc = await nats.connectAs("minio"); // publishes the cameras' notifications, as MinIO does
  const kube = await new FakeKubeApi().start();
  const dir = mkdtempSync(join(tmpdir(), "fg-fleet-"));
  writeFileSync(join(dir, "fleet.yaml"), RULES);
  writeFileSync(join(dir, "kubeconfig"), kube.kubeconfig());
  const names = { stream: "FRAMEGATE", dlqStream: "FRAMEGATE_DLQ", consumer: "framegate", minioSubject: "minio.events" };
  await ensureIntake(admin, names, { ackWaitMs: 30_000, maxAckPending: 10_000 });
  await createStateBuckets(nats); // as framegate setup does
  const port = await freePort();
  const gw = startGatewayProcess({ ...nats.clientEnv("gateway"), FRAMEGATE_RULES_DIR: dir, FRAMEGATE_MAX_IN_FLIGHT: "256", FRAMEGATE_HTTP_PORT: String(port), KUBECONFIG: join(dir, "kubeconfig") }, { cpuProfDir, root });
  // messages the gateway holds (processing, or waiting for a batch or a limit): what its memory grows with
  const inHand = async () => sumOf(parsePrometheusText(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()), "framegate_messages_in_flight");
  const count = () => {
    let batch = 0;
    let sample = 0;
    for (const w of kube.workflows.values()) (w.body.metadata.labels?.["framegate.io/pipeline"] === "fleet-batch" ? (batch += 1) : (sample += 1));
    return { batch, sample };
  };
  const settled = async () => {
    const ci = await jsm.consumers.info(names.stream, names.consumer);
    // settled = delivered and acked (the ack floor would wait for the oldest message held by a rate limit)
    return { acked: ci.delivered.stream_seq - ci.num_ack_pending, pending: ci.num_pending + ci.num_ack_pending, ackPending: ci.num_ack_pending };
  };
  try {
    await new Promise((r) => setTimeout(r, 3000)); // gateway start-up
    const cpu0 = procStat(gw.pid!);
    const t0 = performance.now();
    let published = 0;
    let maxLag = 0;
    let rssMax = 0;
    let inHandMax = 0;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, procStat(gw.pid!).rssMb);
      void inHand().then((n) => (inHandMax = Math.max(inHandMax, n)), () => undefined);
      void settled().then((s) => (maxLag = Math.max(maxLag, published - s.acked)));
    }, 1000);
    // publish in 20 ms ticks: each tick sends the frames that became due
    const frame = new Map<number, number>();
    const tickMs = 20;
    for (let tick = 0; performance.now() - t0 < seconds * 1000; tick++) {
      const due = Math.floor(((tick + 1) * tickMs * offered) / 1000);
      const now = new Date();
      while (published < due) {
        const cam = published % cameras;
        const n = (frame.get(cam) ?? 0) + 1;
        frame.set(cam, n);
        nc.publish(names.minioSubject, notification(`cam-${String(cam).padStart(4, "0")}`, n, now));
        published += 1;
      }
      const wait = t0 + (tick + 1) * tickMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (tick % 50 === 0) await nc.flush();
    }
    await nc.flush();
    const pubS = (performance.now() - t0) / 1000;
    const atEnd = await settled();
    const cpuPub = procStat(gw.pid!).cpuS - cpu0.cpuS;
    // drain: everything published must settle (acked) — batch windows close within 5 s
    let s = await settled();
    const drainStart = performance.now();
    await waitFor("the drain", async () => (s = await settled()).acked >= published && s.pending === 0, 180_000, { state: () => `${s.acked}/${published} acked, ${s.pending} pending`, pollMs: 250 });
    const drainS = (performance.now() - drainStart) / 1000;
    clearInterval(sampler);
    const totalS = (performance.now() - t0) / 1000;
    const c = count();
    // the most Workflows of a pipeline created within any 1-second window (API-side timestamps)
    const maxWf = (k: "batch" | "sample") => {
      const ts = [...kube.workflows.values()].filter((w) => w.body.metadata.labels?.["framegate.io/pipeline"] === `fleet-${k}`).map((w) => w.at).sort((a, b) => a - b);
      let best = 0;
      for (let i = 0, j = 0; i < ts.length; i++) {
        while (ts[i]! - ts[j]! >= 1000) j++;
        best = Math.max(best, i - j + 1);
      }
      return best;
    };
    const avgWf = (n: number) => n / totalS;
    const keysInBatches = [...kube.workflows.values()]
      .filter((w) => w.body.metadata.labels?.["framegate.io/pipeline"] === "fleet-batch")
      .reduce((a, w) => a + Number(w.body.metadata.annotations?.["framegate.io/count"] ?? 0), 0);
    const cpuAll = procStat(gw.pid!).cpuS - cpu0.cpuS;
    return [
        ["offered events/s", offered.toFixed(0), "5000"],
        ["published events/s (achieved)", (published / pubS).toFixed(0), ""],
        ["settled events/s while publishing", (atEnd.acked / pubS).toFixed(0), ">= offered"],
        ["settled events/s overall (incl. drain)", (s.acked / totalS).toFixed(0), ""],
        ["events published", String(published), ""],
        ["events settled (acked)", String(s.acked), "= published"],
        ["frames in batch Workflows", String(keysInBatches), "= published"],
        ["lag at end of publishing (events)", String(published - atEnd.acked), ""],
        ["max lag (events)", String(maxLag), ""],
        ["drain after publishing stopped (s)", drainS.toFixed(1), "~batch window"],
        ["fleet-batch Workflows/s avg | max", `${avgWf(c.batch).toFixed(1)} | ${maxWf("batch")}`, `<= ${RATE_LIMIT}`],
        ["fleet-sample Workflows/s avg | max", `${avgWf(c.sample).toFixed(1)} | ${maxWf("sample")}`, `<= ${RATE_LIMIT}`],
        ["fleet-sample Workflows (1 per camera per 60 s)", String(c.sample), `${cameras * Math.ceil(seconds / 60)}`],
        ["gateway CPU while publishing (cores)", (cpuPub / pubS).toFixed(2), "< 2"],
        ["gateway CPU per event settled while publishing (ms)", ((cpuPub * 1000) / atEnd.acked).toFixed(3), ""],
        ["gateway CPU per event, whole run incl. drain (ms)", ((cpuAll * 1000) / s.acked).toFixed(3), ""],
        ["gateway RSS max (MB)", rssMax.toFixed(0), "< 300"],
        ["messages in the gateway's hands, max (sampled each second)", String(inHandMax), ""],
        ["load average (1 min) at end", loadavg()[0]!.toFixed(2), ""],
      ];
  } finally {
    await stopProcess(gw);
    await kube.stop();
    await admin.close();
    await nc.close();
    await nats.stop();
  }
}
