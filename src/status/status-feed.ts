/**
 * @module status/status-feed — the live status messages (`event`, `camera`, `workflow`) fanned out to
 * subscribers such as `GET /api/stream`. Publishing is synchronous and never blocks on a subscriber:
 * each one buffers (and bounds) what it cannot deliver at once.
 */
import type { WorkflowChange } from "../workflows/workflow-status.js";
import type { CameraRow } from "./cameras.js";
import type { ProcessedEvent } from "./processed-event.js";

/** One live update. */
export type StatusMessage =
  | { type: "event"; data: ProcessedEvent }
  | { type: "camera"; data: CameraRow }
  | { type: "workflow"; data: WorkflowChange };

/** What a consumer of the feed needs (the gateway takes this, tests pass a fake). */
export interface StatusSource {
  /**
   * Calls `listener` for every message from now on, and `onClose` when the feed closes (shutdown: end the
   * stream, or the HTTP server waits for it). Returns the unsubscribe function.
   */
  subscribe(listener: (m: StatusMessage) => void, onClose?: () => void): () => void;
}

/**
 * @example
 * const feed = new StatusFeed();
 * const off = feed.subscribe((m) => queue.push(m));
 * feed.publish({ type: "camera", data: row });
 * off();
 */
export class StatusFeed implements StatusSource {
  /** listener -> its onClose */
  readonly #listeners = new Map<(m: StatusMessage) => void, (() => void) | undefined>();
  #closed = false;

  /** Subscribers right now. */
  get subscribers(): number {
    return this.#listeners.size;
  }

  subscribe(listener: (m: StatusMessage) => void, onClose?: () => void): () => void {
    if (this.#closed) {
      onClose?.();
      return () => undefined;
    }
    this.#listeners.set(listener, onClose);
    return () => this.#listeners.delete(listener);
  }

  /** Ends the feed: every subscriber's `onClose` runs, later subscribers are closed at once. */
  close(): void {
    this.#closed = true;
    const closers = [...this.#listeners.values()];
    this.#listeners.clear();
    for (const c of closers) {
      try {
        c?.();
      } catch {
        /* closing is best effort */
      }
    }
  }

  /** Hands `m` to every subscriber; one that throws does not keep it from the others. */
  publish(m: StatusMessage): void {
    for (const l of this.#listeners.keys()) {
      try {
        l(m);
      } catch {
        /* the subscriber's own problem: it decides whether to drop itself */
      }
    }
  }
}
