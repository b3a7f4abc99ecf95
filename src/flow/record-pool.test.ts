import { describe, expect, it } from "vitest";
import { runRecordTasks, type RecordTask } from "./record-pool.js";

/** A consumer with `free` slots besides the message's own, counting what is taken. */
function slots(free: number) {
  const s = { free, taken: 0, released: 0, release: () => void (s.released += 1), trySlot: () => {
    if (s.free === 0) return undefined;
    s.free -= 1;
    s.taken += 1;
    return () => void (s.free += 1);
  } };
  return s;
}

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("runRecordTasks", () => {
  it("runs at most the message's own slot plus the free ones at once, and every task", async () => {
    const s = slots(3);
    let now = 0;
    let peak = 0;
    let ran = 0;
    const tasks: RecordTask[] = Array.from({ length: 200 }, () => async () => {
      now += 1;
      peak = Math.max(peak, now);
      await tick();
      now -= 1;
      ran += 1;
    });
    await runRecordTasks(tasks, s);
    expect(ran).toBe(200);
    expect(peak).toBe(4);
    expect(s.free).toBe(3); // every extra slot given back
    expect(s.released).toBe(0); // the message's own slot stays with it
  });

  it("with no slot free runs one at a time on the message's own", async () => {
    let now = 0;
    let peak = 0;
    const tasks: RecordTask[] = Array.from({ length: 20 }, () => async () => {
      peak = Math.max(peak, ++now);
      await tick();
      now -= 1;
    });
    await runRecordTasks(tasks, slots(0));
    expect(peak).toBe(1);
  });

  it("a task that only waits gives its slot back, so the others start (a batch fills instead of timing out)", async () => {
    const s = slots(0);
    let joined = 0;
    let full!: () => void;
    const batchFull = new Promise<void>((r) => (full = r));
    // each task joins the batch, then waits for it: the batch needs all 5 at once
    const tasks: RecordTask[] = Array.from({ length: 5 }, () => async (waiting) => {
      joined += 1;
      if (joined === 5) full();
      waiting();
      await batchFull;
    });
    await runRecordTasks(tasks, s);
    expect(joined).toBe(5);
    expect(s.released).toBe(1); // the first waiter released the message's own slot
  });
});
