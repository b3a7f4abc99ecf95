/**
 * @module flow/status-feed — the live status messages (`event`, `camera`, `workflow`) fanned out to
 * subscribers such as `GET /api/stream`. Publishing is synchronous and never blocks on a subscriber:
 * each one buffers (and bounds) what it cannot deliver at once.
 */
import type { WorkflowChange } from "../workflows/workflow-status.js";
import type { CameraRow } from "./cameras.js";
import type { ProcessedEvent } from "./processor.js";

/** One live update. */
export type StatusMessage =
  | { type: "event"; data: ProcessedEvent }
  | { type: "camera"; data: CameraRow }
  | { type: "workflow"; data: WorkflowChange };

/** What a consumer of the feed needs (the gateway takes this, tests pass a fake). */
export interface StatusSource {
  /** calls `listener` for every message from now on; returns the unsubscribe function */
  subscribe(listener: (m: StatusMessage) => void): () => void;
}

/**
 * @example
 * const feed = new StatusFeed();
 * const off = feed.subscribe((m) => queue.push(m));
 * feed.publish({ type: "camera", data: row });
 * off();
 */
export class StatusFeed implements StatusSource {
  readonly #listeners = new Set<(m: StatusMessage) => void>();

  /** Subscribers right now. */
  get subscribers(): number {
    return this.#listeners.size;
  }

  subscribe(listener: (m: StatusMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Hands `m` to every subscriber; one that throws does not keep it from the others. */
  publish(m: StatusMessage): void {
    for (const l of this.#listeners) {
      try {
        l(m);
      } catch {
        /* the subscriber's own problem: it decides whether to drop itself */
      }
    }
  }
}
