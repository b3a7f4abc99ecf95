/**
 * @module cli/http-wiring — `serve`'s HTTP side: the gateway app with what it reads and calls, its readiness
 * checks (`/readyz`), and the port, closed in the right order on stop.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Config } from "../config/env.js";
import { createGatewayApp } from "../gateway/app.js";
import { effectiveBodyLimit } from "../gateway/body-limit.js";
import type { Readiness } from "../gateway/deps.js";
import type { StaticHookRegistry } from "../gateway/hook-secrets.js";
import { listenGateway } from "../gateway/listen.js";
import type { CleanupStack } from "../lib/cleanup-stack.js";
import type { Metrics } from "../lib/metrics.js";
import type { Status } from "../status/live-status.js";
import type { RecentEvents } from "../status/recent-events.js";
import type { StreamConsumer } from "../triggers/consumer.js";
import { checkQuorum } from "../triggers/jetstream-quorum.js";
import { parseEventInput } from "../triggers/parse-input.js";
import { replay } from "../triggers/replay.js";
import type { EventPublisher } from "../triggers/stream.js";
import { StreamUsageMonitor, usageCheck } from "../triggers/stream-usage.js";
import { dryRun } from "../workflows/dry-run.js";
import { ShardPlan } from "../workflows/shards.js";
import type { KubeWorkflowSubmitter } from "../workflows/k8s-submitter.js";
import { onDemandRuns } from "./intake-wiring.js";
import type { OpenResults } from "./results-wiring.js";
import type { ServeRules } from "./rules-wiring.js";

/** What the HTTP side reads and calls; opened by `serve` before it. */
export interface HttpParts extends ServeRules {
  cfg: Config;
  log: Logger;
  metrics: Metrics;
  nc: NatsConnection;
  publisher: EventPublisher;
  /** FRAMEGATE_HOOK_SECRETS, read before anything was opened */
  hooks: StaticHookRegistry;
  submitter: Pick<KubeWorkflowSubmitter, "ping">;
  consumer: Pick<StreamConsumer, "bound" | "inFlight">;
  status: Status;
  recent: RecentEvents;
  usage: StreamUsageMonitor;
  results?: OpenResults | undefined;
}

/** `/readyz`: NATS, the consumer, the rules, the Kubernetes API (checked at most every 5 s), the informer, JetStream's quorum and the streams' usage. */
async function readinessCheck(p: HttpParts): Promise<() => Promise<Readiness>> {
  const { cfg, nc, rules, consumer } = p;
  let kubeCheck = { at: 0, ok: false, detail: "not checked yet" };
  // its own short timeout: a probe must answer within Kubernetes' timeoutSeconds even when JetStream does not
  const quorumJsm = await jetstreamManager(nc, { timeout: 2_000, checkAPI: false });
  return async () => {
    if (Date.now() - kubeCheck.at > 5000) {
      kubeCheck = await p.submitter.ping().then(
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
      informer: { ok: p.status.workflows.synced, detail: p.status.workflows.synced ? "Workflows listed and watched" : "not synced yet" },
      jetstream,
      storage: jetstream.ok
        ? await p.usage.read().then(usageCheck, (e: Error) => ({ ok: true, warn: true, detail: `stream usage unknown: ${e.message.slice(0, 200)}` }))
        : { ok: true, warn: true, detail: "stream usage unknown while JetStream has no quorum" },
    };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  };
}

/** Builds the app and opens the HTTP port; `cleanup` closes the live streams, then the server. Returns the port. */
export async function serveHttp(p: HttpParts, cleanup: CleanupStack): Promise<number> {
  const { cfg, log, nc, rules, drafts, livePipelines, status, results } = p;
  const maxBodyBytes = effectiveBodyLimit(cfg.FRAMEGATE_MAX_BODY_BYTES, nc.info?.max_payload);
  // /api/match shows each Workflow with its Argo controller shard's label, as the gateway creates it
  const shards = cfg.FRAMEGATE_ARGO_SHARDS ? new ShardPlan(cfg.FRAMEGATE_ARGO_SHARDS) : undefined;
  if (cfg.FRAMEGATE_MAX_BODY_BYTES > (nc.info?.max_payload ?? Infinity)) {
    log.warn(
      { configured: cfg.FRAMEGATE_MAX_BODY_BYTES, natsMaxPayload: nc.info?.max_payload, maxBodyBytes },
      "FRAMEGATE_MAX_BODY_BYTES is more than NATS stores in one message (max_payload): larger bodies get 413; raise max_payload in nats-server to accept them",
    );
  }
  const app = createGatewayApp({
    publisher: p.publisher,
    minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT,
    hooks: p.hooks,
    minioWebhookToken: cfg.FRAMEGATE_MINIO_WEBHOOK_TOKEN,
    allowUnauthenticatedMinioWebhook: cfg.FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK,
    apiToken: cfg.FRAMEGATE_API_TOKEN,
    maxBodyBytes,
    log,
    metrics: p.metrics,
    rules: () => ({ ruleSet: rules.current().ruleSet, issues: rules.issues, loadedAt: rules.current().loadedAt }),
    match: (text) => {
      const events = parseEventInput(text);
      return { events, matches: dryRun(events, rules.current().ruleSet, undefined, shards) };
    },
    recentEvents: p.recent,
    validateRules: (text) => drafts.validate(text),
    drafts,
    ...(livePipelines ? { livePipelines } : {}),
    workflows: status.workflows,
    cameras: status.cameras,
    status: status.feed,
    argoUiUrl: cfg.FRAMEGATE_ARGO_UI_URL,
    ...(results && { results: { index: results.index, ...(results.frames && { frames: results.frames }) } }),
    replay: (f) => replay(nc, { stream: cfg.FRAMEGATE_STREAM, dlqStream: cfg.FRAMEGATE_DLQ_STREAM }, f),
    runObject: onDemandRuns(cfg, p.publisher, () => rules.current()),
    readiness: await readinessCheck(p),
  });

  log.info({ host: cfg.FRAMEGATE_HTTP_HOST, port: cfg.FRAMEGATE_HTTP_PORT }, "start-up: opening the HTTP port");
  const server = await listenGateway(app.fetch, { host: cfg.FRAMEGATE_HTTP_HOST, port: cfg.FRAMEGATE_HTTP_PORT });
  cleanup.defer("HTTP server", () => new Promise<void>((r) => server.close(() => r())));
  // closed before the HTTP server: it ends open /api/stream responses, which server.close would otherwise wait for
  cleanup.defer("live streams", () => status.feed.close());
  const addr = server.address();
  return typeof addr === "object" && addr ? addr.port : cfg.FRAMEGATE_HTTP_PORT;
}
