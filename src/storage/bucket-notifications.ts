/**
 * @module storage/bucket-notifications — brings a MinIO bucket's notification configuration in step with
 * what the rules need (rules/notification-filters.ts), for `framegate setup` and for the gateway in
 * kubernetes mode. It reads the bucket's configuration, replaces only the entries framegate owns (those
 * that send to its targets: the durable one, and the fast path's store-less one) with the ones it wants,
 * keeps every other entry as it is, and writes only when something differs, so running it again changes
 * nothing. A failure is classified once, here, with what to fix.
 */
import { CloudFunctionConfig, NotificationConfig, QueueConfig, TopicConfig, type Client } from "minio";
import { FramegateError } from "../lib/errors.js";

/** What one bucket should send to framegate's target (rules/notification-filters.ts makes these). */
export interface WantedNotification {
  bucket: string;
  prefix: string;
  suffix: string;
  events: string[];
  /** the pipelines that need it, for reports and statuses */
  pipelines: string[];
}

/** One entry of a bucket's notification configuration. */
export interface NotificationEntry {
  kind: "queue" | "topic" | "cloudFunction";
  arn: string;
  id?: string;
  events: string[];
  prefix: string;
  suffix: string;
}

/** The Id framegate gives its entry, so people reading `mc event ls` see whose it is. */
export const FRAMEGATE_ENTRY_ID = "framegate";
/** The Id of the fast path's entry (same events and filter, MinIO's store-less target). */
export const FRAMEGATE_FAST_ENTRY_ID = "framegate-fast";

/** MinIO's targets framegate owns entries for. */
export interface NotificationTargets {
  /** the durable target (queue_dir; FRAMEGATE_MINIO_NOTIFY_ARN): its entry is always written */
  arn: string;
  /** the store-less fast target (FRAMEGATE_MINIO_FAST_ARN): its entry is written when `on`, removed when not */
  fast?: { arn: string; on: boolean };
}

/**
 * Why a bucket's notification could not be brought in step; also the condition's reason. `FastTargetUnknown`:
 * MinIO has no fast target, so the bucket notifies the durable target alone (written; events take 0-3 s).
 */
export type NotificationFailure = "BucketMissing" | "AccessDenied" | "TargetUnknown" | "FastTargetUnknown" | "Conflict" | "MinioUnavailable" | "MinioError";

export class BucketNotificationError extends FramegateError {
  override name = "BucketNotificationError";
  constructor(
    readonly bucket: string,
    readonly reason: NotificationFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What {@link syncBucketNotification} did to one bucket. */
export type NotificationOutcome = "unchanged" | "updated";

/** The calls this module makes; {@link minioNotificationClient} adapts the `minio` client. */
export interface NotificationClient {
  bucketExists(bucket: string): Promise<boolean>;
  read(bucket: string): Promise<NotificationEntry[]>;
  write(bucket: string, entries: NotificationEntry[]): Promise<void>;
}

/**
 * The configuration `current` should become: framegate's entries (those sending to its targets) replaced by
 * the ones `want` needs — the durable target's, and the fast target's when it is on — everything else kept.
 * `changed` is false when framegate's part already says exactly that.
 */
export function mergeNotification(current: readonly NotificationEntry[], want: WantedNotification, targets: NotificationTargets): { entries: NotificationEntry[]; changed: boolean } {
  const fastArn = targets.fast?.arn;
  const owned = (e: NotificationEntry) => e.arn === targets.arn || (fastArn !== undefined && e.arn === fastArn);
  const ours = current.filter(owned);
  const others = current.filter((e) => !owned(e));
  const events = [...want.events].sort();
  const entry = (arn: string, id: string): NotificationEntry => ({ kind: "queue", arn, id, events, prefix: want.prefix, suffix: want.suffix });
  const wanted = [entry(targets.arn, FRAMEGATE_ENTRY_ID), ...(targets.fast?.on ? [entry(targets.fast.arn, FRAMEGATE_FAST_ENTRY_ID)] : [])];
  const same = (e: NotificationEntry, w: NotificationEntry) =>
    e.kind === "queue" && e.arn === w.arn && e.prefix === w.prefix && e.suffix === w.suffix && [...e.events].sort().join() === w.events.join();
  const changed = !(ours.length === wanted.length && wanted.every((w) => ours.filter((e) => same(e, w)).length === 1));
  return { entries: [...others, ...wanted], changed };
}

/**
 * Reads `want.bucket`'s configuration, merges framegate's entries in and writes it when it differs.
 * `createBucket`: make a missing bucket (setup); otherwise a missing bucket is a BucketMissing failure.
 * When MinIO refuses the fast target's ARN, the durable entry is written alone (events still arrive, 0-3 s
 * later) and a FastTargetUnknown failure says so.
 * @throws BucketNotificationError with the reason and what to fix
 */
export async function syncBucketNotification(
  client: NotificationClient,
  want: WantedNotification,
  targets: NotificationTargets,
  opts: { createBucket?: () => Promise<void> } = {},
): Promise<NotificationOutcome> {
  const { bucket } = want;
  const { arn, fast } = targets;
  try {
    if (!(await client.bucketExists(bucket))) {
      if (!opts.createBucket) {
        throw new BucketNotificationError(bucket, "BucketMissing", `bucket "${bucket}" does not exist in MinIO: create it (framegate setup makes the trigger buckets, or mc mb), or fix spec.trigger.bucket`);
      }
      await opts.createBucket();
    }
    const current = await client.read(bucket);
    const { entries, changed } = mergeNotification(current, want, targets);
    if (!changed) return "unchanged";
    try {
      await client.write(bucket, entries);
    } catch (e) {
      const err = classify(e, bucket, arn);
      if (err.reason !== "TargetUnknown" || !fast?.on) throw err;
      // MinIO does not say which ARN it does not know: without the fast entry, a success means it was that one
      await client.write(bucket, mergeNotification(current, want, { arn, fast: { ...fast, on: false } }).entries);
      throw new BucketNotificationError(
        bucket,
        "FastTargetUnknown",
        `MinIO has no notification target ${fast.arn} (the fast path's store-less NATS target), so bucket "${bucket}" notifies ${arn} only and its events take the durable path (0-3 s): configure MinIO's second NATS target (MINIO_NOTIFY_NATS_*_FAST without a queue dir, docs/deploy.md), set FRAMEGATE_MINIO_FAST_ARN to the one it has, or set FRAMEGATE_FAST_PATH=false`,
        { cause: e },
      );
    }
    return "updated";
  } catch (e) {
    throw classify(e, bucket, arn);
  }
}

/** The one place MinIO's answers to these calls are read. */
export function classify(e: unknown, bucket: string, arn: string): BucketNotificationError {
  if (e instanceof BucketNotificationError) return e;
  const err = e as { code?: string; message?: string };
  const code = err.code ?? "";
  const text = err.message ?? String(e);
  if (code === "NoSuchBucket") return new BucketNotificationError(bucket, "BucketMissing", `bucket "${bucket}" does not exist in MinIO: create it (framegate setup, or mc mb), or fix spec.trigger.bucket`, { cause: e });
  if (code === "AccessDenied" || code === "InvalidAccessKeyId" || code === "SignatureDoesNotMatch") {
    return new BucketNotificationError(
      bucket,
      "AccessDenied",
      `MinIO refused to read or set the notification of bucket "${bucket}" (${code}): the gateway's identity needs s3:GetBucketNotification and s3:PutBucketNotification on arn:aws:s3:::${bucket} — run framegate setup with rules that include this bucket (it derives the policy framegate-gateway from them)`,
      { cause: e },
    );
  }
  if (/\bARN\b/i.test(text)) {
    return new BucketNotificationError(bucket, "TargetUnknown", `MinIO has no notification target ${arn} (${text}): configure its NATS target (MINIO_NOTIFY_NATS_*) or set FRAMEGATE_MINIO_NOTIFY_ARN to the one it has`, { cause: e });
  }
  if (/overlap/i.test(text)) {
    return new BucketNotificationError(bucket, "Conflict", `bucket "${bucket}" has another notification entry for the same events that overlaps framegate's (${text}): narrow or remove that entry (mc event ls/rm)`, { cause: e });
  }
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|timeout/i.test(`${code} ${text}`) || /^5\d\d$/.test(code)) {
    return new BucketNotificationError(bucket, "MinioUnavailable", `cannot reach MinIO to set the notification of bucket "${bucket}" (${text}); retried until it answers`, { cause: e });
  }
  return new BucketNotificationError(bucket, "MinioError", `MinIO refused the notification of bucket "${bucket}": ${code ? `${code}: ` : ""}${text}`, { cause: e });
}

type ParsedEntry = { Id?: string; Event?: string[]; Filter?: { Name: string; Value: string }[]; Queue?: string; Topic?: string; CloudFunction?: string };

/** The `minio` client as a {@link NotificationClient}. */
export function minioNotificationClient(minio: Client): NotificationClient {
  return {
    bucketExists: (bucket) => minio.bucketExists(bucket),
    async read(bucket) {
      const c = (await minio.getBucketNotification(bucket)) as unknown as Record<"QueueConfiguration" | "TopicConfiguration" | "CloudFunctionConfiguration", ParsedEntry[]>;
      const entry = (kind: NotificationEntry["kind"], arn: string | undefined, e: ParsedEntry): NotificationEntry => {
        const rule = (name: string) => e.Filter?.find((f) => f.Name?.toLowerCase() === name)?.Value ?? "";
        return { kind, arn: arn ?? "", ...(e.Id ? { id: e.Id } : {}), events: e.Event ?? [], prefix: rule("prefix"), suffix: rule("suffix") };
      };
      return [
        ...(c.QueueConfiguration ?? []).map((e) => entry("queue", e.Queue, e)),
        ...(c.TopicConfiguration ?? []).map((e) => entry("topic", e.Topic, e)),
        ...(c.CloudFunctionConfiguration ?? []).map((e) => entry("cloudFunction", e.CloudFunction, e)),
      ];
    },
    async write(bucket, entries) {
      const config = new NotificationConfig();
      for (const e of entries) {
        const t = e.kind === "queue" ? new QueueConfig(e.arn) : e.kind === "topic" ? new TopicConfig(e.arn) : new CloudFunctionConfig(e.arn);
        if (e.id) t.setId(e.id);
        for (const ev of e.events) t.addEvent(ev);
        if (e.prefix) t.addFilterPrefix(e.prefix);
        if (e.suffix) t.addFilterSuffix(e.suffix);
        config.add(t);
      }
      await minio.setBucketNotification(bucket, config);
    },
  };
}
