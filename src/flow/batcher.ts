/**
 * @module flow/batcher — one Workflow per up to `size` frames or `window` per partition.
 * Frames wait (unacked) until their batch's Workflow exists. A batch becomes durable before its Workflow is
 * created: its frames are claimed for it and its record written (batch-claim.ts, where the guarantee is spelled
 * out: a frame is in one batch Workflow only, across replicas and crashes). A frame another batch claimed first
 * goes with that batch; a redelivered, claimed frame re-creates its batch's Workflow from the record (409 when it
 * exists) and is acked.
 */
import type { Logger } from "pino";
import type { Match } from "../rules/types.js";
import { claimFrames, claimOf, resumeClaims } from "./batch-claim.js";
import { recordMatches, type StoredFrame } from "./batch-record.js";
import type { StateStore } from "./state-store.js";

export type BatchResult = { kind: "done"; workflow: string; outcome: "created" | "exists" } | { kind: "failed"; error: Error };

interface Waiting {
  match: Match;
  resolve(r: BatchResult): void;
}

interface Open {
  pipeline: string;
  partition: string;
  frames: Waiting[];
  /** the frames by event id: a duplicate delivery joins its frame's wait (looked up, not searched: batches hold up to 500) */
  byId: Map<string, Waiting>;
  timer: NodeJS.Timeout;
}

export interface BatcherDeps {
  store: StateStore;
  log: Logger;
  /** the deterministic name of a batch of these frames */
  nameOf(matches: Match[]): string;
  /**
   * creates the Workflow for the frames under `name` (limits, render, submit); `unlimited`: the batch of a
   * pipeline that was suspended or deleted, submitted at once without waiting for its limits
   */
  create(matches: Match[], name: string, opts?: { unlimited?: boolean }): Promise<{ workflow: string; outcome: "created" | "exists" }>;
  /** rebuilds a Match for a stored frame with the current rules; undefined if the pipeline is gone */
  rematch(pipeline: string, frame: StoredFrame): Match | undefined;
  /** called with the number of frames now waiting in open batches, per pipeline */
  waiting?(pipeline: string, delta: number): void;
  /** called once per batch claimed, with how (batch-claim.ts) */
  claimed?(pipeline: string, path: "atomic" | "per-frame"): void;
}

export class Batcher {
  readonly #open = new Map<string, Open>();
  constructor(private readonly d: BatcherDeps) {}

  /** Frames in open batches, all pipelines. */
  get waitingFrames(): number {
    let n = 0;
    for (const o of this.#open.values()) n += o.frames.length;
    return n;
  }

  /**
   * Adds a frame; resolves when its batch's Workflow exists (or failed). A frame that already
   * belongs to a batch (a redelivery after a crash) resolves with that batch instead.
   */
  async add(match: Match, partition: string, size: number, windowMs: number, opts: { checkClaim?: boolean; replay?: boolean } = {}): Promise<BatchResult | { kind: "duplicate" }> {
    const pipeline = match.pipeline.name;
    // Only a redelivered or replayed frame can already belong to a batch; a duplicate notification of
    // a frame (a new message) is caught by the atomic claim at flush.
    if (opts.checkClaim || opts.replay) {
      if (opts.replay && (await claimOf(this.d.store, pipeline, match.event.id)) !== null) return { kind: "duplicate" };
      const resumed = await this.resume(match);
      if (resumed) return resumed;
    }
    return new Promise<BatchResult>((resolve) => {
      const k = `${pipeline}\u0000${partition}`;
      let o = this.#open.get(k);
      const prev = o?.byId.get(match.event.id);
      if (prev) {
        // the same frame twice in one open batch (a duplicate delivery): share the outcome
        const prevResolve = prev.resolve;
        prev.resolve = (r) => (prevResolve(r), resolve(r));
        return;
      }
      if (!o) {
        const timer = setTimeout(() => void this.flush(k), windowMs);
        o = { pipeline, partition, frames: [], byId: new Map(), timer };
        this.#open.set(k, o);
      }
      const w: Waiting = { match, resolve };
      o.frames.push(w);
      o.byId.set(match.event.id, w);
      this.d.waiting?.(pipeline, 1);
      if (o.frames.length >= size) void this.flush(k);
    });
  }

  /** When the frame was claimed by a batch before, makes sure that batch's Workflow exists. */
  async resume(match: Match): Promise<BatchResult | null> {
    const pipeline = match.pipeline.name;
    const batch = await claimOf(this.d.store, pipeline, match.event.id);
    if (batch === null) return null;
    const stored = await resumeClaims(this.d.store, pipeline, batch);
    if (!stored) return null;
    const matches = recordMatches(stored.record, stored.owned, (f: StoredFrame) => this.d.rematch(pipeline, f));
    if (matches.length === 0) return { kind: "failed", error: new Error(`batch ${batch}: pipeline ${pipeline} no longer exists`) };
    try {
      const r = await this.d.create(matches, batch);
      return { kind: "done", ...r };
    } catch (e) {
      return { kind: "failed", error: e as Error };
    }
  }

  /** Flushes every open batch now (shutdown, tests). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.#open.keys()].map((k) => this.flush(k)));
  }

  /**
   * Submits every open batch of `pipeline` now, without waiting for its window or its limits (the
   * pipeline was suspended or deleted). Returns the number of batches and frames it submits.
   */
  flushPipeline(pipeline: string): { batches: number; frames: number } {
    const keys = [...this.#open].filter(([, o]) => o.pipeline === pipeline);
    const frames = keys.reduce((n, [, o]) => n + o.frames.length, 0);
    for (const [k] of keys) void this.flush(k, { unlimited: true });
    return { batches: keys.length, frames };
  }

  /** Fails every open batch so its frames are handed back to JetStream (shutdown without flushing). */
  abandonAll(reason: Error): void {
    for (const [k, o] of this.#open) {
      clearTimeout(o.timer);
      this.#open.delete(k);
      this.d.waiting?.(o.pipeline, -o.frames.length);
      for (const f of o.frames) f.resolve({ kind: "failed", error: reason });
    }
  }

  private async flush(k: string, opts: { unlimited?: boolean } = {}): Promise<void> {
    const o = this.#open.get(k);
    if (!o) return;
    this.#open.delete(k);
    clearTimeout(o.timer);
    this.d.waiting?.(o.pipeline, -o.frames.length);
    const frames = o.frames;
    const settle = (f: Waiting[], r: BatchResult) => f.forEach((w) => w.resolve(r));
    try {
      const matches = frames.map((f) => f.match);
      const name = this.d.nameOf(matches);
      const claimed = await claimFrames(this.d.store, o.pipeline, o.partition, name, matches);
      this.d.claimed?.(o.pipeline, claimed.path);
      // frames another batch claimed first go with that batch
      for (const i of claimed.theirs) {
        const f = frames[i]!;
        void this.resume(f.match).then((r) => f.resolve(r ?? { kind: "failed", error: new Error("claimed batch has no record") }));
      }
      if (claimed.mine.length === 0) return;
      const mine = claimed.mine.map((i) => frames[i]!);
      const r = await this.d.create(
        mine.map((f) => f.match),
        name,
        opts,
      );
      settle(mine, { kind: "done", ...r });
    } catch (e) {
      this.d.log.warn({ pipeline: o.pipeline, partition: o.partition, frames: frames.length, err: e }, "batch failed; its frames go back to JetStream");
      settle(frames, { kind: "failed", error: e as Error });
    }
  }
}
