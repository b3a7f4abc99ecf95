/**
 * @module bench/peers — framegate and Argo Events v1.9.11 side by side on one stack in one run: the same
 * camera fleet PUTs frames into MinIO, MinIO publishes each notification on its NATS subject, and each system
 * in turn creates the same Workflow per frame in the real kube-apiserver:
 *
 * - framegate: `framegate serve` on its durable JetStream consumer of the intake stream;
 * - Argo Events, k8s trigger: a NATS EventSource on MinIO's subject -> JetStream EventBus -> a Sensor whose
 *   standard Kubernetes trigger creates the Workflow;
 * - Argo Events, argoWorkflow trigger: the same, the Sensor running `argo submit` per event.
 *
 * Each system gets three phases of its own (its own pipeline and bucket, nothing else running):
 * - `stream`: a camera fleet PUTs frames into MinIO at a fixed rate; latency is from the moment a core NATS
 *   subscription in this process received MinIO's notification (MinIO's own delay, the same for all, is left
 *   out) to the moment a watch here received the Workflow;
 * - `drain`: a backlog of MinIO-shaped notifications published at once on MinIO's subject (the rate MinIO
 *   can PUT would cap the figure otherwise): Workflows/s and CPU per Workflow while it drains;
 * - `kill`: the stream again, every process of the system SIGKILLed halfway and started again at once; then
 *   frames without a Workflow are lost, frames with more than one are duplicated.
 * CPU counts the system's processes (and the `argo submit` runs the Sensor waited for) from when they were
 * ready; RSS is the peak of their sum. No Argo controller runs (it would compete for the same CPUs).
 * framegate runs from dist/ (`npm run build`; make bench builds it). Argo Events' bus insists on TLS, so the
 * NATS server offers it and framegate's client (nats.js upgrades when offered) uses it too; MinIO's does not.
 *
 * - Argo Events, MinIO event source (`--systems ...,minio`, not run by default: the harness's MinIO delivers
 *   nothing on ListenBucketNotification, see README.md): MinIO's live stream -> the bus -> the k8s trigger.
 *   Stream and kill phases only: it reads no NATS backlog, and its latency counts from the PUT.
 *
 *   npm run bench -- peers [--cameras 3] [--fps 1] [--seconds 20] [--drain 1000] [--drain-seconds 60] [--settle 240] [--systems framegate,k8s,argoWorkflow,minio] [--logs DIR]
 */
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { sampleNotification } from "../src/triggers/sample-notification.js";
import { installArgo } from "../test/harness/argo.js";
import { framegateEnv, runFramegate, setupEnv, startGatewayProcess } from "../test/harness/framegate.js";
import { startStack, type KubeStack } from "../test/harness/stack.js";
import { CameraFleet } from "../test/harness/synthetic-camera.js";
import { makeTempDir } from "../test/harness/util.js";
import { startMinioEventSource, startNatsEventSource, startSensor, type EventBus, type EventRecords, type PeerProcess, type TriggerKind } from "./argo-events.js";
import { observeNotifications, observeWorkflows, sampleUsage, workflowOf, workflowsPerKey } from "./peers-observe.js";
import { renderFor, workflowDifferences, workflowTrigger } from "./peers-workflow.js";
import { rule } from "./stack.js";
import { pct, printTable } from "./table.js";

const SYSTEMS = { framegate: "fg", k8s: "ae-k8s", argoWorkflow: "ae-submit", minio: "ae-minio" } as const;
type SystemName = keyof typeof SYSTEMS;
const LABEL: Record<SystemName, string> = { framegate: "framegate", k8s: "Argo Events, k8s trigger", argoWorkflow: "Argo Events, argoWorkflow trigger (argo submit)", minio: "Argo Events, MinIO event source, k8s trigger" };
const PHASES = ["stream", "drain", "kill"] as const;
type Phase = (typeof PHASES)[number];
/** The MinIO event source hears MinIO directly (ListenBucketNotification), so a backlog on NATS means nothing to it. */
const phasesOf = (s: SystemName): readonly Phase[] => (s === "minio" ? ["stream", "kill"] : PHASES);

interface Options {
  cameras: number;
  fps: number;
  seconds: number;
  settleS: number;
  /** notifications in the drain phase's backlog */
  drain: number;
  /** the drain phase's cap in seconds (its rate needs no complete drain) */
  drainS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One system running: its processes, a SIGKILL of all of them, a clean stop. */
interface Running {
  pids(): number[];
  kill(): Promise<void>;
  stop(): Promise<void>;
}

interface PhaseResult {
  events: number;
  created: number;
  rate: number;
  /** ms from MinIO's notification on NATS to the watch (none for the MinIO event source, which does not read NATS) */
  latency: number[];
  /** ms from the PUT's answer to the watch (the stream phases) */
  fromPut: number[];
  cpuMsPerWorkflow: number;
  rssMb: number;
  lost: number;
  duplicated: number;
  restartMs: number;
  /** the settle cap ended the phase while Workflows were still being created: `lost` counts frames not yet reached too */
  capped: boolean;
  /** stream phase: where the first frame's Workflow differs from framegate's render of that frame (empty: nowhere) */
  sameAsFramegate?: string[];
}

interface Context {
  stack: KubeStack;
  namespace: string;
  kubeconfigPath: string;
  bus: EventBus;
  aeNatsUrl: string;
  rulesDir: string;
  workDir: string;
  fgEnv: Record<string, string>;
  /** a connection as the `bench` peer user: notification timing and the drain phase's backlog */
  nc: NatsConnection;
  /** `--logs DIR`: each Argo Events process's output is appended to DIR/<name>.log when it stops or is killed */
  logDir?: string;
}

function starter(ctx: Context, system: SystemName, pipeline: string): () => Promise<Running> {
  if (system === "framegate") {
    return async () => {
      const gw = await startGatewayProcess(ctx.fgEnv, 60_000, { fromDist: true });
      return {
        pids: () => (gw.pid ? [gw.pid] : []),
        kill: async () => {
          gw.process.kill("SIGKILL");
          await gw.process.exited;
        },
        stop: () => gw.stop(),
      };
    };
  }
  const trigger: TriggerKind = system === "argoWorkflow" ? "argoWorkflow" : "k8s";
  const records: EventRecords = system === "minio" ? "notification" : "body.Records";
  let made: Awaited<ReturnType<typeof workflowTrigger>> | undefined;
  return async () => {
    made ??= await workflowTrigger({ rulesDir: ctx.rulesDir, pipeline, bucket: pipeline, workDir: ctx.workDir, env: ctx.fgEnv, records });
    const names = { eventSource: `es-${pipeline}`, sensor: `sn-${pipeline}` };
    const { minio } = ctx.stack;
    const procs: PeerProcess[] = await Promise.all([
      system === "minio"
        ? startMinioEventSource(ctx.bus, { name: names.eventSource, endpoint: `${minio.host}:${minio.port}`, bucket: pipeline, accessKey: minio.accessKey, secretKey: minio.secretKey, secretsDir: join(ctx.workDir, "secrets") })
        : startNatsEventSource(ctx.bus, { name: names.eventSource, natsUrl: ctx.aeNatsUrl, subject: ctx.stack.streams.minioSubject }),
      startSensor(ctx.bus, { name: names.sensor, eventSourceName: names.eventSource, bucket: pipeline, trigger, workflow: made.workflow, parameters: made.parameters, kubeconfigPath: ctx.kubeconfigPath, records }),
    ]);
    return {
      pids: () => procs.map((p) => p.pid),
      kill: async () => {
        for (const p of procs) p.proc.kill("SIGKILL");
        await Promise.all(procs.map((p) => p.proc.exited));
        if (ctx.logDir) for (const p of procs) appendFileSync(join(ctx.logDir, `${p.name}.log`), `${p.proc.output.toString()}\n--- SIGKILL ---\n`);
      },
      stop: async () => {
        await Promise.all(procs.map((p) => p.proc.stop()));
        if (ctx.logDir) for (const p of procs) appendFileSync(join(ctx.logDir, `${p.name}.log`), p.proc.output.toString());
      },
    };
  };
}

/**
 * `count` notifications of MinIO's shape for new keys in `bucket`, published on MinIO's subject as MinIO's
 * JetStream target does, as fast as the server acknowledges them (the backlog the drain phase measures).
 * Their publish times go into `notified`.
 */
async function publishBacklog(ctx: Context, bucket: string, count: number, notified: Map<string, number>): Promise<{ key: string }[]> {
  const js = jetstream(ctx.nc);
  const keys = Array.from({ length: count }, (_, i) => ({ key: `cam-${String(i % 10).padStart(2, "0")}/drain/${String(i).padStart(6, "0")}.jpg` }));
  for (let i = 0; i < keys.length; i += 100) {
    await Promise.all(
      keys.slice(i, i + 100).map(async ({ key }) => {
        notified.set(`${bucket}/${key}`, performance.timeOrigin + performance.now());
        await js.publish(ctx.stack.streams.minioSubject, JSON.stringify(sampleNotification({ bucket, key, size: 4096, origin: "bench peers" })));
      }),
    );
  }
  return keys;
}

async function runPhase(ctx: Context, system: SystemName, phase: Phase, notified: Map<string, number>, o: Options): Promise<PhaseResult> {
  const pipeline = `peers-${SYSTEMS[system]}-${phase}`;
  const kc = ctx.stack.kube.kubeConfig();
  const watch = await observeWorkflows(kc, ctx.namespace, pipeline);
  const start = starter(ctx, system, pipeline);
  let running = await start();
  const all = new Set<number>(running.pids());
  const usage = sampleUsage(() => [...all]);
  let restartMs = 0;
  try {
    const frames: { key: string }[] = [];
    const fleet = new CameraFleet({ client: ctx.stack.minio.client, bucket: pipeline, cameras: o.cameras, fps: o.fps, framesPerCamera: Math.max(1, Math.round(o.fps * o.seconds)) });
    if (phase === "drain") frames.push(...(await publishBacklog(ctx, pipeline, o.drain, notified)));
    else fleet.start();
    if (phase === "kill") {
      await sleep((o.seconds * 1000) / 2);
      await running.kill();
      const t0 = Date.now();
      running = await start();
      restartMs = Date.now() - t0;
      for (const pid of running.pids()) all.add(pid);
    }
    await fleet.done();
    const uploads = phase === "drain" ? frames : fleet.uploads;
    if (fleet.errors) process.stderr.write(`  ${pipeline}: ${fleet.errors} uploads failed\n`);
    // settle: every frame has a Workflow, or nothing new for 15 s, or the cap
    const deadline = Date.now() + (phase === "drain" ? o.drainS : o.settleS) * 1000;
    let lastCount = -1;
    let lastChange = Date.now();
    let said = Date.now();
    let capped = false;
    while (uploads.some((u) => !watch.seen.has(u.key))) {
      if (watch.failed()) throw new Error(`the Workflow watch failed: ${String(watch.failed())}`);
      if (watch.seen.size !== lastCount) [lastCount, lastChange] = [watch.seen.size, Date.now()];
      if (Date.now() - lastChange > 15_000) break;
      if (Date.now() >= deadline) {
        capped = true;
        break;
      }
      if (Date.now() - said > 10_000) {
        process.stderr.write(`  ${pipeline}: ${watch.seen.size}/${uploads.length} Workflows\n`);
        said = Date.now();
      }
      await sleep(100);
    }
    // a late duplicate (a redelivery after the restart) still counts: wait until the count is still for 3 s
    if (phase === "kill") await sleep(3_000);
    const cpuS = usage.cpuS();
    const perKey = await workflowsPerKey(kc, ctx.namespace, pipeline);
    const latency: number[] = [];
    for (const u of uploads) {
      const [a, b] = [notified.get(`${pipeline}/${u.key}`), watch.seen.get(u.key)];
      if (a !== undefined && b !== undefined && system !== "minio") latency.push(b - a);
    }
    latency.sort((x, y) => x - y);
    // the first frame's Workflow, read back, against what framegate renders for that frame
    let sameAsFramegate: string[] | undefined;
    const sample = fleet.uploads.find((u) => perKey.get(u.key) === 1);
    if (phase === "stream" && sample) {
      try {
        const rendered = await renderFor({ rulesDir: ctx.rulesDir, pipeline, bucket: pipeline, workDir: ctx.workDir, env: ctx.fgEnv, key: sample.key, etag: sample.etag });
        const created = await workflowOf(kc, ctx.namespace, pipeline, sample.key);
        sameAsFramegate = workflowDifferences(rendered, created);
      } catch (e) {
        sameAsFramegate = [`the comparison failed: ${(e as Error).message}`];
      }
    }
    const fromPut = fleet.uploads.filter((u) => watch.seen.has(u.key)).map((u) => watch.seen.get(u.key)! - u.doneAt);
    fromPut.sort((x, y) => x - y);
    const firstEvent = system === "minio" ? Math.min(...fleet.uploads.map((u) => u.doneAt)) : Math.min(...uploads.map((u) => notified.get(`${pipeline}/${u.key}`) ?? Infinity));
    const lastWorkflow = Math.max(...watch.seen.values());
    const created = uploads.filter((u) => perKey.has(u.key)).length;
    return {
      events: uploads.length,
      created,
      rate: created / Math.max(0.001, (lastWorkflow - firstEvent) / 1000),
      latency,
      fromPut,
      cpuMsPerWorkflow: (cpuS * 1000) / Math.max(1, created),
      rssMb: usage.rssPeakMb(),
      lost: uploads.length - created,
      duplicated: [...perKey.values()].reduce((s, n) => s + Math.max(0, n - 1), 0),
      restartMs,
      capped,
      sameAsFramegate,
    };
  } finally {
    usage.stop();
    watch.stop();
    await running.stop();
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cameras: { type: "string", default: "3" },
      fps: { type: "string", default: "1" },
      seconds: { type: "string", default: "20" },
      settle: { type: "string", default: "240" },
      systems: { type: "string", default: "framegate,k8s,argoWorkflow" },
      drain: { type: "string", default: "1000" },
      "drain-seconds": { type: "string", default: "60" },
      logs: { type: "string" },
    },
  });
  const o: Options = { cameras: Number(values.cameras), fps: Number(values.fps), seconds: Number(values.seconds), settleS: Number(values.settle), drain: Number(values.drain), drainS: Number(values["drain-seconds"]) };
  if (!Number.isInteger(o.cameras) || o.cameras < 1 || !Number.isInteger(o.drain) || o.drain < 1 || !(o.fps > 0) || !(o.seconds > 0) || !(o.settleS > 0) || !(o.drainS > 0)) {
    throw new Error("--cameras and --drain take whole numbers >= 1; --fps, --seconds, --settle and --drain-seconds positive numbers");
  }
  const systems = values.systems.split(",") as SystemName[];
  const unknown = systems.filter((s) => !(s in SYSTEMS));
  if (unknown.length) throw new Error(`--systems: unknown ${unknown.join(", ")}; choose from ${Object.keys(SYSTEMS).join(", ")}`);

  const pass = { ae: randomBytes(12).toString("hex"), bench: randomBytes(12).toString("hex") };
  process.stderr.write("starting the stack (NATS with TLS offered for Argo Events' bus, MinIO, kube-apiserver; no Argo controller)…\n");
  const stack = await startStack({ level: "kube", nats: { peerUsers: { "argo-events": pass.ae, bench: pass.bench }, tlsAvailable: true } });
  const results = new Map<string, PhaseResult>();
  const work = makeTempDir("bench-peers");
  try {
    const argo = await installArgo(stack.kube, { minio: stack.minio });
    const rulesDir = join(work.path, "pipelines");
    const fgRulesDir = join(work.path, "pipelines-framegate");
    for (const d of [rulesDir, fgRulesDir]) mkdirSync(d);
    for (const s of systems) {
      for (const p of phasesOf(s)) {
        const name = `peers-${SYSTEMS[s]}-${p}`;
        writeFileSync(join(rulesDir, `${name}.yaml`), rule(name, name));
        if (s === "framegate") writeFileSync(join(fgRulesDir, `${name}.yaml`), rule(name, name));
      }
    }
    // setup with every pipeline: MinIO notifies for every bucket; the gateway only has its own
    const allEnv = framegateEnv(stack, { rulesDir, kubeconfigPath: argo.gatewayKubeconfigPath, extra: { FRAMEGATE_WATCH_RULES: "false", NODE_EXTRA_CA_CERTS: stack.nats.tlsCertFile! } });
    const setup = await runFramegate(["setup"], setupEnv(stack, allEnv));
    if (setup.code !== 0) throw new Error(`framegate setup failed:\n${setup.stdout}${setup.stderr}`);
    const fgEnv = { ...allEnv, FRAMEGATE_RULES_DIR: fgRulesDir };
    const hostPort = stack.nats.hostPort;
    const aeUrl = `nats://argo-events:${pass.ae}@${hostPort}`;
    const nc = await connect({ servers: hostPort, user: "bench", pass: pass.bench, name: "bench-peers" });
    const ctx: Context = { stack, namespace: argo.namespace, kubeconfigPath: argo.gatewayKubeconfigPath, bus: { url: aeUrl, namespace: argo.namespace }, aeNatsUrl: aeUrl, rulesDir, workDir: work.path, fgEnv, nc, logDir: values.logs };
    const notes = observeNotifications(nc, stack.streams.minioSubject);
    try {
      for (const s of systems) {
        for (const p of phasesOf(s)) {
          process.stderr.write(`${LABEL[s]}: ${p}, ${p === "drain" ? `a backlog of ${o.drain} notifications` : `${o.cameras} cameras × ${o.fps} frames/s for ${o.seconds} s`}…\n`);
          results.set(`${s}/${p}`, await runPhase(ctx, s, p, notes.seen, o));
        }
      }
    } finally {
      notes.stop();
      await nc.close();
    }
  } finally {
    await stack.stop();
    work.remove();
  }
  printResults(systems, results, o);
}

const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");

function printResults(systems: SystemName[], results: Map<string, PhaseResult>, o: Options): void {
  process.stdout.write(
    `\none system at a time on the same stack (NATS, MinIO, kube-apiserver), each phase its own pipeline and bucket.\n` +
      `stream: ${o.cameras} cameras × ${o.fps} frames/s PUT into MinIO for ${o.seconds} s; latency from MinIO's notification on NATS (notify) or from the PUT's answer (PUT) to a watch seeing the Workflow.\n` +
      `drain: a backlog of ${o.drain} MinIO-shaped notifications published at once on MinIO's subject; Workflows/s and CPU per Workflow while it drains (at most ${o.drainS} s).\n` +
      `kill: the stream again, every process of the system SIGKILLed at half time and started again at once; lost = frames without a Workflow, duplicated = extra Workflows.\n\n`,
  );
  const get = (s: SystemName, p: Phase) => results.get(`${s}/${p}`);
  const rssOf = (s: SystemName) => Math.max(...PHASES.map((p) => get(s, p)?.rssMb ?? 0));
  const ms = (xs: number[] | undefined, p: number) => f(xs ? pct(xs, p) : NaN);
  printTable(
    ["system", "stream Workflows", "notify p50 ms", "notify p99 ms", "PUT p50 ms", "PUT p99 ms", "drain Workflows", "Workflows/s", "CPU ms/Workflow", "RSS MB", "kill events", "lost", "duplicated", "restart ms"],
    systems.map((s) => {
      const [r, d, k] = [get(s, "stream")!, get(s, "drain"), get(s, "kill")!];
      return [
        LABEL[s],
        `${r.created}/${r.events}`,
        ms(r.latency, 50),
        ms(r.latency, 99),
        ms(r.fromPut, 50),
        ms(r.fromPut, 99),
        d ? `${d.created}/${d.events}` : "n/a",
        f(d?.rate ?? NaN, 1),
        f(d?.cpuMsPerWorkflow ?? NaN, 2),
        f(rssOf(s)),
        String(k.events),
        k.capped ? `${k.lost}*` : String(k.lost),
        String(k.duplicated),
        String(k.restartMs),
      ];
    }),
  );
  process.stdout.write("\nthe first frame's Workflow, read back from the API server, against `framegate render` of the same frame (name, Argo's own labels and empty fields left out):\n");
  for (const s of systems) {
    const d = get(s, "stream")!.sameAsFramegate;
    process.stdout.write(`  ${LABEL[s]}: ${d === undefined ? "no Workflow to compare" : d.length === 0 ? "identical" : `differs at ${d.join("; ")}`}\n`);
  }
  if (systems.some((s) => get(s, "kill")!.capped)) {
    process.stdout.write(`\n* still creating Workflows when the ${o.settleS} s settle cap ended the kill phase: frames not reached yet count as lost too\n`);
  }
  const peers = systems.filter((s) => s !== "framegate");
  if (!systems.includes("framegate") || peers.length === 0) return;
  const [fr, fd] = [get("framegate", "stream")!, get("framegate", "drain")!];
  const x = (a: number, b: number) => (Number.isFinite(a / b) ? `${f(a / b, 1)}x` : "n/a");
  process.stdout.write(`\nframegate vs each: how many times framegate's figure is better (above 1x: framegate better)\n\n`);
  printTable(
    ["framegate vs", "Workflows/s", "notify p50", "notify p99", "PUT p50", "PUT p99", "CPU/Workflow", "RSS"],
    peers.map((s) => {
      const [r, d] = [get(s, "stream")!, get(s, "drain")];
      return [
        LABEL[s],
        x(fd.rate, d?.rate ?? NaN),
        x(pct(r.latency, 50), pct(fr.latency, 50)),
        x(pct(r.latency, 99), pct(fr.latency, 99)),
        x(pct(r.fromPut, 50), pct(fr.fromPut, 50)),
        x(pct(r.fromPut, 99), pct(fr.fromPut, 99)),
        x(d?.cpuMsPerWorkflow ?? NaN, fd.cpuMsPerWorkflow),
        x(rssOf(s), rssOf("framegate")),
      ];
    }),
  );
}
