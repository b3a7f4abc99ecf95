/**
 * @module cli/commands/serve — `framegate serve`: the gateway (HTTP + JetStream consumer).
 * The only place that reads process.env and wires the real clients together.
 */
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { pino, type Logger } from "pino";
import { loadConfig, type Config } from "../../config/env.js";
import { ConfigError, RuleError, FramegateError } from "../../lib/errors.js";
import { createMetrics } from "../../lib/metrics.js";
import { CleanupStack } from "../../lib/cleanup-stack.js";
import { CameraActivity } from "../../status/camera-activity.js";
import { KvCameraActivityStore } from "../../status/camera-activity-kv.js";
import { intakeSettings } from "../intake-settings.js";
import { JetStreamPublisher } from "../../triggers/jetstream-publisher.js";
import { StreamConsumer } from "../../triggers/consumer.js";
import { statusSubject } from "../../triggers/wire.js";
import { KubeWorkflowSubmitter } from "../../workflows/k8s-submitter.js";
import { kubeH2Metrics } from "../../workflows/kube-h2.js";
import { kubeConfigMaps, SemaphoreGuard, SemaphoreSync } from "../../workflows/semaphore-sync.js";
import { checkKubeConfig, kubeTarget, loadKubeConfig } from "../../workflows/kube-config.js";
import { StreamDeadLetter } from "../../flow/dead-letter.js";
import { Processor } from "../../flow/processor.js";
import { RecentDone } from "../../flow/recent-done.js";
import { renderWorkflow } from "../../workflows/render.js";
import { ShardPlan } from "../../workflows/shards.js";
import { withdrawnPipelines } from "../../flow/release.js";
import { KvStateStore } from "../../flow/state-store.js";
import { createStatus } from "../../status/live-status.js";
import { Limits } from "../../flow/limits.js";
import { RecentEvents } from "../../status/recent-events.js";
import { parseHookSecrets } from "../../gateway/hook-secrets.js";
import { connectNats } from "../nats-connect.js";
import { StatusBus } from "../../status/status-bus.js";
import { processedEventSchema, type ProcessedEvent } from "../../status/processed-event.js";
import { openResults } from "../results-wiring.js";
import { checkIntake, intakeMonitors, startSweeper } from "../intake-wiring.js";
import { serveHttp } from "../http-wiring.js";
import { openServeRules } from "../rules-wiring.js";
import type { Command } from "../command.js";
import type { CliIo } from "../io.js";
import { logFinishedWorkflows } from "../../workflows/finished-log.js";

const usage = `framegate serve — run the gateway: HTTP (webhooks, /api, /metrics) and the JetStream consumer

Configuration comes from FRAMEGATE_* environment variables (see README "Configuration");
Kubernetes from KUBECONFIG / in-cluster config, as kubectl finds it.`;

export const command: Command = { usage, run };

async function run(args: string[], io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.out(`${usage}\n`);
    return 0;
  }
  let cfg: Config;
  try {
    cfg = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const log = pino({ level: cfg.FRAMEGATE_LOG_LEVEL, base: { svc: "framegate" }, redact: ["secret", "token", "*.secret", "*.token", "authorization"] });
  try {
    const g = await startGateway(cfg, log);
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        log.info({ sig }, "shutting down: stop pulling, finish in-flight work");
        void g.stop().then(resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    log.info("stopped");
    return 0;
  } catch (e) {
    if (e instanceof RuleError) {
      io.err(`${e.message}\nthe gateway does not start with invalid rules: fix them (framegate validate) and start again\n`);
      return 1;
    }
    if (e instanceof FramegateError) {
      log.fatal({ err: e }, "cannot start");
      io.err(`framegate serve: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export interface RunningGateway {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts everything; used by `serve` and by tests that run the gateway in-process. What it opens is put on
 * a cleanup stack: a failure half-way closes it again (nothing left open keeps the process alive), and
 * `stop()` closes the same stack.
 */
export async function startGateway(cfg: Config, log: Logger, overrides: { kubeConfig?: KubeConfig } = {}): Promise<RunningGateway> {
  const cleanup = new CleanupStack(log);
  try {
    return await openGateway(cfg, log, overrides, cleanup);
  } catch (e) {
    await cleanup.close();
    log.info("start-up failed; closed what was opened");
    throw e;
  }
}

async function openGateway(cfg: Config, log: Logger, overrides: { kubeConfig?: KubeConfig }, cleanup: CleanupStack): Promise<RunningGateway> {
  // the kubeconfig first: reading it opens nothing, and a wrong one should fail before anything waits
  const kc = overrides.kubeConfig ?? loadKubeConfig(process.env.KUBECONFIG);
  checkKubeConfig(kc);
  const kube = kubeTarget(kc);

  const metrics = createMetrics();
  const { rules, drafts, livePipelines } = await openServeRules(cfg, kc, log, metrics, cleanup);
  const hooks = parseHookSecrets(cfg.FRAMEGATE_HOOK_SECRETS ? readFileSync(cfg.FRAMEGATE_HOOK_SECRETS, "utf8") : "");

  log.info({ nats: cfg.FRAMEGATE_NATS_URL, user: cfg.FRAMEGATE_NATS_USER }, "start-up: connecting to NATS");
  // noAsyncTraces: no Error (with its stack) made up front for every request — each KV claim, create and
  // update is one, and their construction was ~5% of the gateway's CPU in the fleet benchmark; a failed
  // request still says what failed, only without the caller's async stack
  const nc = await connectNats(cfg, "framegate-gateway", { maxReconnectAttempts: -1, reconnectTimeWait: 1000, noAsyncTraces: true });
  cleanup.defer("NATS connection", () => nc.drain().catch(() => nc.close()));
  const intake = intakeSettings(cfg);
  log.info(intake.names, "start-up: checking the JetStream streams and consumer");
  await checkIntake(nc, intake, log);

  log.info(kube, "start-up: loading the Kubernetes credentials");
  const submitter = await KubeWorkflowSubmitter.create(kc, {
    timeoutMs: cfg.FRAMEGATE_KUBE_TIMEOUT,
    allowedNamespaces: cfg.FRAMEGATE_ALLOWED_NAMESPACES,
    maxSockets: Math.min(cfg.FRAMEGATE_MAX_IN_FLIGHT, 256),
    http2: cfg.FRAMEGATE_KUBE_HTTP2,
    h2Events: kubeH2Metrics(metrics),
  });
  cleanup.defer("Kubernetes client", () => submitter.close());
  // the results index before the informer: it hands every Succeeded Workflow to the feeder, old ones too
  log.info({ stream: cfg.FRAMEGATE_RESULTS_STREAM }, "start-up: following the results index (JetStream)");
  const results = await openResults(cfg, nc, metrics, log, () => rules.current().ruleSet);
  if (results) cleanup.defer("results index", () => results.stop());
  // Workflow informer (maxInFlight, /api/workflows), camera registry and the live feed
  const status = createStatus({
    kc,
    namespaces: cfg.FRAMEGATE_ALLOWED_NAMESPACES,
    log,
    onStatusFetch: (outcome) => metrics.workflowStatusFetches.inc({ outcome }),
    ...(results && { onSucceeded: (wf) => results.feeder.offer(wf) }),
  });
  cleanup.defer("Workflow informer", () => status.stop());
  log.info({ ...kube, namespaces: cfg.FRAMEGATE_ALLOWED_NAMESPACES }, "start-up: listing the Workflows (the informer retries until the API server answers)");
  await status.start();
  // the catalog's concurrency caps as Argo semaphore limits: written before the first Workflow, then again
  // whenever a rule change alters them (checked every 5 s; a check that finds nothing changed makes no API call)
  const semaphores = new SemaphoreSync(kubeConfigMaps(kc), log, metrics.semaphoreSyncs);
  await semaphores.sync(rules.current().ruleSet);
  const semaphoreTimer = setInterval(() => void semaphores.sync(rules.current().ruleSet), 5_000);
  semaphoreTimer.unref();
  cleanup.defer("semaphore sync timer", () => clearInterval(semaphoreTimer));
  const limits = new Limits(status.workflows);
  status.workflows.onChange(() => limits.changed());
  status.workflows.onChange(logFinishedWorkflows(log));
  const publisher = new JetStreamPublisher(nc);
  log.info({ bucket: cfg.FRAMEGATE_KV_BUCKET }, "start-up: opening the flow-control state (JetStream KV)");
  const state = await KvStateStore.open(nc, cfg.FRAMEGATE_KV_BUCKET, cfg.FRAMEGATE_STATE_TTL, cfg.FRAMEGATE_KV_MAX_BYTES, { create: false });
  if (!state.atomic) log.warn({ bucket: cfg.FRAMEGATE_KV_BUCKET }, "the state bucket takes no atomic batches (allow_atomic off, or nats-server older than 2.12): batch frames are claimed one by one, one request each; run `framegate setup` to turn it on");
  const { usage, backlog } = intakeMonitors(cfg, nc, intake, metrics, log);
  log.info({ bucket: cfg.FRAMEGATE_CAMERA_BUCKET }, "start-up: loading the cameras' last-frame times (JetStream KV)");
  const cameraStore = await KvCameraActivityStore.open(nc, cfg.FRAMEGATE_CAMERA_BUCKET, cfg.FRAMEGATE_CAMERA_TTL, cfg.FRAMEGATE_CAMERA_MAX_BYTES, log);
  const activity = new CameraActivity(cameraStore, metrics, log, {
    factor: cfg.FRAMEGATE_CAMERA_SILENCE_FACTOR,
    minSilenceMs: cfg.FRAMEGATE_CAMERA_SILENCE_MIN,
    seriesMax: cfg.FRAMEGATE_CAMERA_SERIES_MAX,
  });
  await activity.start();
  cleanup.defer("camera activity", () => activity.stop());
  // the gauges stay current between scrapes and readiness probes (JetStream's numbers, the same from every replica)
  const usageTimer = setInterval(() => {
    void usage.read().catch((err: unknown) => log.debug({ err }, "reading stream usage failed"));
    void backlog.read().catch((err: unknown) => log.debug({ err }, "reading the consumer's backlog failed"));
    activity.evaluate(Date.now());
  }, cfg.FRAMEGATE_METRICS_REFRESH);
  usageTimer.unref();
  cleanup.defer("stream usage timer", () => clearInterval(usageTimer));
  const recent = new RecentEvents();
  // every replica's reports reach every replica, so each one's /api and dashboard show the whole fleet
  const bus = new StatusBus<ProcessedEvent>(nc, {
    log,
    subject: statusSubject(cfg.FRAMEGATE_STREAM),
    schema: processedEventSchema,
    onDropped: (reason) => metrics.statusReportsDropped.inc({ reason }),
  });
  cleanup.defer("status bus", () => bus.close());
  bus.subscribe((e) => {
    recent.push(e);
    status.recordEvent(e);
  });
  // several Argo controllers: each Workflow is labelled with its pipeline's shard (the informer sees every shard)
  const shards = cfg.FRAMEGATE_ARGO_SHARDS && new ShardPlan(cfg.FRAMEGATE_ARGO_SHARDS);
  if (shards) log.info({ shards: shards.shards }, "start-up: Workflows spread over Argo controller shards by pipeline");
  const processor = new Processor({
    ...(shards && { render: (matches, catalog) => renderWorkflow(matches, catalog, shards) }),
    replayWindowMs: cfg.FRAMEGATE_STATE_TTL,
    rules: () => rules.current(),
    // a Workflow whose semaphore keys are not in the ConfigMap yet waits (Argo would fail it at once)
    submitter: new SemaphoreGuard(submitter, semaphores, () => rules.current().ruleSet),
    deadLetter: new StreamDeadLetter(publisher),
    metrics,
    log,
    maxDeliver: cfg.FRAMEGATE_MAX_DELIVER,
    onEvent: (e) => {
      if (e.camera && !e.error) activity.seen(e.camera, Date.now());
      bus.publish(e);
    },
    state,
    limits,
    ...(cfg.FRAMEGATE_FAST_PATH && {
      fastSubject: cfg.FRAMEGATE_MINIO_FAST_SUBJECT,
      recentDone: new RecentDone(cfg.FRAMEGATE_RECENT_DONE_LIMIT, {
        lookup: (result) => metrics.recentDoneLookups.inc({ result }),
        evicted: (n) => metrics.recentDoneEvictions.inc(n),
        entries: (n) => metrics.recentDoneEntries.set(n),
      }),
    }),
  });
  // a pipeline suspended or deleted: its filling batches go now, its events waiting for limits are released
  rules.onSwap((before, after) => withdrawnPipelines(before.pipelines, after.pipelines).forEach((w) => processor.withdraw(w)));
  const consumer = new StreamConsumer(nc, {
    stream: cfg.FRAMEGATE_STREAM,
    consumer: cfg.FRAMEGATE_CONSUMER,
    minioSubjects: [cfg.FRAMEGATE_MINIO_SUBJECT, cfg.FRAMEGATE_MINIO_FAST_SUBJECT],
    maxInFlight: cfg.FRAMEGATE_MAX_IN_FLIGHT,
    ackWaitMs: cfg.FRAMEGATE_ACK_WAIT,
    log,
    metrics,
    handle: (m) => processor.handle(m),
  });
  cleanup.defer("consumer", async () => {
    // in-flight messages finish (or are nakked at the deadline); frames waiting in batches go back at once
    const stopping = consumer.stop(cfg.FRAMEGATE_SHUTDOWN_TIMEOUT);
    processor.close();
    await stopping;
  });
  if (cfg.FRAMEGATE_FAST_PATH) log.info({ fastSubject: cfg.FRAMEGATE_MINIO_FAST_SUBJECT, fastArn: cfg.FRAMEGATE_MINIO_FAST_ARN }, "fast path on: MinIO's store-less target delivers first, its durable copies are checked against done marks");
  log.info({ stream: cfg.FRAMEGATE_STREAM, consumer: cfg.FRAMEGATE_CONSUMER }, "start-up: binding the durable consumer");
  await consumer.start();
  const sweeper = startSweeper(cfg, { publisher, state, metrics, log, rules: () => rules.current() });
  if (sweeper) cleanup.defer("sweep", () => sweeper.stop());

  const port = await serveHttp({ cfg, log, metrics, nc, publisher, hooks, submitter, consumer, status, recent, usage, results, rules, drafts, ...(livePipelines && { livePipelines }) }, cleanup);
  log.info({ host: cfg.FRAMEGATE_HTTP_HOST, port, pipelines: rules.current().ruleSet.pipelines.length }, "framegate serving");

  return { port, stop: () => cleanup.close() };
}
