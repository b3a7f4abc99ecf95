import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { pino, type Bindings } from "pino";
import { lazyChild } from "./lazy-logger.js";

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const out = new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk)) as Record<string, unknown>), cb()) });
  const parent = pino({ level }, out);
  let children = 0;
  const child = parent.child.bind(parent);
  parent.child = ((b: Bindings) => (children++, child(b))) as typeof parent.child;
  return { parent, lines, children: () => children };
}

describe("lazyChild", () => {
  it("makes no child, and asks for no bindings, while nothing at an enabled level is logged", () => {
    const c = capture("warn");
    let asked = 0;
    const log = lazyChild(c.parent, () => (asked++, { event: "e1" }));
    log.info({ pipeline: "p" }, "workflow created");
    log.debug("event skipped");
    expect([c.children(), asked, c.lines.length]).toEqual([0, 0, 0]);
  });

  it("makes the child once, on the first line let through, and every line carries its bindings", async () => {
    const c = capture("info");
    const log = lazyChild(c.parent, () => ({ event: "e2", seq: 7 }));
    log.debug("not written");
    expect(c.children()).toBe(0);
    log.info({ pipeline: "p" }, "workflow created");
    log.warn({ err: new Error("boom") }, "workflow create failed, will retry");
    await new Promise((r) => setImmediate(r));
    expect(c.children()).toBe(1);
    expect(c.lines.map((l) => [l.msg, l.event, l.seq])).toEqual([
      ["workflow created", "e2", 7],
      ["workflow create failed, will retry", "e2", 7],
    ]);
    expect((c.lines[1]!.err as { message: string }).message).toBe("boom");
  });
});
