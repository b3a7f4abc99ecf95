/**
 * @module flow/intake-copies — with the fast path on, every MinIO event reaches the intake twice: from
 * MinIO's store-less NATS target on the fast subject (at once) and from its durable target on the MinIO
 * subject (0-3 s later: its `queue_dir` store is replayed on a fixed 3 s timer). Neither target sets a
 * `Nats-Msg-Id`, so JetStream cannot drop the second copy; the processor does, by event id: the durable
 * copy is checked against done marks like a replay. This file says which path a message came by and what
 * its copy turned out to be.
 */
import type { PipelineOutcome } from "../status/event-report.js";
import type { InboundMessage } from "../triggers/decision.js";
import { HEADERS } from "../triggers/wire.js";

/** How a MinIO event reached the intake: `fast` (MinIO's store-less target), `durable` (its target with `queue_dir`). */
export type CopyPath = "fast" | "durable";

/**
 * The path of a message carrying MinIO notifications, or undefined for messages that are no copy MinIO
 * sent (swept, replayed, run on demand: they have checks of their own).
 */
export function copyPath(msg: Pick<InboundMessage, "header" | "subject">, fastSubject: string): CopyPath | undefined {
  if (msg.header(HEADERS.sweep) !== undefined || msg.header(HEADERS.replay) !== undefined || msg.header(HEADERS.runPipeline) !== undefined) return undefined;
  return msg.subject === fastSubject ? "fast" : "durable";
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
