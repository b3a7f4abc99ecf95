/**
 * @module flow/decide — what JetStream does with a message, from what happened to it per pipeline: rejected
 * Workflows are dead-lettered (then acked), retryable failures nak with backoff (or, on the last delivery, are
 * dead-lettered and the message terminated), and everything else is acked. A dead-letter stream that cannot be
 * written makes the message come back (nak), so no event is dropped unrecorded.
 */
import { backoffMs } from "../lib/backoff.js";
import type { LevelLogger } from "../lib/lazy-logger.js";
import type { Metrics } from "../lib/metrics.js";
import type { PipelineOutcome } from "../status/event-report.js";
import type { Decision, InboundMessage } from "../triggers/decision.js";
import type { DeadLetter } from "./dead-letter.js";

export interface DecideDeps {
  deadLetter: DeadLetter;
  metrics: Metrics;
  /** the consumer's max_deliver: on the last delivery a retryable failure is dead-lettered instead */
  maxDeliver: number;
}

/** The Decision for a message whose events reached their pipelines, given each pipeline's outcome. */
export async function decide(d: DecideDeps, msg: InboundMessage, outcomes: PipelineOutcome[], log: LevelLogger): Promise<Decision> {
  const rejected = outcomes.filter((o) => o.kind === "rejected");
  const retry = outcomes.filter((o): o is Extract<PipelineOutcome, { kind: "retry" }> => o.kind === "retry");
  try {
    for (const o of rejected) {
      log.warn({ pipeline: o.pipeline, workflow: o.workflow, err: o.error }, "workflow rejected, dead-lettering");
      await d.deadLetter.send(msg, "rejected", o.error.message, o.pipeline);
      d.metrics.deadLettered.inc({ reason: "rejected" });
    }
    if (retry.length && msg.deliveryCount >= d.maxDeliver) {
      for (const o of retry) {
        const reason = `gave up after ${msg.deliveryCount} deliveries: ${o.error.message}`;
        log.error({ pipeline: o.pipeline, workflow: o.workflow, reason }, "deliveries exhausted, dead-lettering");
        await d.deadLetter.send(msg, "exhausted", reason, o.pipeline);
        d.metrics.deadLettered.inc({ reason: "exhausted" });
      }
      return { kind: "term", reason: "deliveries exhausted" };
    }
  } catch (e) {
    log.error({ err: e }, "could not dead-letter; will retry the message");
    d.metrics.redelivered.inc({ reason: "dlq-unavailable" });
    return { kind: "nak", delayMs: backoffMs(msg.deliveryCount), reason: "dead-letter stream unavailable" };
  }
  if (retry.length) {
    const hinted = Math.max(0, ...retry.map((o) => o.afterMs ?? 0));
    const delayMs = Math.max(hinted, backoffMs(msg.deliveryCount));
    const reason = retry.map((o) => `${o.pipeline}: ${o.reason}`).join(", ");
    log.warn({ delayMs, reason, err: retry[0]!.error }, "workflow create failed, will retry");
    for (const o of retry) d.metrics.redelivered.inc({ reason: o.reason });
    return { kind: "nak", delayMs, reason };
  }
  return { kind: "ack" };
}

/** A message that is not an event: dead-lettered and terminated (or retried while the dead-letter stream is down). */
export async function deadLetterBadEvent(d: DecideDeps, msg: InboundMessage, reason: string, log: LevelLogger): Promise<Decision> {
  try {
    await d.deadLetter.send(msg, "bad-event", reason, undefined);
    d.metrics.deadLettered.inc({ reason: "bad-event" });
    return { kind: "term", reason };
  } catch (e) {
    log.error({ err: e }, "could not dead-letter; will retry the message");
    return { kind: "nak", delayMs: backoffMs(msg.deliveryCount), reason: "dead-letter stream unavailable" };
  }
}
