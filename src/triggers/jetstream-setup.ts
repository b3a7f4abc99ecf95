/**
 * @module triggers/jetstream-setup — the stream, dead-letter stream and durable consumer framegate uses.
 * `framegate setup` creates them; `serve` verifies them and says what is missing.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, jetstreamManager } from "@nats-io/jetstream";
import { FramegateError } from "../lib/errors.js";
import { DLQ_SUBJECT_PREFIX, HOOK_SUBJECT_PREFIX } from "./wire.js";

export interface IntakeNames {
  stream: string;
  dlqStream: string;
  consumer: string;
  minioSubject: string;
}

const NS_PER_MS = 1_000_000;

/** Stream settings: JetStream's duplicate window is what turns Nats-Msg-Id into at-most-once intake. */
export function streamConfig(n: IntakeNames) {
  return {
    name: n.stream,
    subjects: [n.minioSubject, `${HOOK_SUBJECT_PREFIX}>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 7 * 24 * 3600 * 1000 * NS_PER_MS,
    duplicate_window: 10 * 60 * 1000 * NS_PER_MS,
  };
}

export function dlqStreamConfig(n: IntakeNames) {
  return {
    name: n.dlqStream,
    subjects: [`${DLQ_SUBJECT_PREFIX}>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 30 * 24 * 3600 * 1000 * NS_PER_MS,
    duplicate_window: 10 * 60 * 1000 * NS_PER_MS,
  };
}

export function consumerConfig(n: IntakeNames, opts: { ackWaitMs: number; maxDeliver: number; maxAckPending?: number }) {
  return {
    durable_name: n.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: opts.ackWaitMs * NS_PER_MS,
    max_deliver: opts.maxDeliver,
    max_ack_pending: opts.maxAckPending ?? 10_000,
  };
}

/** Creates (or updates) the streams and the durable consumer; idempotent. Returns what it did. */
export async function ensureIntake(
  nc: NatsConnection,
  n: IntakeNames,
  opts: { ackWaitMs: number; maxDeliver: number; maxAckPending?: number },
): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const done: string[] = [];
  for (const cfg of [streamConfig(n), dlqStreamConfig(n)]) {
    try {
      await jsm.streams.info(cfg.name);
      await jsm.streams.update(cfg.name, cfg);
      done.push(`stream ${cfg.name} updated (${cfg.subjects.join(", ")})`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await jsm.streams.add(cfg);
      done.push(`stream ${cfg.name} created (${cfg.subjects.join(", ")})`);
    }
  }
  const cc = consumerConfig(n, opts);
  try {
    await jsm.consumers.info(n.stream, n.consumer);
    await jsm.consumers.update(n.stream, n.consumer, { ack_wait: cc.ack_wait, max_deliver: cc.max_deliver, max_ack_pending: cc.max_ack_pending });
    done.push(`consumer ${n.stream}/${n.consumer} updated`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(n.stream, cc);
    done.push(`consumer ${n.stream}/${n.consumer} created`);
  }
  return done;
}

/** Checks that the streams and consumer exist; throws a FramegateError naming each missing piece and the fix. */
export async function verifyIntake(nc: NatsConnection, n: IntakeNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const missing: string[] = [];
  for (const name of [n.stream, n.dlqStream]) {
    try {
      await jsm.streams.info(name);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      missing.push(`stream ${name}`);
    }
  }
  if (!missing.includes(`stream ${n.stream}`)) {
    try {
      await jsm.consumers.info(n.stream, n.consumer);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      missing.push(`consumer ${n.stream}/${n.consumer}`);
    }
  }
  if (missing.length) {
    throw new FramegateError(`JetStream is missing ${missing.join(", ")}: run \`framegate setup\` (same FRAMEGATE_* settings) to create them`);
  }
}

function isNotFound(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /not found/i.test(msg);
}
