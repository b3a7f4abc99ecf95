/**
 * @module flow/processor — one stream message in, one Decision out:
 * decode -> match -> (select) -> render -> create, with failures classified by what JetStream must do.
 * Acked only when every matched pipeline has its Workflow (created now, or already there) or a final
 * decision (dead-lettered). Deterministic Workflow names make a redelivery harmless.
 */
import type { Logger } from "pino";
import { BadEventError, NonRetriableError, RetryAfterError } from "../lib/errors.js";
import type { Metrics } from "../lib/metrics.js";
import type { NormalizedEvent } from "../triggers/event.js";
import { createHookEvent } from "../triggers/hook-event.js";
import { parseMinioNotificationText } from "../triggers/minio-event.js";
import { HOOK_SUBJECT_PREFIX } from "../triggers/jetstream-setup.js";
import type { Catalog, Match, Matcher } from "../rules/types.js";
import type { Workflow, WorkflowSubmitter } from "../workflows/types.js";
import { renderWorkflow } from "../workflows/render.js";
import type { DeadLetter } from "./dead-letter.js";
import { backoffMs, type Decision, type InboundMessage } from "../triggers/decision.js";

/** The rule set the processor uses for one message (swapped atomically on reload). */
export interface ActiveRules {
  matcher: Matcher;
  catalog: Catalog;
}

/** What became of one event, reported for /api/events, cameras and the dashboard. */
export interface ProcessedEvent {
  seq?: number;
  receivedAt: string;
  source: "minio" | "webhook";
  id: string;
  bucket?: string;
  key?: string;
  hook?: string;
  camera?: string;
  matches: { pipeline: string; workflow?: string; outcome: string }[];
  error?: string;
}

export interface ProcessorDeps {
  rules(): ActiveRules;
  submitter: WorkflowSubmitter;
  deadLetter: DeadLetter;
  metrics: Metrics;
  log: Logger;
  minioSubject: string;
  /** the consumer's max_deliver: on the last delivery a retryable failure is dead-lettered instead */
  maxDeliver: number;
  onEvent?(e: ProcessedEvent): void;
  render?(matches: Match[], catalog: Catalog): Workflow;
}

type Outcome =
  | { pipeline: string; workflow: string; kind: "created" | "exists" }
  | { pipeline: string; workflow?: string; kind: "rejected"; error: Error; reason: string }
  | { pipeline: string; workflow?: string; kind: "retry"; error: Error; reason: string; afterMs?: number };

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class Processor {
  readonly #d: ProcessorDeps;
  readonly #render: (matches: Match[], catalog: Catalog) => Workflow;

  constructor(deps: ProcessorDeps) {
    this.#d = deps;
    this.#render = deps.render ?? renderWorkflow;
  }

  /** Handles one message; never throws (every failure becomes a Decision). */
  async handle(msg: InboundMessage): Promise<Decision> {
    const log = this.#d.log.child({ seq: msg.seq, subject: msg.subject, delivery: msg.deliveryCount });
    let events: NormalizedEvent[];
    try {
      events = this.decode(msg);
    } catch (e) {
      const reason = e instanceof BadEventError ? e.message : `could not decode: ${(e as Error).message}`;
      log.warn({ reason }, "bad event, dead-lettering");
      this.#d.onEvent?.({ seq: msg.seq, receivedAt: new Date(msg.timestampMs).toISOString(), source: msg.subject === this.#d.minioSubject ? "minio" : "webhook", id: `seq-${msg.seq}`, matches: [], error: reason });
      return this.deadLetter(msg, "bad-event", reason, undefined, log);
    }
    const source = events[0]?.source ?? "minio";
    this.#d.metrics.eventsReceived.inc({ source }, events.length);

    const { matcher, catalog } = this.#d.rules();
    const outcomes: Outcome[] = [];
    const work: Promise<void>[] = [];
    for (const ev of events) {
      const matches = matcher.match(ev);
      if (matches.length === 0) this.#d.metrics.eventsUnmatched.inc();
      const report: ProcessedEvent = reportOf(ev, msg, matches);
      const perEvent: Outcome[] = [];
      for (const m of matches) {
        this.#d.metrics.eventsMatched.inc({ pipeline: m.pipeline.name });
        work.push(
          this.submit(m, catalog, msg).then((o) => {
            perEvent.push(o);
            outcomes.push(o);
          }),
        );
      }
      void Promise.all(work).then(() => {
        report.matches = perEvent.map((o) => ({ pipeline: o.pipeline, workflow: o.workflow, outcome: o.kind === "retry" ? "retrying" : o.kind }));
        this.#d.onEvent?.(report);
      });
    }
    await Promise.all(work);
    return this.decide(msg, outcomes, log);
  }

  /** Turns the bytes of a stream message into events; throws BadEventError for anything else. */
  decode(msg: InboundMessage): NormalizedEvent[] {
    let text: string;
    try {
      text = utf8.decode(msg.data);
    } catch {
      throw new BadEventError("the message is not valid UTF-8 text: events are JSON", msg.subject);
    }
    if (msg.subject === this.#d.minioSubject) return parseMinioNotificationText(text, { subject: msg.subject });
    if (msg.subject.startsWith(HOOK_SUBJECT_PREFIX)) {
      const hook = msg.subject.slice(HOOK_SUBJECT_PREFIX.length);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new BadEventError(`hook "${hook}": body is not JSON: ${(e as Error).message}`, msg.subject);
      }
      return [
        createHookEvent({
          hook,
          body,
          id: msg.header("Framegate-Event-Id") ?? msg.header("Nats-Msg-Id"),
          receivedAt: msg.header("Framegate-Received-At") ?? new Date(msg.timestampMs).toISOString(),
        }),
      ];
    }
    throw new BadEventError(`no event source publishes on "${msg.subject}": expected ${this.#d.minioSubject} or ${HOOK_SUBJECT_PREFIX}<hook>`, msg.subject);
  }

  private async submit(m: Match, catalog: Catalog, msg: InboundMessage): Promise<Outcome> {
    const pipeline = m.pipeline.name;
    let wf: Workflow;
    try {
      wf = this.#render([m], catalog);
    } catch (e) {
      return { pipeline, kind: "rejected", error: e as Error, reason: "render" };
    }
    const workflow = wf.metadata.name;
    try {
      const kind = await this.#d.submitter.create(wf);
      this.#d.metrics.workflows.inc({ pipeline, outcome: kind });
      if (kind === "created") this.#d.metrics.latency.observe(Math.max(0, Date.now() - msg.timestampMs) / 1000);
      return { pipeline, workflow, kind };
    } catch (e) {
      const err = e as Error;
      this.#d.metrics.workflows.inc({ pipeline, outcome: "failed" });
      if (err instanceof NonRetriableError) {
        this.#d.metrics.workflowFailures.inc({ pipeline, reason: "rejected" });
        return { pipeline, workflow, kind: "rejected", error: err, reason: "rejected" };
      }
      const afterMs = err instanceof RetryAfterError ? err.retryAfterMs : undefined;
      const reason = err instanceof RetryAfterError ? err.reason : "error";
      this.#d.metrics.workflowFailures.inc({ pipeline, reason });
      return { pipeline, workflow, kind: "retry", error: err, reason, afterMs };
    }
  }

  private async decide(msg: InboundMessage, outcomes: Outcome[], log: Logger): Promise<Decision> {
    const rejected = outcomes.filter((o) => o.kind === "rejected");
    const retry = outcomes.filter((o): o is Extract<Outcome, { kind: "retry" }> => o.kind === "retry");
    try {
      for (const o of rejected) {
        log.warn({ pipeline: o.pipeline, workflow: o.workflow, reason: o.error.message }, "workflow rejected, dead-lettering");
        await this.#d.deadLetter.send(msg, "rejected", o.error.message, o.pipeline);
        this.#d.metrics.deadLettered.inc({ reason: "rejected" });
      }
      if (retry.length && msg.deliveryCount >= this.#d.maxDeliver) {
        for (const o of retry) {
          const reason = `gave up after ${msg.deliveryCount} deliveries: ${o.error.message}`;
          log.error({ pipeline: o.pipeline, workflow: o.workflow, reason }, "deliveries exhausted, dead-lettering");
          await this.#d.deadLetter.send(msg, "exhausted", reason, o.pipeline);
          this.#d.metrics.deadLettered.inc({ reason: "exhausted" });
        }
        return { kind: "term", reason: "deliveries exhausted" };
      }
    } catch (e) {
      log.error({ err: (e as Error).message }, "could not dead-letter; will retry the message");
      this.#d.metrics.redelivered.inc({ reason: "dlq-unavailable" });
      return { kind: "nak", delayMs: backoffMs(msg.deliveryCount), reason: "dead-letter stream unavailable" };
    }
    if (retry.length) {
      const hinted = Math.max(0, ...retry.map((o) => o.afterMs ?? 0));
      const delayMs = Math.max(hinted, backoffMs(msg.deliveryCount));
      const reason = retry.map((o) => `${o.pipeline}: ${o.reason}`).join(", ");
      log.warn({ delayMs, reason, err: retry[0]!.error.message }, "workflow create failed, will retry");
      for (const o of retry) this.#d.metrics.redelivered.inc({ reason: o.reason });
      return { kind: "nak", delayMs, reason };
    }
    return { kind: "ack" };
  }

  private async deadLetter(msg: InboundMessage, kind: "bad-event", reason: string, pipeline: string | undefined, log: Logger): Promise<Decision> {
    try {
      await this.#d.deadLetter.send(msg, kind, reason, pipeline);
      this.#d.metrics.deadLettered.inc({ reason: kind });
      return { kind: "term", reason };
    } catch (e) {
      log.error({ err: (e as Error).message }, "could not dead-letter; will retry the message");
      return { kind: "nak", delayMs: backoffMs(msg.deliveryCount), reason: "dead-letter stream unavailable" };
    }
  }
}

function reportOf(ev: NormalizedEvent, msg: InboundMessage, matches: Match[]): ProcessedEvent {
  const camera = matches.find((m) => m.camera)?.camera ?? (ev.source === "minio" ? ev.metadata["camera"] : undefined);
  if (ev.source === "minio") {
    return { seq: msg.seq, receivedAt: ev.eventTime || new Date(msg.timestampMs).toISOString(), source: "minio", id: ev.id, bucket: ev.bucket, key: ev.key, camera, matches: [] };
  }
  return { seq: msg.seq, receivedAt: ev.receivedAt, source: "webhook", id: ev.id, hook: ev.hook, camera, matches: [] };
}
