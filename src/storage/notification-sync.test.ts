import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../test/harness/wait.js";
import type { NotificationClient, NotificationEntry } from "./bucket-notifications.js";
import { NotificationSync, type NotificationCondition } from "./notification-sync.js";

/** A bucket store in memory whose first `failures` reads are refused as MinIO refuses an unknown identity. */
function client(failures: number): NotificationClient & { writes: number } {
  const buckets = new Map<string, NotificationEntry[]>([["raw", []]]);
  let left = failures;
  return {
    writes: 0,
    bucketExists: async (b) => buckets.has(b),
    async read(b) {
      if (left-- > 0) throw Object.assign(new Error("Access Denied."), { code: "AccessDenied" });
      return buckets.get(b)!;
    },
    async write(b, entries) {
      this.writes++;
      buckets.set(b, entries);
    },
  };
}

const want = [{ bucket: "raw", prefix: "cams/", suffix: "", events: ["s3:ObjectCreated:Put"], pipelines: ["a", "b"] }];

describe("NotificationSync", () => {
  it("reports a failure per pipeline, tries again after retryMs, and reports the success", async () => {
    const c = client(1);
    const results: Map<string, NotificationCondition>[] = [];
    const s = new NotificationSync({ client: c, arn: "arn:x", wanted: () => want, isLeader: () => true, onResult: (r) => results.push(r), log: pino({ level: "silent" }), retryMs: 50 });
    await s.run();
    expect([...results[0]!.entries()].map(([p, r]) => `${p}:${r.status}:${r.reason}`)).toEqual(["a:False:AccessDenied", "b:False:AccessDenied"]);
    await waitFor("the retry", () => results.length === 2, 2_000, { pollMs: 10 });
    expect(results[1]!.get("b")).toMatchObject({ status: "True", reason: "Configured" });
    expect(c.writes).toBe(1);
    await s.stop();
  });

  it("runs one pass at a time: a change during a pass makes one more, not one per change; nothing without the Lease", async () => {
    const c = client(0);
    let leader = false;
    let passes = 0;
    const s = new NotificationSync({ client: c, arn: "arn:x", wanted: () => (passes++, want), isLeader: () => leader, onResult: () => undefined, log: pino({ level: "silent" }) });
    await s.run();
    expect(passes).toBe(0);
    leader = true;
    const first = s.run();
    void s.run();
    void s.run();
    await first;
    await waitFor("the one extra pass", () => passes === 2, 2_000, { pollMs: 10 });
    await new Promise((r) => setTimeout(r, 50));
    expect(passes).toBe(2);
    expect(c.writes).toBe(1);
    await s.stop();
  });
});
