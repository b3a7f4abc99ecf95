import { describe, expect, it } from "vitest";
import { TurnBatch, turnBatchOf } from "./turn-batch.js";

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe("TurnBatch", () => {
  it("runs the tasks of one turn together at its end, in the order queued", async () => {
    const b = new TurnBatch();
    const ran: string[] = [];
    b.run(() => ran.push("a"));
    await Promise.resolve(); // a microtask later is still the same turn
    b.run(() => ran.push("b"));
    expect(ran).toEqual([]);
    expect(b.pending).toBe(2);
    await nextTurn();
    expect(ran).toEqual(["a", "b"]);
    expect(b.pending).toBe(0);
  });

  it("runs the queue at once when it reaches its limit", () => {
    const b = new TurnBatch(3);
    const ran: number[] = [];
    for (let i = 0; i < 3; i++) b.run(() => ran.push(i));
    expect(ran).toEqual([0, 1, 2]);
    expect(b.pending).toBe(0);
  });

  it("gives a task's error to its own handler and still runs the others", async () => {
    const b = new TurnBatch();
    const errors: unknown[] = [];
    const ran: string[] = [];
    b.run(
      () => {
        throw new Error("connection closed");
      },
      (e) => errors.push(e),
    );
    b.run(() => ran.push("after"));
    b.flush();
    expect((errors[0] as Error).message).toBe("connection closed");
    expect(ran).toEqual(["after"]);
    await nextTurn(); // the scheduled run finds nothing left
    expect(ran).toEqual(["after"]);
  });

  it("is shared by everything writing to one owner", () => {
    const nc = {};
    expect(turnBatchOf(nc)).toBe(turnBatchOf(nc));
    expect(turnBatchOf(nc)).not.toBe(turnBatchOf({}));
  });
});
