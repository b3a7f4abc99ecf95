/**
 * @module status/event-report — builds the {@link ProcessedEvent} the processor reports for each event:
 * where it came from, its camera, and per matched pipeline the Workflow and the word the API and the
 * dashboard show for what became of it.
 */
import type { Match } from "../rules/types.js";
import type { Decision, InboundMessage } from "../triggers/decision.js";
import type { NormalizedEvent } from "../triggers/event.js";
import type { ProcessedEvent } from "./processed-event.js";

/** What became of one event for one pipeline it matched. */
export type PipelineOutcome =
  | { pipeline: string; workflow: string; kind: "created" | "exists" }
  | { pipeline: string; workflow?: string; kind: "skipped"; reason: "duplicate" | "sampled" | "suspended" | "deleted" }
  | { pipeline: string; workflow?: string; kind: "rejected"; error: Error; reason: string }
  | { pipeline: string; workflow?: string; kind: "retry"; error: Error; reason: string; afterMs?: number };

type MessageRef = Pick<InboundMessage, "seq" | "timestampMs">;

/** The report of an event before its outcomes are known (`matches` empty). */
export function eventReport(ev: NormalizedEvent, msg: MessageRef, matches: readonly Match[]): ProcessedEvent {
  const camera = matches.find((m) => m.camera)?.camera ?? (ev.source === "minio" ? ev.metadata["camera"] : undefined);
  if (ev.source === "minio") {
    return { seq: msg.seq, receivedAt: ev.eventTime || new Date(msg.timestampMs).toISOString(), source: "minio", id: ev.id, bucket: ev.bucket, key: ev.key, camera, matches: [] };
  }
  return { seq: msg.seq, receivedAt: ev.receivedAt, source: "webhook", id: ev.id, hook: ev.hook, camera, matches: [] };
}

/** The report of a message that is no event: it has no id of its own, so the sequence names it. */
export function badEventReport(msg: MessageRef, source: ProcessedEvent["source"], reason: string): ProcessedEvent {
  return { seq: msg.seq, receivedAt: new Date(msg.timestampMs).toISOString(), source, id: `seq-${msg.seq}`, matches: [], error: reason };
}

/** Fills in `report.matches` once the message's Decision is known (a failure on the last delivery shows as dead-lettered). */
export function settleReport(report: ProcessedEvent, outcomes: readonly PipelineOutcome[], decision: Decision): ProcessedEvent {
  report.matches = outcomes.map((o) => ({ pipeline: o.pipeline, workflow: o.workflow, outcome: outcomeLabel(o, decision) }));
  return report;
}

/** The word /api/events and the dashboard show for one pipeline of one event. */
export function outcomeLabel(o: PipelineOutcome, d: Decision): string {
  if (o.kind === "skipped") return o.reason;
  if (o.kind === "rejected") return "dead-lettered";
  if (o.kind === "retry") return d.kind === "term" ? "dead-lettered" : "retrying";
  return o.kind;
}
