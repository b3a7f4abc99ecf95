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
import { RuleStore } from "../../rules/rule-store.js";
import { openKubeRules, resourceDraftSources } from "../kube-rules.js";
import { LivePipelines } from "../../gateway/live-pipelines.js";
import { KubePipelineClient } from "../../rules/pipeline-client.js";
import { verifyIntake } from "../../triggers/jetstream-setup.js";
import { historyStreamName, kvStreamName } from "../../triggers/jetstream-config.js";
import { formatDiff } from "../../triggers/intake-diff.js";
import { StreamUsageMonitor, usageCheck } from "../../triggers/stream-usage.js";
import { ConsumerBacklogMonitor } from "../../triggers/consumer-backlog.js";
import { CameraActivity } from "../../status/camera-activity.js";
import { KvCameraActivityStore } from "../../status/camera-activity-kv.js";
import { intakeSettings, type IntakeSettings } from "../intake-settings.js";
import { JetStreamPublisher } from "../../triggers/jetstream-publisher.js";
import { StreamConsumer } from "../../triggers/consumer.js";
import { checkQuorum } from "../../triggers/jetstream-quorum.js";
import { statusSubject } from "../../triggers/wire.js";
import { KubeWorkflowSubmitter } from "../../workflows/k8s-submitter.js";
import { kubeConfigMaps, SemaphoreGuard, SemaphoreSync } from "../../workflows/semaphore-sync.js";
import { checkKubeConfig, kubeTarget, loadKubeConfig } from "../../workflows/kube-config.js";
import { StreamDeadLetter } from "../../flow/dead-letter.js";
import { Processor } from "../../flow/processor.js";
import { renderWorkflow } from "../../workflows/render.js";
import { ShardPlan } from "../../workflows/shards.js";
import { withdrawnPipelines } from "../../flow/release.js";
import { KvStateStore } from "../../flow/state-store.js";
import { createStatus } from "../../status/live-status.js";
import { Limits } from "../../flow/limits.js";
import { createGatewayApp } from "../../gateway/app.js";
import { listenGateway } from "../../gateway/listen.js";
import { RecentEvents } from "../../status/recent-events.js";
import { parseHookSecrets } from "../../gateway/hook-secrets.js";
import { effectiveBodyLimit } from "../../gateway/body-limit.js";
import { dryRun } from "../../workflows/dry-run.js";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectNats } from "../nats-connect.js";
import { RuleDrafts } from "../../gateway/rule-drafts.js";
import { replay } from "../../triggers/replay.js";
import { StatusBus } from "../../status/status-bus.js";
import { processedEventSchema, type ProcessedEvent } from "../../status/processed-event.js";
import { parseEventInput } from "../../triggers/parse-input.js";
import { minioLister } from "../cli-config.js";
import { openResults } from "../results-wiring.js";
import { Sweeper } from "../../sweep/sweeper.js";
import { FastPath } from "../../fastpath/fast-path.js";
import { listenBucket } from "../../storage/bucket-listen.js";
import type { EventPublisher } from "../../triggers/stream.js";
import { runObject, type RunObjectDeps, type RunRequest, type RunResult } from "../../flow/run-object.js";
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
  const kubeRules = cfg.FRAMEGATE_RULES_SOURCE === "kubernetes" ? await openKubeRules(cfg, kc, log, metrics, (what, close) => cleanup.defer(what, close)) : undefined;
  const rules = kubeRules?.store ?? (await RuleStore.open({ rulesDir: cfg.FRAMEGATE_RULES_DIR, servicesDir: cfg.FRAMEGATE_SERVICES_DIR, log, metrics }));
  cleanup.defer("rule watchers", () => rules.close());
  if (cfg.FRAMEGATE_WATCH_RULES) rules.watch();
  // the composer's drafts: validated by the same loader as `framegate validate`, saved only when allowed
  const drafts = new RuleDrafts({
    rulesDir: cfg.FRAMEGATE_RULES_DIR,
    servicesDir: cfg.FRAMEGATE_SERVICES_DIR,
    allowWrites: cfg.FRAMEGATE_ALLOW_RULE_WRITES,
    dryRun: (events, ruleSet) => dryRun(events, ruleSet),
    afterWrite: () => rules.reload(),
    ...(kubeRules ? resourceDraftSources(kubeRules) : {}),
  });
  // with Pipeline resources the composer edits them (optimistic concurrency on resourceVersion)
  const livePipelines = kubeRules
    ? new LivePipelines({
        client: new KubePipelineClient(kc, kubeRules.namespace),
        namespace: kubeRules.namespace,
        writable: cfg.FRAMEGATE_ALLOW_RULE_WRITES,
        snapshot: () => ({ pipelines: kubeRules.source.resources().pipelines, verdicts: kubeRules.source.judgement?.verdicts ?? [] }),
        check: (name, text) => drafts.checkAs(name, text),
      })
    : undefined;
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
  });
  cleanup.defer("Kubernetes client", () => submitter.close());
  // the results index before the informer: it hands every Succeeded Workflow to the feeder, old ones too
  log.info({ stream: cfg.FRAMEGATE_RESULTS_STREAM }, "start-up: following the results index (JetStream)");
  const results = await openResults(cfg, nc, metrics, log, () => rules.current().ruleSet);
  if (results) cleanup.defer("results index", () => results.stop());
  // Workflow informer (maxInFlight, /api/workflows), camera registry and the live feed
  const status = createStatus({ kc, namespaces: cfg.FRAMEGATE_ALLOWED_NAMESPACES, log, ...(results && { onSucceeded: (wf) => results.feeder.offer(wf) }) });
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
  const usage = new StreamUsageMonitor(
    nc,
    [
      { stream: intake.names.stream, role: "intake" },
      { stream: historyStreamName(intake.names.stream), role: "history" },
      { stream: intake.names.dlqStream, role: "dead-letters" },
      { stream: kvStreamName(cfg.FRAMEGATE_KV_BUCKET), role: "state" },
      { stream: kvStreamName(cfg.FRAMEGATE_CAMERA_BUCKET), role: "cameras" },
    ],
    metrics,
    log,
  );
  const backlog = new ConsumerBacklogMonitor(nc, cfg.FRAMEGATE_STREAM, cfg.FRAMEGATE_CONSUMER, metrics);
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
    fastPath: fastPathOn(cfg),
  });
  // a pipeline suspended or deleted: its filling batches go now, its events waiting for limits are released
  rules.onSwap((before, after) => withdrawnPipelines(before.pipelines, after.pipelines).forEach((w) => processor.withdraw(w)));
  const consumer = new StreamConsumer(nc, {
    stream: cfg.FRAMEGATE_STREAM,
    consumer: cfg.FRAMEGATE_CONSUMER,
    minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT,
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
  log.info({ stream: cfg.FRAMEGATE_STREAM, consumer: cfg.FRAMEGATE_CONSUMER }, "start-up: binding the durable consumer");
  await consumer.start();
  const sweeper = startSweeper(cfg, { publisher, state, metrics, log, rules: () => rules.current() });
  const fastPath = startFastPath(cfg, { publisher, metrics, log, rules: () => rules.current() });
  if (fastPath) cleanup.defer("fast path", () => fastPath.stop());
  if (sweeper) cleanup.defer("sweep", () => sweeper.stop());

  const maxBodyBytes = effectiveBodyLimit(cfg.FRAMEGATE_MAX_BODY_BYTES, nc.info?.max_payload);
  if (cfg.FRAMEGATE_MAX_BODY_BYTES > (nc.info?.max_payload ?? Infinity)) {
    log.warn(
      { configured: cfg.FRAMEGATE_MAX_BODY_BYTES, natsMaxPayload: nc.info?.max_payload, maxBodyBytes },
      "FRAMEGATE_MAX_BODY_BYTES is more than NATS stores in one message (max_payload): larger bodies get 413; raise max_payload in nats-server to accept them",
    );
  }

  let kubeCheck = { at: 0, ok: false, detail: "not checked yet" };
  // its own short timeout: a probe must answer within Kubernetes' timeoutSeconds even when JetStream does not
  const quorumJsm = await jetstreamManager(nc, { timeout: 2_000, checkAPI: false });
  const app = createGatewayApp({
    publisher,
    minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT,
    hooks,
    minioWebhookToken: cfg.FRAMEGATE_MINIO_WEBHOOK_TOKEN,
    allowUnauthenticatedMinioWebhook: cfg.FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK,
    apiToken: cfg.FRAMEGATE_API_TOKEN,
    maxBodyBytes,
    log,
    metrics,
    rules: () => ({ ruleSet: rules.current().ruleSet, issues: rules.issues, loadedAt: rules.current().loadedAt }),
    match: (text) => {
      const events = parseEventInput(text);
      return { events, matches: dryRun(events, rules.current().ruleSet) };
    },
    recentEvents: recent,
    validateRules: (text) => drafts.validate(text),
    drafts,
    ...(livePipelines ? { livePipelines } : {}),
    workflows: status.workflows,
    cameras: status.cameras,
    status: status.feed,
    argoUiUrl: cfg.FRAMEGATE_ARGO_UI_URL,
    ...(results && { results: { index: results.index, ...(results.frames && { frames: results.frames }) } }),
    replay: (f) => replay(nc, { stream: cfg.FRAMEGATE_STREAM, dlqStream: cfg.FRAMEGATE_DLQ_STREAM }, f),
    runObject: onDemandRuns(cfg, publisher, () => rules.current()),
    readiness: async () => {
      if (Date.now() - kubeCheck.at > 5000) {
        kubeCheck = await submitter.ping().then(
          () => ({ at: Date.now(), ok: true, detail: "reachable" }),
          (e: Error) => ({ at: Date.now(), ok: false, detail: e.message.slice(0, 300) }),
        );
      }
      // first: without quorum every other JetStream read would wait out its timeout, and a probe must answer
      const jetstream = await checkQuorum(quorumJsm, cfg.FRAMEGATE_STREAM, cfg.FRAMEGATE_CONSUMER);
      const checks = {
        nats: { ok: !nc.isClosed() && nc.isDraining() === false, detail: nc.getServer() },
        consumer: { ok: consumer.bound, detail: `${cfg.FRAMEGATE_STREAM}/${cfg.FRAMEGATE_CONSUMER}, ${consumer.inFlight} in flight` },
        rules: {
          ok: true,
          detail: rules.issues.length
            ? `running the last good rules (${rules.current().ruleSet.pipelines.length} pipelines); the change on disk was refused: ${rules.issues.length} problem(s), first: ${rules.issues[0]!.file}:${rules.issues[0]!.line}:${rules.issues[0]!.col}: ${rules.issues[0]!.message}`
            : `${rules.current().ruleSet.pipelines.length} pipelines`,
        },
        kubernetes: { ok: kubeCheck.ok, detail: kubeCheck.detail },
        informer: { ok: status.workflows.synced, detail: status.workflows.synced ? "Workflows listed and watched" : "not synced yet" },
        jetstream,
        storage: jetstream.ok
          ? await usage.read().then(usageCheck, (e: Error) => ({ ok: true, warn: true, detail: `stream usage unknown: ${e.message.slice(0, 200)}` }))
          : { ok: true, warn: true, detail: "stream usage unknown while JetStream has no quorum" },
      };
      return { ready: Object.values(checks).every((c) => c.ok), checks };
    },
  });

  log.info({ host: cfg.FRAMEGATE_HTTP_HOST, port: cfg.FRAMEGATE_HTTP_PORT }, "start-up: opening the HTTP port");
  const server = await listenGateway(app.fetch, { host: cfg.FRAMEGATE_HTTP_HOST, port: cfg.FRAMEGATE_HTTP_PORT });
  cleanup.defer("HTTP server", () => new Promise<void>((r) => server.close(() => r())));
  // closed before the HTTP server: it ends open /api/stream responses, which server.close would otherwise wait for
  cleanup.defer("live streams", () => status.feed.close());
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : cfg.FRAMEGATE_HTTP_PORT;
  log.info({ host: cfg.FRAMEGATE_HTTP_HOST, port, pipelines: rules.current().ruleSet.pipelines.length }, "framegate serving");

  return { port, stop: () => cleanup.close() };
}
/**
 * Compares the server's streams and consumer with this gateway's settings: logs what differs harmlessly,
 * refuses to start on what breaks a delivery guarantee (with the fix: `framegate setup`).
 */
async function checkIntake(nc: NatsConnection, intake: IntakeSettings, log: Logger): Promise<void> {
  const diffs = await verifyIntake(nc, intake.names, intake.limits, intake.consumer);
  for (const d of diffs.filter((x) => x.severity === "harmless")) log.warn({ object: d.object, setting: d.setting, actual: d.actual, wanted: d.wanted }, formatDiff(d));
  const breaking = diffs.filter((d) => d.severity === "breaks");
  if (breaking.length) {
    throw new FramegateError(`JetStream is not set up the way this gateway needs:\n${breaking.map((d) => `  ${formatDiff(d)}`).join("\n")}`);
  }
}

/** On-demand runs over the API, when the gateway has a MinIO identity to look objects up with (the sweep's). */
function onDemandRuns(cfg: Config, publisher: EventPublisher, current: RunObjectDeps["rules"]): ((req: RunRequest) => Promise<RunResult>) | undefined {
  const lister = minioLister(cfg);
  if (!lister) return undefined;
  return (req) => runObject({ stat: (b, k) => lister.stat(b, k), publisher, minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT, rules: current, origin: "api" }, req);
}

/** The fast path runs when it is on and MinIO's endpoint and an identity to listen with are configured. */
function fastPathOn(cfg: Config): boolean {
  return cfg.FRAMEGATE_FAST_PATH && Boolean(cfg.FRAMEGATE_MINIO_ENDPOINT && cfg.FRAMEGATE_MINIO_ACCESS_KEY && cfg.FRAMEGATE_MINIO_SECRET_KEY);
}

/** MinIO's live event streams published into the intake ahead of the durable copies (fastpath/fast-path.ts). */
function startFastPath(
  cfg: Config,
  d: { publisher: EventPublisher; metrics: ReturnType<typeof createMetrics>; log: Logger; rules: () => ReturnType<RuleStore["current"]> },
): FastPath | undefined {
  if (!cfg.FRAMEGATE_FAST_PATH) return undefined;
  if (!fastPathOn(cfg)) {
    d.log.warn("fast path off: FRAMEGATE_MINIO_ENDPOINT, FRAMEGATE_MINIO_ACCESS_KEY and FRAMEGATE_MINIO_SECRET_KEY are needed to listen to the trigger buckets — events take MinIO's durable path (0-3 s); set them, or FRAMEGATE_FAST_PATH=false to silence this");
    return undefined;
  }
  const id = { endpoint: cfg.FRAMEGATE_MINIO_ENDPOINT!, accessKey: cfg.FRAMEGATE_MINIO_ACCESS_KEY!, secretKey: cfg.FRAMEGATE_MINIO_SECRET_KEY! };
  const fp = new FastPath(
    { listen: (f, onLine, signal, o) => listenBucket(id, f, onLine, signal, o), publisher: d.publisher, minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT, rules: d.rules, metrics: d.metrics, log: d.log },
    { maxPending: cfg.FRAMEGATE_FAST_PATH_MAX_PENDING },
  );
  fp.start();
  d.log.info({ buckets: fp.buckets() }, "fast path on: live event streams of the trigger buckets, MinIO's durable copies checked against done marks");
  return fp;
}

/** The reconciliation sweep, when it is on and MinIO's endpoint and a listing identity are configured. */
function startSweeper(
  cfg: Config,
  d: { publisher: JetStreamPublisher; state: KvStateStore; metrics: ReturnType<typeof createMetrics>; log: Logger; rules: () => ReturnType<RuleStore["current"]> },
): Sweeper | undefined {
  if (!cfg.FRAMEGATE_SWEEP) return undefined;
  const lister = minioLister(cfg);
  if (!lister) {
    d.log.warn(
      "sweep off: FRAMEGATE_MINIO_ENDPOINT, FRAMEGATE_MINIO_ACCESS_KEY and FRAMEGATE_MINIO_SECRET_KEY are needed to list the trigger buckets — objects MinIO fails to notify stay unseen; set them, or FRAMEGATE_SWEEP=false to silence this",
    );
    return undefined;
  }
  const sweeper = new Sweeper(
    { lister, publisher: d.publisher, minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT, rules: d.rules, origin: "gateway" },
    {
      intervalMs: cfg.FRAMEGATE_SWEEP_INTERVAL,
      marginMs: cfg.FRAMEGATE_SWEEP_MARGIN,
      lookbackMs: cfg.FRAMEGATE_SWEEP_LOOKBACK,
      maxPages: cfg.FRAMEGATE_SWEEP_MAX_PAGES,
      pagesPerSecond: cfg.FRAMEGATE_SWEEP_PAGES_PER_SECOND,
      state: d.state,
      metrics: d.metrics,
      log: d.log,
    },
  );
  const longestMs = (cfg.FRAMEGATE_SWEEP_MAX_PAGES / cfg.FRAMEGATE_SWEEP_PAGES_PER_SECOND) * 1000;
  if (longestMs > cfg.FRAMEGATE_SWEEP_INTERVAL) {
    d.log.warn(
      { longestMs, intervalMs: cfg.FRAMEGATE_SWEEP_INTERVAL },
      "a sweep may take longer than FRAMEGATE_SWEEP_INTERVAL (MAX_PAGES / PAGES_PER_SECOND): beyond two intervals another replica may take the lease and sweep at the same time (harmless, wasted) — lower FRAMEGATE_SWEEP_MAX_PAGES or raise the rate",
    );
  }
  sweeper.start();
  d.log.info({ intervalMs: cfg.FRAMEGATE_SWEEP_INTERVAL, maxPages: cfg.FRAMEGATE_SWEEP_MAX_PAGES }, "sweep on: a start-up sweep now, then one per interval on the replica holding the lease");
  return sweeper;
}
