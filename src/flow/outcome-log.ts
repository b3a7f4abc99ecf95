/**
 * @module flow/outcome-log — how a message's outcomes are told: its log lines (named by its event ids, the
 * child logger made only when a line is written) and the counters of swept events and of the fast path's copies.
 */
import type { Logger } from "pino";
import { lazyChild, type LevelLogger } from "../lib/lazy-logger.js";
import type { Metrics } from "../lib/metrics.js";
import type { PipelineOutcome } from "../status/event-report.js";
import type { Decision, InboundMessage } from "../triggers/decision.js";
import { HEADERS, type DecodedMessage } from "../triggers/wire.js";
import { copyOutcome, copyPath } from "./intake-copies.js";

/** Event ids a message's log lines name at most (a MinIO notification may carry thousands of records). */
export const LOGGED_EVENT_IDS = 10;

/**
 * The logger of one message: every line names its event(s) — the id the Workflow's framegate.io/event-id
 * annotation and the webhook's "accepted" line carry, so one log search follows a frame from upload to result —
 * its sequence, subject and delivery, and the sweep that published it. A notification with several records names
 * at most the first LOGGED_EVENT_IDS (`events`, with `records`), so a line stays small; each record's own line
 * names it as `event`.
 */
export function messageLogger(parent: Logger, msg: DecodedMessage): LevelLogger {
  return lazyChild(parent, () => {
    const ids = msg.decoded.ok ? msg.decoded.events.map((e) => e.id) : [msg.header(HEADERS.eventId) ?? msg.header(HEADERS.msgId) ?? `seq:${msg.seq}`];
    const named = ids.length > 1 ? { events: ids.slice(0, LOGGED_EVENT_IDS), records: ids.length } : { event: ids[0] };
    const swept = msg.header(HEADERS.sweep);
    return { ...named, seq: msg.seq, subject: msg.subject, delivery: msg.deliveryCount, ...(swept !== undefined && { swept }) };
  });
}

/**
 * One line per event and pipeline (`event` given when the message's log does not name it alone): a created (or
 * already existing) Workflow at info, a skip at debug (sampled streams skip most frames). Failures are logged once
 * per message by `decide`.
 */
export function logOutcome(log: LevelLogger, event: string | undefined, o: PipelineOutcome): void {
  const ev = event === undefined ? {} : { event };
  if (o.kind === "created" || o.kind === "exists") log.info({ ...ev, pipeline: o.pipeline, workflow: o.workflow }, o.kind === "created" ? "workflow created" : "workflow exists");
  else if (o.kind === "skipped") log.debug({ ...ev, pipeline: o.pipeline, reason: o.reason }, "event skipped");
}

/**
 * What a swept event turned out to be, per pipeline: `late` when it was not processed before (the sweep found
 * what the intake missed), `seen` when it was (duplicate, or its Workflow existed). Counted on its final delivery only.
 */
export function countSwept(metrics: Metrics, outcomes: PipelineOutcome[], d: Decision, log: LevelLogger): void {
  if (d.kind === "nak") return;
  for (const o of outcomes) {
    const outcome = o.kind === "created" ? "late" : o.kind === "exists" || (o.kind === "skipped" && o.reason === "duplicate") ? "seen" : o.kind === "skipped" ? o.reason : "rejected";
    metrics.sweepEvents.inc({ pipeline: o.pipeline, outcome });
    // debug: after a long outage there may be very many; the sweep's own log line and the metric count them
    if (outcome === "late") log.debug({ pipeline: o.pipeline, workflow: o.workflow }, "swept event was not processed before: found late");
  }
}

/** What this copy of a MinIO event turned out to be, by the path it came by (fast path on). */
export function countCopy(metrics: Metrics, msg: InboundMessage, fastSubject: string, outcomes: PipelineOutcome[], d: Decision): void {
  const path = copyPath(msg, fastSubject);
  const outcome = d.kind === "nak" ? undefined : copyOutcome(outcomes);
  if (path !== undefined && outcome !== undefined) metrics.intakeCopies.inc({ path, outcome });
}
