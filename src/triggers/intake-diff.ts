/**
 * @module triggers/intake-diff — compares the streams and consumer a server has with the ones framegate
 * wants, and says for each difference whether it breaks a delivery guarantee or is harmless, and how to fix
 * it. `serve` refuses to start on a breaking one; `framegate setup` prints them before it applies its plan.
 */
import { AckPolicy, DiscardPolicy, RetentionPolicy } from "@nats-io/jetstream";
import { formatBytes } from "../lib/bytes.js";
import { HOOK_SUBJECT_PREFIX } from "./wire.js";
import { consumerConfig, historyStreamName, intakeSubjects, minioFastSubject, NS_PER_MS, type ConsumerSettings, type IntakeLimits, type IntakeNames } from "./jetstream-config.js";

/** The parts of a stream's config the comparison reads (nats.js StreamConfig satisfies it). */
export interface StreamSettings {
  name: string;
  subjects?: string[];
  retention: string;
  discard?: string;
  max_bytes: number;
  max_age: number;
  sources?: { name: string }[];
  num_replicas?: number;
}

/** The parts of a consumer's config the comparison reads (nats.js ConsumerConfig satisfies it). */
export interface ConsumerSettingsSeen {
  ack_policy: string;
  ack_wait?: number;
  max_deliver?: number;
  max_ack_pending?: number;
  backoff?: number[];
  filter_subject?: string;
  filter_subjects?: string[];
  /** 0: as many as the stream */
  num_replicas?: number;
}

/** What a server has; undefined where the object does not exist. */
export interface IntakeSeen {
  stream?: StreamSettings;
  history?: StreamSettings;
  dlq?: StreamSettings;
  consumer?: ConsumerSettingsSeen;
}

export interface SettingDiff {
  /** `stream FRAMEGATE`, `consumer FRAMEGATE/framegate` */
  object: string;
  setting: string;
  actual: string;
  wanted: string;
  /** breaks: a delivery guarantee does not hold (serve exits 1); harmless: works, differently than configured */
  severity: "breaks" | "harmless";
  /** what goes wrong, and the fix */
  why: string;
}

const SETUP = "run `framegate setup` with the same FRAMEGATE_* settings";
const MIGRATE = "run `framegate setup --migrate` with every gateway stopped (it moves the unprocessed messages; `--dry-run` shows the plan)";

/** One line per difference: `consumer X: max_deliver is 10, want -1 — why`. */
export function formatDiff(d: SettingDiff): string {
  return `${d.object}: ${d.setting} is ${d.actual}, want ${d.wanted} — ${d.why}`;
}

/** Every difference between `seen` and what framegate wants, breaking ones first. */
export function diffIntake(seen: IntakeSeen, n: IntakeNames, limits: IntakeLimits, consumer: ConsumerSettings): SettingDiff[] {
  const out: SettingDiff[] = [];
  const add = (object: string, setting: string, actual: unknown, wanted: unknown, severity: SettingDiff["severity"], why: string) =>
    out.push({ object, setting, actual: show(actual), wanted: show(wanted), severity, why });
  // nats-server changes a stream's or consumer's replica count in place (it copies the data to new peers)
  const wantReplicas = limits.replicas ?? 1;
  const replicas = (object: string, actual: number | undefined) => {
    const have = actual || 1;
    if (have === wantReplicas) return;
    const why = have < wantReplicas ? `fewer copies than FRAMEGATE_STREAM_REPLICAS: the loss of ${have === 1 ? "its one server" : `${Math.floor(have / 2) + 1} of its servers`} stops it` : "more copies than FRAMEGATE_STREAM_REPLICAS asks for";
    add(object, "num_replicas", have, wantReplicas, "harmless", `${why}; setup changes it in place: ${SETUP}`);
  };

  const s = seen.stream;
  const so = `stream ${n.stream}`;
  if (!s) add(so, "existence", "missing", "present", "breaks", `nothing can be taken in: ${SETUP}`);
  else {
    if (s.retention !== RetentionPolicy.Workqueue)
      add(so, "retention", s.retention, RetentionPolicy.Workqueue, "breaks", `processed messages hold the space unprocessed ones need, and a full stream would refuse input for good; nats-server cannot change retention in place: ${MIGRATE}`);
    if (s.discard !== DiscardPolicy.New && s.max_bytes > 0)
      add(so, "discard", s.discard ?? "old", DiscardPolicy.New, "breaks", `a full intake deletes its oldest (unprocessed) messages: ${SETUP}`);
    if (s.max_bytes <= 0) add(so, "max_bytes", "unlimited", formatBytes(limits.streamMaxBytes), "harmless", `the intake can fill the server's store, starving the other streams: ${SETUP}`);
    else if (s.max_bytes !== limits.streamMaxBytes) add(so, "max_bytes", formatBytes(s.max_bytes), formatBytes(limits.streamMaxBytes), "harmless", `FRAMEGATE_STREAM_MAX_BYTES differs from the stream: ${SETUP}`);
    if (s.max_age > 0) add(so, "max_age", `${Math.round(s.max_age / NS_PER_MS / 1000)}s`, "0 (none)", "breaks", `messages older than that are deleted whether processed or not: ${SETUP}`);
    replicas(so, s.num_replicas);
    const subjects = s.subjects ?? [];
    const fast = minioFastSubject(n);
    for (const want of intakeSubjects(n)) {
      if (subjects.includes(want)) continue;
      // MinIO's fast copies are not stored, but its durable target still delivers every event, 0-3 s later
      if (want === fast) add(so, "subjects", subjects.join(",") || "none", intakeSubjects(n).join(","), "harmless", `the fast path's copies on ${want} are not stored, so MinIO's events come by its durable target only (0-3 s later): ${SETUP}`);
      else add(so, "subjects", subjects.join(",") || "none", intakeSubjects(n).join(","), "breaks", `events on ${want} are not stored: ${SETUP}`);
    }
  }

  const c = seen.consumer;
  const co = `consumer ${n.stream}/${n.consumer}`;
  const want = consumerConfig(n, consumer);
  if (s && !c) add(co, "existence", "missing", "present", "breaks", `nothing delivers the intake to the gateway: ${SETUP}`);
  if (c) {
    if (c.ack_policy !== AckPolicy.Explicit) add(co, "ack_policy", c.ack_policy, AckPolicy.Explicit, "breaks", `messages count as done before they are processed; the consumer must be recreated: delete it (nats consumer rm) and ${SETUP}`);
    if ((c.max_deliver ?? -1) > 0)
      add(co, "max_deliver", c.max_deliver, -1, "breaks", `JetStream stops delivering a message after that many tries even when the gateway could not dead-letter it, and it is never seen again: ${SETUP}`);
    const ackWait = c.ack_wait ?? 30_000 * NS_PER_MS;
    if (ackWait < want.ack_wait)
      add(co, "ack_wait", ms(ackWait), ms(want.ack_wait), "breaks", `the gateway's in-progress acks are timed for FRAMEGATE_ACK_WAIT: a shorter ack_wait redelivers messages still being worked on: ${SETUP}`);
    else if (ackWait > want.ack_wait) add(co, "ack_wait", ms(ackWait), ms(want.ack_wait), "harmless", `messages of a crashed gateway come back later than FRAMEGATE_ACK_WAIT says: ${SETUP}`);
    if ((c.max_ack_pending ?? 1000) !== want.max_ack_pending)
      add(co, "max_ack_pending", c.max_ack_pending, want.max_ack_pending, "harmless", `FRAMEGATE_MAX_ACK_PENDING is not what bounds the gateway: ${SETUP}`);
    const backoff = c.backoff ?? [];
    if (backoff.length) {
      const short = backoff.some((b) => b < want.ack_wait);
      add(co, "backoff", backoff.map(ms).join(","), "none", short ? "breaks" : "harmless", `${short ? "a step shorter than FRAMEGATE_ACK_WAIT redelivers messages still being worked on" : "unacked messages come back on that schedule instead of after ack_wait"}; naks carry their own delay: ${SETUP}`);
    }
    replicas(co, c.num_replicas || s?.num_replicas);
    const filters = [...(c.filter_subjects ?? []), ...(c.filter_subject ? [c.filter_subject] : [])];
    if (filters.length) {
      const covered = intakeSubjects(n).every((sub) => filters.includes(sub) || (sub.startsWith(HOOK_SUBJECT_PREFIX) && filters.includes(`${HOOK_SUBJECT_PREFIX}>`)));
      add(co, "filter_subjects", filters.join(","), "none (every subject)", covered ? "harmless" : "breaks", `${covered ? "filters that cover every subject do nothing" : "events on the other subjects are never delivered"}; the consumer must be recreated: delete it (nats consumer rm ${n.stream} ${n.consumer}) and ${SETUP}`);
    }
  }

  const h = seen.history;
  const ho = `stream ${historyStreamName(n.stream)}`;
  if (!h) add(ho, "existence", "missing", "present", "harmless", `\`framegate replay --since\` has no window to read: ${SETUP}`);
  else {
    if (!(h.sources ?? []).some((x) => x.name === n.stream)) add(ho, "sources", (h.sources ?? []).map((x) => x.name).join(",") || "none", n.stream, "harmless", `the replay window does not fill: ${SETUP}`);
    replicas(ho, h.num_replicas);
    if (h.max_bytes !== limits.historyMaxBytes) add(ho, "max_bytes", bytes(h.max_bytes), formatBytes(limits.historyMaxBytes), "harmless", `FRAMEGATE_HISTORY_MAX_BYTES differs from the stream: ${SETUP}`);
  }

  const d = seen.dlq;
  const dn = `stream ${n.dlqStream}`;
  if (!d) add(dn, "existence", "missing", "present", "breaks", `failed messages cannot be dead-lettered and are retried forever: ${SETUP}`);
  else {
    replicas(dn, d.num_replicas);
    if (d.max_bytes !== limits.dlqMaxBytes) add(dn, "max_bytes", bytes(d.max_bytes), formatBytes(limits.dlqMaxBytes), "harmless", `FRAMEGATE_DLQ_MAX_BYTES differs from the stream: ${SETUP}`);
  }
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "breaks" ? -1 : 1));
}

function show(v: unknown): string {
  return v === undefined ? "unset" : String(v);
}

function ms(ns: number): string {
  return `${Math.round(ns / NS_PER_MS)}ms`;
}

function bytes(n: number): string {
  return n > 0 ? formatBytes(n) : "unlimited";
}
