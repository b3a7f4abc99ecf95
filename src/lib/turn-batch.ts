/**
 * @module lib/turn-batch — runs small write tasks together once per event-loop turn. The NATS client
 * flushes its outbound buffer in the microtask after the first write, so acks, marks and reports made by
 * handlers that finish in different I/O callbacks of one turn would each cost a socket write (a quarter
 * of the gateway's CPU at 1,000 events/s); queued here, a turn's writes leave in one.
 */

/** Tasks queued before the queue is run at once rather than at the end of the turn (bounds its memory). */
export const TURN_BATCH_LIMIT = 4096;

interface Task {
  run: () => void;
  onError?: (err: unknown) => void;
}

export class TurnBatch {
  #queue: Task[] = [];
  #scheduled = false;

  constructor(private readonly limit = TURN_BATCH_LIMIT) {}

  /** Number of tasks waiting for the end of this turn. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Runs `task` at the end of this event-loop turn (setImmediate), with every other task queued in it.
   * `onError` gets what it throws (the other tasks still run); without one, that is dropped.
   */
  run(task: () => void, onError?: (err: unknown) => void): void {
    this.#queue.push({ run: task, onError });
    if (this.#queue.length >= this.limit) return this.flush();
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Runs every queued task now, in the order queued (shutdown calls it before closing the connection). */
  flush(): void {
    const q = this.#queue;
    this.#queue = [];
    for (const t of q) {
      try {
        t.run();
      } catch (err) {
        t.onError?.(err);
      }
    }
  }
}

const shared = new WeakMap<object, TurnBatch>();

/** The one batch of `owner` (a NATS connection), so every writer on it shares a turn's write. */
export function turnBatchOf(owner: object): TurnBatch {
  let b = shared.get(owner);
  if (!b) shared.set(owner, (b = new TurnBatch()));
  return b;
}
