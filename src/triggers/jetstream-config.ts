/**
 * @module triggers/jetstream-config — the settings of everything framegate keeps in JetStream: the intake
 * (work queue: a processed message frees its space), its replay window, the dead letters and the consumer.
 * Pure values; `jetstream-setup.ts` applies them and `intake-diff.ts` compares a server's against them.
 */
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { DEFAULT_MINIO_FAST_SUBJECT, DLQ_SUBJECT_PREFIX, HOOK_SUBJECT_PREFIX } from "./wire.js";

export interface IntakeNames {
  stream: string;
  dlqStream: string;
  consumer: string;
  minioSubject: string;
  /** the subject of MinIO's store-less fast target (FRAMEGATE_MINIO_FAST_SUBJECT); default `minio.fast` */
  minioFastSubject?: string;
}

/** Byte (and age) limits; `serve` and `setup` take them from FRAMEGATE_*_MAX_BYTES. */
export interface IntakeLimits {
  streamMaxBytes: number;
  historyMaxBytes: number;
  dlqMaxBytes: number;
  /** how long the replay window keeps a message at most (FRAMEGATE_STATE_TTL: done marks live as long) */
  historyMaxAgeMs: number;
  /** copies of each stream in a JetStream cluster (FRAMEGATE_STREAM_REPLICAS); default 1 */
  replicas?: number;
}

/** The consumer settings the gateway relies on. */
export interface ConsumerSettings {
  ackWaitMs: number;
  maxAckPending?: number;
  /** copies of the consumer's state in a cluster: the intake's (FRAMEGATE_STREAM_REPLICAS); default 1 */
  replicas?: number;
}

/** Defaults that fit the k3s overlay's `max_file_store: 4GB` (2.75 GiB reserved in all, KV included). */
export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  streamMaxBytes: 1024 ** 3,
  historyMaxBytes: 1024 ** 3,
  dlqMaxBytes: 256 * 1024 ** 2,
  historyMaxAgeMs: 7 * 86_400_000,
};

export const NS_PER_MS = 1_000_000;
const DUPLICATE_WINDOW_NS = 10 * 60 * 1000 * NS_PER_MS;
const DLQ_MAX_AGE_NS = 30 * 24 * 3600 * 1000 * NS_PER_MS;

/** The replay window's stream: `<stream>_HISTORY`. */
export function historyStreamName(stream: string): string {
  return `${stream}_HISTORY`;
}

/** The stream behind a KV bucket. */
export function kvStreamName(bucket: string): string {
  return `KV_${bucket}`;
}

/** The subject of MinIO's fast target (the default when the names do not say). */
export function minioFastSubject(n: Pick<IntakeNames, "minioFastSubject">): string {
  return n.minioFastSubject ?? DEFAULT_MINIO_FAST_SUBJECT;
}

/**
 * The subjects the intake takes: MinIO's (its durable target's, and its fast target's: core NATS
 * publishes, which the stream stores as it stores any message on its subjects) and every webhook's.
 */
export function intakeSubjects(n: Pick<IntakeNames, "minioSubject" | "minioFastSubject">): string[] {
  return [n.minioSubject, minioFastSubject(n), `${HOOK_SUBJECT_PREFIX}>`];
}

/**
 * The intake. Work-queue retention: a message is removed once the gateway acked (or terminated) it and
 * the replay window copied it, so processed messages never hold the space unprocessed ones need.
 * `discard: new` with a byte limit: a full intake refuses new input (MinIO keeps it in its queue_dir,
 * webhooks answer 503) and never deletes an unprocessed message; no max_age for the same reason.
 * JetStream's duplicate window is what turns Nats-Msg-Id into at-most-once intake.
 */
export function streamConfig(n: Pick<IntakeNames, "stream" | "minioSubject" | "minioFastSubject">, limits: IntakeLimits = DEFAULT_INTAKE_LIMITS) {
  return {
    name: n.stream,
    subjects: intakeSubjects(n),
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_bytes: limits.streamMaxBytes,
    max_age: 0,
    duplicate_window: DUPLICATE_WINDOW_NS,
    num_replicas: limits.replicas ?? 1,
  };
}

/**
 * The replay window: sources the intake (JetStream keeps a work-queue message until this copy has it),
 * keeps at most `historyMaxBytes` and `historyMaxAgeMs`, dropping its oldest first. `framegate replay
 * --since` reads it. No subjects of its own: nothing publishes into it.
 */
export function historyStreamConfig(n: Pick<IntakeNames, "stream">, limits: IntakeLimits = DEFAULT_INTAKE_LIMITS) {
  return {
    name: historyStreamName(n.stream),
    sources: [{ name: n.stream }],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_bytes: limits.historyMaxBytes,
    max_age: limits.historyMaxAgeMs * NS_PER_MS,
    num_replicas: limits.replicas ?? 1,
  };
}

/**
 * Dead letters, kept 30 days. `discard: new`: a full dead-letter stream refuses a copy, the gateway then
 * keeps the original in the intake (nak with backoff) rather than lose the record of a failure.
 */
export function dlqStreamConfig(n: Pick<IntakeNames, "dlqStream">, limits: IntakeLimits = DEFAULT_INTAKE_LIMITS) {
  return {
    name: n.dlqStream,
    subjects: [`${DLQ_SUBJECT_PREFIX}>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_bytes: limits.dlqMaxBytes,
    max_age: DLQ_MAX_AGE_NS,
    duplicate_window: DUPLICATE_WINDOW_NS,
    num_replicas: limits.replicas ?? 1,
  };
}

/**
 * The durable consumer every replica shares. `max_deliver: -1`: JetStream never gives up on a message
 * by itself (its max-delivery advisory is core NATS and missed while no gateway runs); the gateway
 * counts deliveries and dead-letters at FRAMEGATE_MAX_DELIVER, terminating only after the copy is stored.
 */
export function consumerConfig(n: Pick<IntakeNames, "consumer">, s: ConsumerSettings) {
  return {
    durable_name: n.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: s.ackWaitMs * NS_PER_MS,
    max_deliver: -1,
    max_ack_pending: s.maxAckPending ?? 10_000,
    num_replicas: s.replicas ?? 1,
  };
}
