import { describe, expect, it } from "vitest";
import { usageCheck } from "./stream-usage.js";

const MiB = 1024 ** 2;

describe("usageCheck", () => {
  it("reports each stream against its limit and stays quiet below 80 %", () => {
    const r = usageCheck([{ stream: "FG", role: "intake", bytes: 79 * MiB, limitBytes: 100 * MiB, messages: 7 }]);
    expect(r).toEqual({ ok: true, warn: false, detail: "FG (intake): 79 MiB of 100 MiB (79%), 7 messages" });
  });

  it("warns from 80 % and says what happens at the limit, still ready", () => {
    const r = usageCheck([
      { stream: "FG", role: "intake", bytes: 100 * MiB, limitBytes: 100 * MiB, messages: 9 },
      { stream: "KV_state", role: "state", bytes: 80 * MiB, limitBytes: 100 * MiB, messages: 1 },
    ]);
    expect(r.ok).toBe(true);
    expect(r.warn).toBe(true);
    expect(r.detail).toMatch(/FG \(intake\): 100 MiB of 100 MiB \(100%\), 9 messages — warning: at its limit; when full, new input is refused \(webhooks 503/);
    expect(r.detail).toMatch(/KV_state \(state\): .*\(80%\).* near its limit; .*FRAMEGATE_KV_MAX_BYTES/);
  });

  it("warns on a missing or unlimited stream", () => {
    const r = usageCheck([
      { stream: "FG_HISTORY", role: "history", bytes: 0, limitBytes: -1, messages: 0, missing: true },
      { stream: "FG_DLQ", role: "dead-letters", bytes: 10, limitBytes: -1, messages: 1 },
    ]);
    expect(r.warn).toBe(true);
    expect(r.detail).toBe("FG_HISTORY (history): missing — run `framegate setup`; FG_DLQ (dead-letters): 10 bytes, no limit — run `framegate setup`");
  });
});
