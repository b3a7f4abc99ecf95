/**
 * @module flow/dedupe — the same object (bucket/key@etag) or webhook id is processed once per pipeline
 * within the window, across restarts and replicas. A mark is `claimed` before the Workflow is created
 * and `done` after; a redelivery that finds its own claim resumes (the create is idempotent), so a
 * crash between the two never loses the event.
 */
import { stateKey } from "./keys.js";
import type { StateStore } from "./state-store.js";

interface Mark {
  state: "claimed" | "done";
  at: number;
  workflow?: string;
}

export type DedupeVerdict = "new" | "resume" | "duplicate";

export class Dedupe {
  constructor(private readonly store: StateStore) {}

  /**
   * What `check` would say, without writing a claim: for pipelines that also sample, so a frame that
   * sampling then drops leaves no mark (nothing would ever read it).
   */
  async peek(pipeline: string, eventId: string, windowMs: number, now = Date.now()): Promise<DedupeVerdict> {
    const e = await this.store.get<Mark>(stateKey.dedupe(pipeline, eventId));
    if (e && now - e.value.at < windowMs) return e.value.state === "done" ? "duplicate" : "resume";
    return "new";
  }

  /** Claims the event unless it was done within the window (or claimed: then resume, the create is idempotent). */
  async check(pipeline: string, eventId: string, windowMs: number, now = Date.now()): Promise<DedupeVerdict> {
    const key = stateKey.dedupe(pipeline, eventId);
    for (let attempt = 0; attempt < 3; attempt++) {
      const e = await this.store.get<Mark>(key);
      if (e && now - e.value.at < windowMs) return e.value.state === "done" ? "duplicate" : "resume";
      const mark: Mark = { state: "claimed", at: now };
      const rev = e ? await this.store.update(key, mark, e.revision) : await this.store.create(key, mark);
      if (rev !== null) return "new";
    }
    return "resume";
  }

  async done(pipeline: string, eventId: string, workflow: string, now = Date.now()): Promise<void> {
    await this.store.put<Mark>(stateKey.dedupe(pipeline, eventId), { state: "done", at: now, workflow });
  }

  /**
   * A done mark for a pipeline without a dedupe window, for replays only: written without waiting for
   * the ack (one round trip less per Workflow). If it is lost, a replay re-creates that Workflow, which
   * exists unless its TTL removed it.
   */
  doneUnacked(pipeline: string, eventId: string, workflow: string, now = Date.now()): void {
    this.store.putUnacked<Mark>(stateKey.dedupe(pipeline, eventId), { state: "done", at: now, workflow });
  }
}
