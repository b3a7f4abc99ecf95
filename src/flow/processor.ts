/**
 * @module flow/processor — one stream message in, one Decision out:
 * (decoded events, from the consumer) -> match -> (select) -> render -> create, with failures classified by what JetStream must do.
 * Acked only when every matched pipeline has its Workflow (created now, or already there) or a final
 * decision (dead-lettered). Deterministic Workflow names make a redelivery harmless.
 */
import type { Logger } from "pino";
import { NonRetriableError, RetryAfterError } from "../lib/errors.js";
import type { Metrics } from "../lib/metrics.js";
import type { NormalizedEvent } from "../triggers/event.js";
import type { DecodedMessage } from "../triggers/wire.js";
import { HEADERS } from "../triggers/wire.js";
import type { Catalog, CompiledPipeline, Match, Matcher } from "../rules/types.js";
import type { Workflow, WorkflowSubmitter } from "../workflows/types.js";
import { renderWorkflow, workflowIdentity } from "../workflows/render.js";
import type { DeadLetter } from "./dead-letter.js";
import type { ProcessedEvent } from "../status/processed-event.js";
import { badEventReport, eventReport, settleReport, type PipelineOutcome } from "../status/event-report.js";
import { renderTemplate } from "../rules/template.js";
import { Batcher } from "./batcher.js";
import { Dedupe } from "./dedupe.js";
import { bodyBucket, pipelineBuckets } from "../rules/webhook-buckets.js";
import { runRecordTasks, type RecordTask } from "./record-pool.js";
import { Limits } from "./limits.js";
import { ReleasedError, withdrawnReason, type Withdrawal } from "./release.js";
import { Sampler } from "./sampler.js";
import { MemoryStateStore, type StateStore } from "./state-store.js";
import type { Decision, InboundMessage } from "../triggers/decision.js";
import { copyOutcome, copyPath } from "./intake-copies.js";
import type { RecentDone } from "./recent-done.js";
import { decide, deadLetterBadEvent } from "./decide.js";
import { countCopy, countSwept, logOutcome, messageLogger } from "./outcome-log.js";

/** The rule set the processor uses for one message (swapped atomically on reload). */
export interface ActiveRules {
  matcher: Matcher;
  catalog: Catalog;
  /** every pipeline: what a webhook body's bucket is checked against (unchecked when absent) */
  ruleSet?: { pipelines: readonly CompiledPipeline[] };
}

export interface ProcessorDeps {
  rules(): ActiveRules;
  submitter: WorkflowSubmitter;
  deadLetter: DeadLetter;
  metrics: Metrics;
  log: Logger;
  /** the consumer's max_deliver: on the last delivery a retryable failure is dead-lettered instead */
  maxDeliver: number;
  onEvent?(e: ProcessedEvent): void;
  render?(matches: Match[], catalog: Catalog): Workflow;
  /** shared flow-control state (JetStream KV in production); default: in-process memory */
  state?: StateStore;
  /** in-flight and rate limits, fed by the Workflow informer; default: rate limits only */
  limits?: Limits;
  /** how far back a replayed event is checked against work already done (the state TTL) */
  replayWindowMs?: number;
  /**
   * Set when the fast path is on (FRAMEGATE_FAST_PATH): the subject of MinIO's store-less target. MinIO's
   * events come twice, so the copy its durable target delivers is checked against done marks like a replay,
   * and each copy is counted by path (intake-copies.ts).
   */
  fastSubject?: string;
  /**
   * With the fast path on: the fast copies' Workflows this process made recently, so their durable copies are
   * absorbed without a state read (flow/recent-done.ts); default: none kept.
   */
  recentDone?: RecentDone;
}

export class Processor {
  readonly #d: ProcessorDeps;
  readonly #render: (matches: Match[], catalog: Catalog) => Workflow;
  readonly #dedupe: Dedupe;
  readonly #sampler: Sampler;
  readonly #batcher: Batcher;
  readonly limits: Limits;

  constructor(deps: ProcessorDeps) {
    this.#d = deps;
    this.#render = deps.render ?? renderWorkflow;
    const state = deps.state ?? new MemoryStateStore();
    this.#dedupe = new Dedupe(state);
    this.#sampler = new Sampler(state);
    this.limits = deps.limits ?? new Limits();
    this.#batcher = new Batcher({
      store: state,
      log: deps.log,
      nameOf: (ms) => workflowIdentity(ms).name,
      create: (ms, name, opts) => this.createWorkflow(ms, name, undefined, opts),
      rematch: (pipeline, f) => {
        const p = this.#d.rules().matcher.match(f.event).find((m) => m.pipeline.name === pipeline);
        return p ?? undefined;
      },
      waiting: (pipeline, delta) => deps.metrics.eventsWaiting.inc({ pipeline, reason: "batch" }, delta),
      claimed: (pipeline, path) => deps.metrics.batchClaims.inc({ pipeline, path }),
    });
  }

  /**
   * A rule change suspended or deleted a pipeline: its filling batches are submitted now, and its events
   * waiting for limits are released (skipped with the reason, acked, counted, reported). See flow/release.ts.
   */
  withdraw(w: Withdrawal): void {
    const flushed = this.#batcher.flushPipeline(w.pipeline);
    const released = this.limits.release(w.pipeline, w.reason);
    if (flushed.batches + released > 0) this.#d.log.info({ pipeline: w.pipeline, reason: w.reason, batches: flushed.batches, frames: flushed.frames, released }, "pipeline withdrawn: filling batches submitted, waiting events released");
  }

  /** Hands frames waiting in open batches back to JetStream (shutdown). */
  close(): void {
    this.#batcher.abandonAll(new RetryAfterError("gateway shutting down", 0, { reason: "shutdown" }));
  }

  /** Handles one decoded message; never throws (every failure becomes a Decision). */
  async handle(msg: DecodedMessage): Promise<Decision> {
    const swept = msg.header(HEADERS.sweep);
    const log = messageLogger(this.#d.log, msg);
    if (!msg.decoded.ok) {
      const reason = msg.decoded.error.message;
      log.warn({ reason, err: msg.decoded.error }, "bad event, dead-lettering");
      this.#d.onEvent?.(badEventReport(msg, msg.decoded.source, reason));
      return deadLetterBadEvent(this.#d, msg, reason, log);
    }
    const events = msg.decoded.events;
    const source = events[0]?.source ?? "minio";
    this.#d.metrics.eventsReceived.inc({ source }, events.length);

    const { matcher, catalog, ruleSet } = this.#d.rules();
    // an on-demand run names its pipeline: the others do not see the event
    const only = msg.header(HEADERS.runPipeline);
    const outcomes: PipelineOutcome[] = [];
    const reports: { report: ProcessedEvent; outcomes: PipelineOutcome[] }[] = [];
    const work: RecordTask[] = [];
    for (const ev of events) {
      const matches = only === undefined ? matcher.match(ev) : matcher.match(ev).filter((m) => m.pipeline.name === only);
      if (matches.length === 0) this.#d.metrics.eventsUnmatched.inc();
      const r = { report: eventReport(ev, msg, matches), outcomes: [] as PipelineOutcome[] };
      reports.push(r);
      for (const m of matches) {
        this.#d.metrics.eventsMatched.inc({ pipeline: m.pipeline.name });
        work.push((waiting) =>
          this.submit(m, catalog, msg, waiting, ruleSet?.pipelines).then((o) => {
            r.outcomes.push(o);
            outcomes.push(o);
            logOutcome(log, events.length > 1 ? m.event.id : undefined, o);
          }),
        );
      }
    }
    // the records of one notification share the consumer's FRAMEGATE_MAX_IN_FLIGHT with every other message
    await runRecordTasks(work, msg);
    const decision = await decide(this.#d, msg, outcomes, log);
    if (swept !== undefined) countSwept(this.#d.metrics, outcomes, decision, log);
    const fast = this.#d.fastSubject;
    if (fast !== undefined && source === "minio") countCopy(this.#d.metrics, msg, fast, outcomes, decision);
    // a durable copy that found its work done by the fast copy is no new event: the feed shows each frame once
    const durableCopy = fast !== undefined && source === "minio" && copyPath(msg, fast) === "durable";
    // reported after the decision, so a failure on the last delivery shows as dead-lettered
    for (const { report, outcomes: os } of reports) {
      if (!(durableCopy && copyOutcome(os) === "duplicate")) this.#d.onEvent?.(settleReport(report, os, decision));
    }
    return decision;
  }

  /** select (dedupe, sample, batch) then limits, render and create, for one pipeline of one event. */
  private async submit(m: Match, catalog: Catalog, msg: InboundMessage, waiting: () => void, pipelines?: readonly CompiledPipeline[]): Promise<PipelineOutcome> {
    const pipeline = m.pipeline.name;
    const sel = m.pipeline.spec.select;
    const metrics = this.#d.metrics;
    // a swept object may well have been processed already: it is checked like a replay
    // so may an object run on demand without force (a forced run has a new event id, hence no marks)
    const onDemand = msg.header(HEADERS.runPipeline) !== undefined;
    // with the fast path on, MinIO's durable copy usually follows the fast one by 0-3 s: checked like a replay
    const fast = this.#d.fastSubject;
    const path = fast !== undefined && m.event.source === "minio" ? copyPath(msg, fast) : undefined;
    const durableCopy = path === "durable";
    const replay = msg.header(HEADERS.replay) !== undefined || msg.header(HEADERS.sweep) !== undefined || (onDemand && msg.header(HEADERS.runForce) === undefined) || durableCopy;
    // a replay never redoes work that succeeded: every pipeline is checked against its done marks
    const { dedupeMs: windowMs, batchWindowMs } = m.pipeline.durations;
    // an on-demand run asks for this very frame: sampling (which picks frames of a stream) does not apply
    const sampleMs = onDemand ? undefined : m.pipeline.durations.sampleMs;
    const dedupeMs = windowMs !== undefined ? windowMs : replay ? (this.#d.replayWindowMs ?? 7 * 86_400_000) : undefined;
    try {
      // the gateway refuses such a body at POST time; this catches one published on NATS directly
      const bucket = m.event.source === "webhook" ? bodyBucket(m.event.body) : undefined;
      if (bucket !== undefined && pipelines && !pipelineBuckets(m.pipeline, pipelines).includes(bucket)) {
        throw new NonRetriableError(`body.bucket "${bucket.slice(0, 63)}" is not a bucket pipeline ${pipeline} allows (${pipelineBuckets(m.pipeline, pipelines).join(", ")}): add it to its spec.trigger.buckets`, pipeline);
      }
      const duplicate = () => {
        metrics.eventsSkipped.inc({ pipeline, reason: "duplicate" });
        return { pipeline, kind: "skipped", reason: "duplicate" } as const;
      };
      // the fast copy's Workflow made here moments ago: the durable copy needs no state read to know it
      if (durableCopy && dedupeMs !== undefined && this.#d.recentDone?.doneWithin(pipeline, m.event.id, dedupeMs)) return duplicate();
      // with sampling, only look before sampling and claim after it: a sampled-out frame writes no mark
      if (dedupeMs !== undefined && (await (sampleMs === undefined ? this.#dedupe.check(pipeline, m.event.id, dedupeMs) : this.#dedupe.peek(pipeline, m.event.id, dedupeMs))) === "duplicate") {
        return duplicate();
      }
      const partition = renderTemplate(m.pipeline.by, m.vars);
      if (sampleMs !== undefined && !(await this.#sampler.admit(pipeline, partition, m.event.id, sampleMs, eventTime(m.event, msg)))) {
        metrics.eventsSkipped.inc({ pipeline, reason: "sampled" });
        return { pipeline, kind: "skipped", reason: "sampled" };
      }
      if (dedupeMs !== undefined && sampleMs !== undefined && (await this.#dedupe.check(pipeline, m.event.id, dedupeMs)) === "duplicate") return duplicate();
      let r: { workflow: string; outcome: "created" | "exists" };
      if (sel.batch && batchWindowMs !== undefined) {
        this.#checkRunning(pipeline);
        waiting();
        const b = await this.#batcher.add(m, partition, sel.batch.size, batchWindowMs, { checkClaim: msg.deliveryCount > 1, replay });
        if (b.kind === "failed") throw b.error;
        if (b.kind === "duplicate") {
          metrics.eventsSkipped.inc({ pipeline, reason: "duplicate" });
          return { pipeline, kind: "skipped", reason: "duplicate" };
        }
        metrics.eventsBatched.inc({ pipeline });
        r = b;
      } else {
        r = await this.createWorkflow([m], undefined, waiting);
      }
      // done marks for every single-event Workflow: what dedupe windows and replays check
      if (sel.dedupe) await this.#dedupe.done(pipeline, m.event.id, r.workflow);
      else if (!sel.batch) this.#dedupe.doneUnacked(pipeline, m.event.id, r.workflow);
      if (path === "fast" && !sel.batch) this.#d.recentDone?.add(pipeline, m.event.id);
      if (r.outcome === "created") metrics.latency.observe(Math.max(0, Date.now() - msg.timestampMs) / 1000);
      return { pipeline, workflow: r.workflow, kind: r.outcome };
    } catch (e) {
      const err = e as Error;
      if (err instanceof ReleasedError) {
        metrics.eventsReleased.inc({ pipeline, reason: err.reason });
        return { pipeline, kind: "skipped", reason: err.reason };
      }
      if (err instanceof NonRetriableError) {
        metrics.workflowFailures.inc({ pipeline, reason: "rejected" });
        return { pipeline, kind: "rejected", error: err, reason: "rejected" };
      }
      const afterMs = err instanceof RetryAfterError ? err.retryAfterMs : undefined;
      const reason = err instanceof RetryAfterError ? err.reason : "error";
      metrics.workflowFailures.inc({ pipeline, reason });
      return { pipeline, kind: "retry", error: err, reason, afterMs };
    }
  }

  /**
   * Waits for the pipeline's in-flight and rate limits (the message's slot is released while it
   * waits), renders and creates the Workflow. `name` overrides the rendered name (batches); `unlimited`
   * skips the limits (the batch of a withdrawn pipeline). Rendered only once admitted: an event waiting for
   * its limits keeps its match, not a rendered Workflow (~10 KB each; a sampled fleet's first frames wait
   * for `ratePerSecond` by the thousand).
   * @throws ReleasedError when the pipeline no longer runs, now or while the event waits for its limits
   */
  private async createWorkflow(matches: Match[], name?: string, waiting?: () => void, opts: { unlimited?: boolean } = {}): Promise<{ workflow: string; outcome: "created" | "exists" }> {
    const p = matches[0]!.pipeline;
    const pipeline = p.name;
    const { namespace, name: rendered } = workflowIdentity(matches);
    const workflow = name ?? rendered;
    // checked with no await before admit registers its wait, so a withdrawal cannot slip in between
    if (!opts.unlimited) this.#checkRunning(pipeline);
    const counted = opts.unlimited
      ? false
      : await this.limits.admit(pipeline, p.spec.limits, { namespace, name: workflow }, (reason) => {
          waiting?.();
          this.#d.metrics.eventsWaiting.inc({ pipeline, reason });
          return () => this.#d.metrics.eventsWaiting.dec({ pipeline, reason });
        });
    let wf: Workflow;
    try {
      wf = this.#render(matches, this.#d.rules().catalog);
    } catch (e) {
      if (counted) this.limits.unreserve(pipeline, namespace, workflow);
      throw new NonRetriableError(`pipeline ${pipeline}: cannot render the Workflow: ${(e as Error).message}`, pipeline, { cause: e });
    }
    wf.metadata.name = workflow;
    try {
      const outcome = await this.#d.submitter.create(wf);
      if (outcome === "exists" && counted) this.limits.unreserve(pipeline, namespace, workflow);
      this.#d.metrics.workflows.inc({ pipeline, outcome });
      return { workflow, outcome };
    } catch (e) {
      if (counted) this.limits.unreserve(pipeline, namespace, workflow);
      this.#d.metrics.workflows.inc({ pipeline, outcome: "failed" });
      throw e;
    }
  }

  /** Throws ReleasedError when the active rules no longer run `pipeline` (matched just before a change). */
  #checkRunning(pipeline: string): void {
    const pipelines = this.#d.rules().ruleSet?.pipelines;
    const reason = pipelines && withdrawnReason(pipelines, pipeline);
    if (reason) throw new ReleasedError(pipeline, reason);
  }
}

/** Event time for sampling: when the camera's frame landed (MinIO) or the hook was received. */
function eventTime(ev: NormalizedEvent, msg: InboundMessage): number {
  const t = Date.parse(ev.source === "minio" ? ev.eventTime : ev.receivedAt);
  return Number.isFinite(t) ? t : msg.timestampMs;
}
