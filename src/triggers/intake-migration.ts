/**
 * @module triggers/intake-migration — moves an intake stream made with limits (or interest) retention to
 * the work-queue intake, which nats-server cannot do in place. Only what the durable consumer has not
 * acknowledged moves; processed messages stay behind. Every step is logged and the whole is resumable:
 * an interrupted run leaves a staging stream that the next run picks up.
 *
 *   1. check that no gateway pulls from the consumer      5. delete the old stream
 *   2. create the staging stream <stream>_MIGRATION       6. create the new intake, consumer, window, dead letters
 *   3. seal the old stream (new input refused: MinIO      7. publish the staged messages into the new intake
 *      keeps it in queue_dir, webhooks answer 503)        8. delete the staging stream
 *   4. drain the consumer into staging: fetch, store, ack
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from "@nats-io/jetstream";
import { formatBytes } from "../lib/bytes.js";
import { FramegateError } from "../lib/errors.js";
import { ensureIntake, isNotFound, streamInfo, type EnsureOptions } from "./jetstream-setup.js";
import { intakeSubjects, type IntakeNames } from "./jetstream-config.js";

export const MIGRATED_SUBJECT_HEADER = "Framegate-Migrated-Subject";
const MIGRATED_SEQ_HEADER = "Framegate-Migrated-Seq";

export interface MigrationOptions extends EnsureOptions {
  /** print the plan, change nothing */
  dryRun?: boolean;
  /** how long to wait for unacknowledged messages to come back (ack_wait, nak delays), default 2 min */
  drainTimeoutMs?: number;
  /** how long to wait for gateways' pull requests to go away, default 40 s */
  idleTimeoutMs?: number;
  log(line: string): void;
}

export interface MigrationResult {
  /** false when there was nothing to migrate */
  needed: boolean;
  /** unprocessed messages moved into the new intake */
  moved: number;
}

const stagingName = (stream: string) => `${stream}_MIGRATION`;
const stagingSubject = (stream: string) => `framegate.migration.${stream}`;
const sealedSubject = (stream: string) => `framegate.sealed.${stream}`;

/** Migrates when needed; idempotent (a second run after a completed one does nothing). */
export async function migrateIntake(nc: NatsConnection, n: IntakeNames, o: MigrationOptions): Promise<MigrationResult> {
  const jsm = await jetstreamManager(nc);
  const old = await streamInfo(jsm, n.stream);
  const staging = await streamInfo(jsm, stagingName(n.stream));
  const oldNeedsMove = old !== undefined && old.config.retention !== RetentionPolicy.Workqueue;
  if (!oldNeedsMove && !staging) return { needed: false, moved: 0 };

  if (oldNeedsMove) {
    const ci = await consumerInfo(jsm, n);
    const unprocessed = ci.num_pending + ci.num_ack_pending;
    o.log(`stream ${n.stream}: ${old.config.retention} retention, ${old.state.messages} messages (${formatBytes(old.state.bytes)}); consumer ${n.consumer}: ${unprocessed} not yet processed (${ci.num_pending} never delivered, ${ci.num_ack_pending} unacknowledged)`);
    if (staging) o.log(`staging stream ${staging.config.name} holds ${staging.state.messages} messages from an earlier run: they move too`);
    if (o.dryRun) {
      o.log(`plan: seal ${n.stream} (input refused meanwhile), copy the ${unprocessed} unprocessed messages to ${stagingName(n.stream)}, delete ${n.stream} and its ${old.state.messages - unprocessed} processed messages, create the work-queue intake, move the copies in, delete ${stagingName(n.stream)}`);
      return { needed: true, moved: 0 };
    }
    await waitIdle(jsm, n, o.idleTimeoutMs ?? 40_000, o.log);
    if (!staging) {
      await jsm.streams.add({ name: stagingName(n.stream), subjects: [stagingSubject(n.stream)], retention: RetentionPolicy.Limits, storage: StorageType.File });
      o.log(`created staging stream ${stagingName(n.stream)}`);
    }
    await jsm.streams.update(n.stream, { ...old.config, subjects: [sealedSubject(n.stream)] });
    o.log(`sealed ${n.stream}: new input is refused until the migration ends (MinIO keeps its events in queue_dir and retries; webhooks answer 503)`);
    try {
      await jsm.consumers.update(n.stream, n.consumer, { max_deliver: -1 });
      const copied = await drain(nc, jsm, n, o.drainTimeoutMs ?? 120_000, o.log);
      o.log(`copied ${copied} unprocessed messages to ${stagingName(n.stream)}`);
    } catch (e) {
      await jsm.streams.update(n.stream, old.config).catch(() => undefined);
      o.log(`unsealed ${n.stream} again; the copies already staged stay in ${stagingName(n.stream)} and move on the next run`);
      throw e;
    }
    await jsm.streams.delete(n.stream);
    o.log(`deleted ${n.stream} (with its processed messages and the old consumer)`);
  } else if (o.dryRun) {
    o.log(`plan: finish an interrupted migration: move the ${staging!.state.messages} messages of ${stagingName(n.stream)} into ${n.stream}`);
    return { needed: true, moved: 0 };
  }

  for (const line of await ensureIntake(nc, n, o)) o.log(line);
  const moved = await moveStaged(nc, jsm, n, o.log);
  await jsm.streams.delete(stagingName(n.stream));
  o.log(`moved ${moved} messages into ${n.stream}; deleted ${stagingName(n.stream)}: migration done`);
  return { needed: true, moved };
}

async function consumerInfo(jsm: JetStreamManager, n: IntakeNames) {
  try {
    return await jsm.consumers.info(n.stream, n.consumer);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    throw new FramegateError(
      `stream ${n.stream} has no consumer ${n.consumer}, so processed and unprocessed messages cannot be told apart: check FRAMEGATE_CONSUMER; if the stream holds nothing you need, delete it (nats stream rm ${n.stream}) and run \`framegate setup\``,
    );
  }
}

/** A running gateway keeps pull requests open on the consumer; a migration under it would race it. */
async function waitIdle(jsm: JetStreamManager, n: IntakeNames, timeoutMs: number, log: (l: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let said = false;
  for (;;) {
    const ci = await jsm.consumers.info(n.stream, n.consumer);
    if (ci.num_waiting === 0) return;
    if (Date.now() > deadline) {
      throw new FramegateError(`consumer ${n.stream}/${n.consumer} still has ${ci.num_waiting} pull request(s) open: a gateway is running; stop every gateway (kubectl scale deployment framegate --replicas=0) and run again`);
    }
    if (!said) log(`waiting for ${ci.num_waiting} open pull request(s) on ${n.consumer} to end (a gateway that just stopped leaves them for up to 30 s)`);
    said = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Fetches every message the consumer has not acked (including ones it will redeliver), stores a copy, acks. */
async function drain(nc: NatsConnection, jsm: JetStreamManager, n: IntakeNames, timeoutMs: number, log: (l: string) => void): Promise<number> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(n.stream, n.consumer);
  const deadline = Date.now() + timeoutMs;
  let copied = 0;
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 256, expires: 1000 });
    let got = 0;
    for await (const m of batch) {
      got += 1;
      const h = copyHeaders(m.headers);
      h.set(MIGRATED_SUBJECT_HEADER, m.subject);
      h.set(MIGRATED_SEQ_HEADER, String(m.seq));
      await js.publish(stagingSubject(n.stream), m.data, { headers: h, msgID: `migrate-${n.stream}-${m.seq}` });
      await m.ackAck();
      copied += 1;
    }
    if (got > 0) continue;
    const ci = await jsm.consumers.info(n.stream, n.consumer);
    const left = ci.num_pending + ci.num_ack_pending + ci.num_redelivered;
    if (ci.num_pending + ci.num_ack_pending === 0) return copied;
    if (Date.now() > deadline) {
      throw new FramegateError(
        `${left} messages of ${n.stream} are still held back (unacknowledged by a gateway that is still running, or naked with a long delay): stop every gateway and run \`framegate setup --migrate\` again; it resumes`,
      );
    }
    log(`waiting for ${ci.num_ack_pending} unacknowledged messages to come back (ack_wait or nak delay)`);
  }
}

/** Publishes every staged message on its original subject; a re-run dedupes on the message id. */
async function moveStaged(nc: NatsConnection, jsm: JetStreamManager, n: IntakeNames, log: (l: string) => void): Promise<number> {
  const js = jetstream(nc);
  const info = await jsm.streams.info(stagingName(n.stream));
  if (info.state.messages === 0) return 0;
  const allowed = intakeSubjects(n);
  let moved = 0;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stagingName(n.stream), { seq }).catch(() => null);
    if (!m) continue;
    const subject = m.header.get(MIGRATED_SUBJECT_HEADER);
    const h = copyHeaders(m.header);
    const originalSeq = h.get(MIGRATED_SEQ_HEADER);
    h.delete(MIGRATED_SUBJECT_HEADER);
    h.delete(MIGRATED_SEQ_HEADER);
    if (!allowed.some((a) => a === subject || (a.endsWith(">") && subject.startsWith(a.slice(0, -1))))) {
      log(`staged message ${seq} has subject "${subject}", which the intake does not take; left in ${stagingName(n.stream)}`);
      throw new FramegateError(`staged message ${seq} (subject "${subject}") fits no intake subject: check FRAMEGATE_MINIO_SUBJECT and FRAMEGATE_MINIO_FAST_SUBJECT, then run again`);
    }
    await js.publish(subject, m.data, { headers: h, msgID: `migrated-${n.stream}-${originalSeq}` });
    moved += 1;
  }
  return moved;
}

/** Copies user headers; JetStream's own (Nats-*) are set again by the publish. */
function copyHeaders(src: MsgHdrs | undefined): MsgHdrs {
  const h = natsHeaders();
  if (!src) return h;
  for (const k of src.keys()) {
    if (/^nats-/i.test(k)) continue;
    for (const v of src.values(k)) h.append(k, v);
  }
  return h;
}
