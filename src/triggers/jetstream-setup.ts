/**
 * @module triggers/jetstream-setup — creates or updates the intake, its replay window, the dead-letter
 * stream and the durable consumer (`framegate setup`), and reads back what a server has (`serve`).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { RetentionPolicy, jetstreamManager, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import { formatBytes } from "../lib/bytes.js";
import { FramegateError } from "../lib/errors.js";
import { diffIntake, type IntakeSeen, type SettingDiff } from "./intake-diff.js";
import { DEFAULT_INTAKE_LIMITS, consumerConfig, dlqStreamConfig, historyStreamConfig, historyStreamName, streamConfig, type ConsumerSettings, type IntakeLimits, type IntakeNames } from "./jetstream-config.js";

export { consumerConfig, dlqStreamConfig, historyStreamConfig, streamConfig } from "./jetstream-config.js";
export type { IntakeNames, IntakeLimits } from "./jetstream-config.js";

/** The intake exists with a retention nats-server cannot change in place: `framegate setup --migrate`. */
export class MigrationNeededError extends FramegateError {
  override name = "MigrationNeededError";
  constructor(readonly stream: string, readonly retention: string) {
    super(
      `stream ${stream} has ${retention} retention; framegate now uses a work queue (processed messages free their space) and nats-server cannot change retention in place: stop every gateway, then run \`framegate setup --migrate\` (\`--dry-run\` shows the plan)`,
    );
  }
}

/**
 * How long setup waits for one JetStream API answer. In a cluster, creating or re-replicating a stream
 * waits for its RAFT group (placement, a leader election of 4-9 s after a peer change), which can take
 * longer than nats.js's 5 s default.
 */
export const SETUP_API_TIMEOUT_MS = 30_000;

/** Options of {@link ensureIntake}. */
export interface EnsureOptions extends ConsumerSettings {
  /** default: {@link DEFAULT_INTAKE_LIMITS} */
  limits?: IntakeLimits;
}

/**
 * Creates (or updates) the streams and the durable consumer; idempotent. Returns what it did, one line each.
 * @throws MigrationNeededError when the intake has another retention
 * @throws FramegateError when a new byte limit is below what a stream holds (updating would delete messages)
 */
export async function ensureIntake(nc: NatsConnection, n: IntakeNames, opts: EnsureOptions): Promise<string[]> {
  const jsm = await jetstreamManager(nc, { timeout: SETUP_API_TIMEOUT_MS });
  const done: string[] = [];
  const limits = opts.limits ?? DEFAULT_INTAKE_LIMITS;
  const intake = streamConfig(n, limits);
  const existing = await streamInfo(jsm, n.stream);
  if (existing && existing.config.retention !== RetentionPolicy.Workqueue) throw new MigrationNeededError(n.stream, existing.config.retention);
  done.push(await applyStream(jsm, intake, `intake, ${intake.subjects.join(", ")}, work queue`));

  const cc = consumerConfig(n, opts);
  try {
    await jsm.consumers.info(n.stream, n.consumer);
    await jsm.consumers
      .update(n.stream, n.consumer, { ack_wait: cc.ack_wait, max_deliver: cc.max_deliver, max_ack_pending: cc.max_ack_pending, backoff: [], num_replicas: cc.num_replicas })
      .catch((e: unknown) => {
        throw replicaError(`consumer ${n.stream}/${n.consumer}`, cc.num_replicas, e);
      });
    done.push(`consumer ${n.stream}/${n.consumer} updated (max_deliver -1: the gateway counts deliveries; ${replicasText(cc.num_replicas)})`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(n.stream, cc).catch((err: unknown) => {
      throw replicaError(`consumer ${n.stream}/${n.consumer}`, cc.num_replicas, err);
    });
    done.push(`consumer ${n.stream}/${n.consumer} created (${replicasText(cc.num_replicas)})`);
  }
  // After the consumer (a work queue refuses a second unfiltered consumer once the source's exists). Until
  // the source is active an ack removes a message it never copied: wait, so a first setup has no such gap
  // once it returns (gateways refuse to start before the consumer exists).
  done.push(await applyStream(jsm, historyStreamConfig(n, limits), `replay window, sources ${n.stream}, oldest dropped first`));
  if (!(await sourceActive(jsm, historyStreamName(n.stream), 10_000))) done.push(`stream ${historyStreamName(n.stream)}: its source is not active yet; messages acked meanwhile are not in the replay window`);
  done.push(await applyStream(jsm, dlqStreamConfig(n, limits), "dead letters"));
  return done;
}

/**
 * Sets a stream's byte limit and replica count (the KV bucket's stream, `KV_<bucket>`), refusing to go
 * below what it holds. A replica change is applied in place: JetStream copies the stream to the new peers.
 * @returns the line to print
 */
export async function ensureStreamLimit(nc: NatsConnection, stream: string, maxBytes: number, replicas = 1): Promise<string> {
  const jsm = await jetstreamManager(nc, { timeout: SETUP_API_TIMEOUT_MS });
  const info = await streamInfo(jsm, stream);
  if (!info) throw new FramegateError(`stream ${stream} not found: run \`framegate setup\``);
  if (info.config.max_bytes === maxBytes && info.config.num_replicas === replicas) return `stream ${stream} limit ${formatBytes(maxBytes)}, ${replicasText(replicas)} (unchanged)`;
  checkNotBelowUsage(stream, info.state.bytes, maxBytes);
  await jsm.streams.update(stream, { ...info.config, max_bytes: maxBytes, num_replicas: replicas }).catch((e: unknown) => {
    throw replicaError(`stream ${stream}`, replicas, e);
  });
  const was = info.config.num_replicas !== replicas ? ` (was ${replicasText(info.config.num_replicas)})` : "";
  return `stream ${stream} limit set to ${formatBytes(maxBytes)}, ${replicasText(replicas)}${was}`;
}

function replicasText(n: number): string {
  return n === 1 ? "1 replica" : `${n} replicas`;
}

/**
 * nats-server's answers to a replica count it cannot hold, said with the setting that fixes them. Other
 * errors pass through unchanged.
 */
export function replicaError(what: string, replicas: number, e: unknown): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  if (/replicas > 1 not supported in non-clustered mode/i.test(msg)) {
    return new FramegateError(
      `${what}: FRAMEGATE_STREAM_REPLICAS is ${replicas}, but the NATS server is a single server, not a JetStream cluster (${msg}): set FRAMEGATE_STREAM_REPLICAS=1, or run a 3-server cluster (the ha overlay, docs/deploy.md) and run setup again`,
      { cause: e },
    );
  }
  if (/insufficient resources|no suitable peers/i.test(msg)) {
    return new FramegateError(
      `${what}: the cluster cannot place ${replicas} replicas (${msg}): fewer JetStream servers are up than FRAMEGATE_STREAM_REPLICAS, or they lack storage; bring the servers back or lower FRAMEGATE_STREAM_REPLICAS`,
      { cause: e },
    );
  }
  return e;
}

/** Reads what the server has of the intake, its replay window, the dead letters and the consumer. */
export async function readIntake(nc: NatsConnection, n: IntakeNames): Promise<IntakeSeen> {
  const jsm = await jetstreamManager(nc);
  const [stream, history, dlq] = await Promise.all([n.stream, historyStreamName(n.stream), n.dlqStream].map((s) => streamInfo(jsm, s)));
  let consumer;
  if (stream) {
    try {
      consumer = (await jsm.consumers.info(n.stream, n.consumer)).config;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  return { stream: stream?.config, history: history?.config, dlq: dlq?.config, consumer };
}

/**
 * Compares the server's streams and consumer with what this gateway's settings want.
 * @returns every difference, breaking ones first (empty when all is as wanted)
 */
export async function verifyIntake(nc: NatsConnection, n: IntakeNames, limits: IntakeLimits, consumer: ConsumerSettings): Promise<SettingDiff[]> {
  return diffIntake(await readIntake(nc, n), n, limits, consumer);
}

/**
 * Creates the stream, or updates it to `cfg`; returns the line to print. A byte limit below what it holds is
 * refused, unless `dropOldest` (a stream that is a window, such as the results index: shrinking it drops its
 * oldest messages, which is what its limit is for).
 */
export async function applyStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string; max_bytes: number }, what: string, dropOldest = false): Promise<string> {
  const info = await streamInfo(jsm, cfg.name);
  const replicas = cfg.num_replicas ?? 1;
  const fail = (e: unknown) => {
    throw replicaError(`stream ${cfg.name}`, replicas, e);
  };
  if (!info) {
    await jsm.streams.add(cfg).catch(fail);
    return `stream ${cfg.name} created (${what}, limit ${formatBytes(cfg.max_bytes)}, ${replicasText(replicas)})`;
  }
  if (!dropOldest) checkNotBelowUsage(cfg.name, info.state.bytes, cfg.max_bytes);
  await jsm.streams.update(cfg.name, { ...info.config, ...cfg }).catch(fail);
  const was = info.config.num_replicas !== replicas ? ` (was ${info.config.num_replicas})` : "";
  return `stream ${cfg.name} updated (${what}, limit ${formatBytes(cfg.max_bytes)}, holds ${formatBytes(info.state.bytes)}, ${replicasText(replicas)}${was})`;
}

/** nats-server enforces a lowered limit by deleting the oldest messages, whatever the discard policy. */
function checkNotBelowUsage(stream: string, used: number, maxBytes: number): void {
  if (maxBytes > 0 && used > maxBytes) {
    throw new FramegateError(
      `stream ${stream} holds ${formatBytes(used)}, more than the new limit of ${formatBytes(maxBytes)}: nats-server would delete its oldest messages to fit; let the gateway drain it first, or set a larger limit`,
    );
  }
}

/** Waits until a stream's first source has shown activity (its consumer on the origin exists). */
async function sourceActive(jsm: JetStreamManager, stream: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jsm.streams.info(stream);
    if ((info.sources?.[0]?.active ?? -1) >= 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function streamInfo(jsm: JetStreamManager, name: string) {
  try {
    return await jsm.streams.info(name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export function isNotFound(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /not found/i.test(msg);
}
