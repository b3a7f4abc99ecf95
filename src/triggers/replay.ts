/**
 * @module triggers/replay — re-drives dead-lettered events (or a time range of the intake's replay window)
 * through the current rules by publishing them again on their original subject. Replayed messages
 * carry `Framegate-Replay`; the processor checks them against the work already done, so a replay never
 * duplicates a Workflow that was created before.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type StoredMsg } from "@nats-io/jetstream";
import { FramegateError } from "../lib/errors.js";
import { historyStreamName } from "./jetstream-config.js";
import { DLQ_HEADERS, EVENT_HEADERS, HEADERS } from "./wire.js";

export interface ReplayFilter {
  /** "dlq": the dead-letter stream; "range": the replay window (`<stream>_HISTORY`) between `since` and `until` */
  from: "dlq" | "range";
  /** dead-letter kind: bad-event, rejected, exhausted */
  kind?: string;
  pipeline?: string;
  since?: Date;
  until?: Date;
  limit?: number;
  dryRun?: boolean;
}

export interface ReplayItem {
  seq: number;
  subject: string;
  kind?: string;
  pipeline?: string;
  reason?: string;
  at: string;
}

export interface ReplayResult {
  scanned: number;
  replayed: number;
  items: ReplayItem[];
}

export async function replay(
  nc: NatsConnection,
  names: { stream: string; dlqStream: string },
  f: ReplayFilter,
  progress?: (scanned: number, replayed: number) => void,
): Promise<ReplayResult> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  // the intake is a work queue (processed messages leave it); its replay window keeps them
  const stream = f.from === "dlq" ? names.dlqStream : historyStreamName(names.stream);
  let info;
  try {
    info = await jsm.streams.info(stream);
  } catch (e) {
    throw new FramegateError(`stream ${stream} not found: run \`framegate setup\` first (${(e as Error).message})`);
  }
  const { first_seq: first, last_seq: last, messages } = info.state;
  const out: ReplayResult = { scanned: 0, replayed: 0, items: [] };
  if (messages === 0) return out;
  let seq = first;
  const limit = f.limit ?? Number.MAX_SAFE_INTEGER;
  for (; seq <= last && out.replayed < limit; seq++) {
    let m: StoredMsg | null;
    try {
      m = await jsm.streams.getMessage(stream, { seq });
    } catch {
      continue; // deleted by retention
    }
    if (!m) continue;
    if (f.until && m.time > f.until) break;
    if (f.since && m.time < f.since) continue;
    out.scanned += 1;
    const h = m.header;
    const item: ReplayItem = {
      seq: m.seq,
      subject: f.from === "dlq" ? h.get(DLQ_HEADERS.subject) : m.subject,
      kind: f.from === "dlq" ? h.get(DLQ_HEADERS.kind) || undefined : undefined,
      pipeline: h.get(DLQ_HEADERS.pipeline) || undefined,
      reason: h.get(DLQ_HEADERS.reason) || undefined,
      at: m.time.toISOString(),
    };
    if (f.kind && item.kind !== f.kind) continue;
    if (f.pipeline && item.pipeline !== f.pipeline) continue;
    if (!item.subject) continue;
    if (!f.dryRun) {
      const hdrs = natsHeaders();
      hdrs.set(HEADERS.replay, `${stream}:${m.seq}`);
      for (const k of EVENT_HEADERS) {
        const v = h.get(k);
        if (v) hdrs.set(k, v);
      }
      await js.publish(item.subject, m.data, { headers: hdrs, msgID: `replay-${stream}-${m.seq}` });
    }
    out.replayed += 1;
    if (out.items.length < 1000) out.items.push(item);
    if (out.scanned % 500 === 0) progress?.(out.scanned, out.replayed);
  }
  return out;
}
