/**
 * @module flow/batch-claim — which batch Workflow a frame belongs to, decided once across replicas, restarts and
 * redeliveries. A frame's membership is its claim `member.<pipeline>.<event id>` in the state store, created only
 * where none exists, naming its batch; the batch's record (batch-record.ts) says what to render it from.
 *
 * The guarantee: a frame is a member of at most one batch; a frame that is a member gets its batch's Workflow
 * (created by whoever holds the batch, or re-created from the record by a redelivered frame: 409 when it exists);
 * a frame is acked only once that Workflow exists. So two replicas holding the same frame (a redelivery after
 * ack_wait, a second notification of the same object, the fast path's copy) never put it in two Workflows, and a
 * crash at any point loses no frame.
 *
 * The cost: one atomic batch per batch Workflow. Every claim and the record go to JetStream together
 * (`StateStore.createAll`: nats-server checks that none of the claims exists before it stores any of them, and
 * stores all or none), two round trips whatever the batch's size, where creating each claim took one request per
 * frame. When that is refused (a frame already claimed, a stream without atomic batches, the server's limit of
 * 50 batches open on a stream at once; its limit of 1,000 messages a batch is above the largest batch, 500 frames
 * and the record) or unanswered, the frames are claimed one by one as before: the record in full first, then each
 * claim; a frame another batch holds goes with that batch, and a crash between record and claims leaves frames
 * unclaimed that `resumeClaims` claims on redelivery. Both paths count in `framegate_batch_claims_total{path}`.
 */
import type { Match } from "../rules/types.js";
import { compactRecord, fullRecord, recordIds, type BatchRecord } from "./batch-record.js";
import { stateKey } from "./keys.js";
import type { StateStore } from "./state-store.js";

export interface Claim {
  batch: string;
}

export interface Claimed {
  /** indices (into the frames claimed) of the frames this batch owns, and of those another batch owned first */
  mine: number[];
  theirs: number[];
  path: "atomic" | "per-frame";
}

/** Claims `matches` (frames of one pipeline and partition) for the batch `name` and writes its record. */
export async function claimFrames(store: StateStore, pipeline: string, partition: string, name: string, matches: readonly Match[]): Promise<Claimed> {
  const recKey = stateKey.batch(pipeline, name);
  const claim: Claim = { batch: name };
  const keys = matches.map((m) => stateKey.member(pipeline, m.event.id));
  if (await store.createAll(keys, claim, { key: recKey, value: compactRecord(pipeline, partition, matches) })) {
    return { mine: matches.map((_, i) => i), theirs: [], path: "atomic" };
  }
  await store.put(recKey, fullRecord(pipeline, partition, matches));
  const mine: number[] = [];
  const theirs: number[] = [];
  await Promise.all(
    keys.map(async (key, i) => {
      if ((await store.create(key, claim)) !== null) return void mine.push(i);
      const existing = await store.get<Claim>(key);
      (existing?.value.batch === name ? mine : theirs).push(i);
    }),
  );
  mine.sort((a, b) => a - b);
  // the record names only the frames the batch owns, so a redelivery renders the Workflow the batch creates
  if (theirs.length && mine.length) await store.put(recKey, fullRecord(pipeline, partition, mine.map((i) => matches[i]!)));
  return { mine, theirs, path: "per-frame" };
}

/** The claim of a frame: the batch it belongs to, or null when no batch claimed it. */
export async function claimOf(store: StateStore, pipeline: string, eventId: string): Promise<string | null> {
  return (await store.get<Claim>(stateKey.member(pipeline, eventId)))?.value.batch ?? null;
}

/**
 * A redelivered frame's batch: its record, and the ids of the record's frames the batch owns. A record written
 * frame by frame (a full record) may name frames left unclaimed by a failure or crash between record and claims; they are claimed
 * now (another batch may have taken some meanwhile: those stay with it). Null when the record is gone (its TTL).
 */
export async function resumeClaims(store: StateStore, pipeline: string, batch: string): Promise<{ record: BatchRecord; owned: Set<string> } | null> {
  const rec = await store.get<BatchRecord>(stateKey.batch(pipeline, batch));
  if (!rec) return null;
  // a compact record was written in one atomic batch with every claim it names: all of them are its own
  if (!("frames" in rec.value)) return { record: rec.value, owned: new Set(recordIds(rec.value)) };
  const owned = new Set<string>();
  for (const id of recordIds(rec.value)) {
    const key = stateKey.member(pipeline, id);
    if ((await store.create<Claim>(key, { batch })) !== null || (await store.get<Claim>(key))?.value.batch === batch) owned.add(id);
  }
  return { record: rec.value, owned };
}
