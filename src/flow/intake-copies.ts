/**
 * @module flow/intake-copies — with the fast path on, every MinIO event reaches the intake twice: from
 * MinIO's live event stream (`Framegate-Fast-Path: live`) and from MinIO's own NATS target (durable, 0-3 s
 * later). MinIO's target sets no `Nats-Msg-Id`, so JetStream cannot drop the second copy; the processor
 * does, by event id: the durable copy is checked against done marks like a replay. This file says which
 * path a message came by and what its copy turned out to be.
 */
import type { PipelineOutcome } from "../status/event-report.js";
import type { InboundMessage } from "../triggers/decision.js";
import { HEADERS } from "../triggers/wire.js";

/** How a MinIO event reached the intake: `live` (the fast path), `durable` (MinIO's target), or neither counted. */
export type CopyPath = "live" | "durable";

/**
 * The path of a message on the MinIO subject, or undefined for messages that are no copy of a live event
 * (swept, replayed, run on demand: they have checks of their own).
 */
export function copyPath(msg: Pick<InboundMessage, "header">): CopyPath | undefined {
  if (msg.header(HEADERS.fastPath) !== undefined) return "live";
  if (msg.header(HEADERS.sweep) !== undefined || msg.header(HEADERS.replay) !== undefined || msg.header(HEADERS.runPipeline) !== undefined) return undefined;
  return "durable";
}

/**
 * `first` when the copy did the work (a Workflow created, or a decision such as sampled), `duplicate` when
 * every pipeline found it done already (a done mark, or its Workflow existed); undefined when it matched no
 * pipeline or will come back (nothing to count yet).
 */
export function copyOutcome(outcomes: readonly PipelineOutcome[]): "first" | "duplicate" | undefined {
  if (outcomes.length === 0 || outcomes.some((o) => o.kind === "retry")) return undefined;
  const dup = outcomes.every((o) => o.kind === "exists" || (o.kind === "skipped" && o.reason === "duplicate"));
  return dup ? "duplicate" : "first";
}
