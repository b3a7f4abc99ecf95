import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { CleanupStack } from "./cleanup-stack.js";

describe("CleanupStack", () => {
  it("runs the steps last-first, awaiting each, and past one that fails", async () => {
    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (l: string) => void lines.push(l) });
    const ran: string[] = [];
    const s = new CleanupStack(log);
    s.defer("a", () => void ran.push("a"));
    s.defer("b", () => Promise.reject(new Error("b broke", { cause: new Error("root") })));
    s.defer("c", async () => {
      await new Promise((r) => setTimeout(r, 20));
      ran.push("c");
    });
    await s.close();
    expect(ran).toEqual(["c", "a"]);
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!) as { step: string; err: { message: string; stack: string } };
    expect(logged.step).toBe("b");
    // the error object is logged: pino keeps its stack and joins the cause into the message
    expect(logged.err.message).toBe("b broke: root");
    expect(logged.err.stack).toMatch(/^Error: b broke\n\s+at /);
  });

  it("closes once, however often it is called, and refuses steps after", async () => {
    const s = new CleanupStack(pino({ level: "silent" }));
    let n = 0;
    s.defer("x", () => void n++);
    await Promise.all([s.close(), s.close()]);
    expect(n).toBe(1);
    expect(() => s.defer("late", () => undefined)).toThrow(/already closed; cannot defer "late"/);
  });
});
