/**
 * @module flow/record-pool — runs the (event, pipeline) pairs of one message within the consumer's
 * FRAMEGATE_MAX_IN_FLIGHT: the message's own slot, plus any slot free right now. A notification of
 * 10,000 records does not start 10,000 creates at once. A pair that is only waiting (a batch to fill, a
 * limit) gives its slot back, so the next can start; one pair of a message may always run, so a message
 * whose slot was released (or that finds every slot taken) still moves on.
 */
import type { InboundMessage } from "../triggers/decision.js";

/** One unit of work; calls `waiting()` when it only waits from then on. */
export type RecordTask = (waiting: () => void) => Promise<void>;

/** The consumer's side: the message's slot and more of them. */
export type SlotSource = Pick<InboundMessage, "release" | "trySlot">;

interface Slot {
  /** the task finished: the slot goes back */
  done(): void;
  /** the task waits: the slot goes back to the consumer */
  waiting(): void;
}

/**
 * Runs every task; resolves when all have settled (tasks are expected not to reject).
 * @example await runRecordTasks(matches.map((m) => (waiting) => submit(m, waiting)), msg)
 */
export function runRecordTasks(tasks: RecordTask[], msg: SlotSource): Promise<void> {
  if (tasks.length === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let next = 0;
    let settled = 0;
    /** tasks running and not only waiting */
    let active = 0;
    let ownHeld = true;
    let ownInUse = false;

    const acquire = (): Slot | undefined => {
      if (ownHeld && !ownInUse) {
        ownInUse = true;
        return {
          done: () => (ownInUse = false),
          waiting: () => {
            ownInUse = false;
            ownHeld = false;
            msg.release?.();
          },
        };
      }
      const give = msg.trySlot?.();
      if (give) return { done: give, waiting: give };
      // liveness: with nothing of this message running, one task may run without a slot
      if (active === 0) return { done: () => undefined, waiting: () => undefined };
      return undefined;
    };

    const start = () => {
      while (next < tasks.length) {
        const slot = acquire();
        if (!slot) return;
        const task = tasks[next++]!;
        active += 1;
        let holding = true;
        const free = (how: () => void) => {
          if (!holding) return;
          holding = false;
          active -= 1;
          how();
        };
        void task(() => {
          free(slot.waiting);
          start();
        })
          .catch(() => undefined)
          .finally(() => {
            free(slot.done);
            settled += 1;
            if (settled === tasks.length) resolve();
            else start();
          });
      }
    };
    start();
  });
}
