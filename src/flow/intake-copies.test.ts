import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { pino } from "pino";
import { loadRulesFromText } from "../rules/loader.js";
import { compileMatcher } from "../rules/matcher.js";
import { createMetrics } from "../lib/metrics.js";
import { sampleNotification } from "../triggers/sample-notification.js";
import { decodeMessage } from "../triggers/wire.js";
import { copyPath } from "./intake-copies.js";
import { MemorySubmitter } from "../../test/fakes/memory-submitter.js";
import { Processor } from "./processor.js";
import { MemoryStateStore } from "./state-store.js";
import { RecentDone } from "./recent-done.js";

/** The state store, counting reads of done marks (what the recent-done set spares). */
class CountingStore extends MemoryStateStore {
  reads = 0;
  override get<T>(key: string) {
    if (key.includes("dedupe")) this.reads++;
    return super.get<T>(key);
  }
}

const SERVICES = [{ path: "services/resize/service.yaml", text: readFileSync("services/resize/service.yaml", "utf8") }];

function rules(select: string) {
  const r = loadRulesFromText(
    [
      {
        path: "p.yaml",
        text: `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: p }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  select: ${select}
  workflow:
    steps: [{ name: resize, service: resize }]
    parameters: ${select.includes("batch") ? '{ keys: "{keys}" }' : '{ key: "{key}" }'}
`,
      },
    ],
    SERVICES,
  );
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return { matcher: compileMatcher(r.ruleSet.pipelines), catalog: r.ruleSet.catalog };
}

let seq = 0;
const SUBJECTS = ["minio.events", "minio.fast"];
/** The two copies of one upload: MinIO's fast target's (minio.fast) and its durable target's (minio.events), the same bytes. */
function copies(key: string) {
  const data = new TextEncoder().encode(JSON.stringify(sampleNotification({ bucket: "raw", key, etag: `e-${key}` })));
  const msg = (subject: string, headers: Record<string, string> = {}) => {
    seq += 1;
    const m = { subject, data, seq, deliveryCount: 1, timestampMs: Date.now(), header: (h: string) => headers[h], working: () => undefined, release: () => undefined };
    return decodeMessage(m, SUBJECTS);
  };
  return { fast: () => msg("minio.fast"), durable: () => msg("minio.events"), swept: () => msg("minio.events", { "Framegate-Sweep": "gateway" }) };
}

function setup(select: string, fastPath = true, opts: { recentDone?: RecentDone; state?: MemoryStateStore; submitter?: MemorySubmitter } = {}) {
  const submitter = opts.submitter ?? new MemorySubmitter();
  const metrics = createMetrics({ defaultMetrics: false });
  const r = rules(select);
  const reported: string[] = [];
  const p = new Processor({
    onEvent: (e) => reported.push(e.id),
    rules: () => r,
    submitter,
    deadLetter: { send: async () => undefined },
    metrics,
    log: pino({ level: "silent" }),
    maxDeliver: 5,
    state: opts.state ?? new MemoryStateStore(),
    ...(fastPath && { fastSubject: "minio.fast", recentDone: opts.recentDone }),
  });
  const count = async (path: string, outcome: string) => (await metrics.intakeCopies.get()).values.find((v) => v.labels.path === path && v.labels.outcome === outcome)?.value ?? 0;
  return { p, submitter, count, reported };
}

describe("copyPath", () => {
  it("tells the copies apart by subject, and counts what MinIO did not send as neither", () => {
    const c = copies("gate-00/a.jpg");
    expect(copyPath(c.fast(), "minio.fast")).toBe("fast");
    expect(copyPath(c.durable(), "minio.fast")).toBe("durable");
    expect(copyPath(c.swept(), "minio.fast")).toBeUndefined();
  });
});

describe("two copies of one MinIO event (fast path on)", () => {
  it("the fast copy creates the Workflow; the durable copy is absorbed by the done mark even after the Workflow is gone", async () => {
    const { p, submitter, count, reported } = setup("{}");
    const c = copies("gate-01/a+b.jpg");
    expect(c.fast().decoded).toEqual(c.durable().decoded);
    expect(await p.handle(c.fast())).toEqual({ kind: "ack" });
    submitter.created.clear(); // finished and removed by its TTL before the durable copy came
    expect(await p.handle(c.durable())).toEqual({ kind: "ack" });
    expect(submitter.calls).toBe(1);
    expect(await count("fast", "first")).toBe(1);
    expect(await count("durable", "duplicate")).toBe(1);
    expect(await count("durable", "first")).toBe(0);
    // the absorbed copy is no new event for the live feed (recent events, cameras, the dashboard)
    expect(reported).toEqual(["raw/gate-01/a+b.jpg@e-gate-01/a+b.jpg"]);
  });

  it("a durable copy that comes first does the work, and the fast copy after it finds the Workflow", async () => {
    const { p, submitter, count, reported } = setup("{}");
    const c = copies("gate-02/a.jpg");
    await p.handle(c.durable());
    await p.handle(c.fast());
    expect(submitter.created.size).toBe(1);
    expect(await count("durable", "first")).toBe(1);
    expect(await count("fast", "duplicate")).toBe(1);
    // the durable copy did the work and is reported; so is the fast copy after it (only durable copies are dropped from the feed)
    expect(reported).toHaveLength(2);
  });

  it("batches: the frame goes into one batch whichever copy comes", async () => {
    const { p, submitter } = setup("{ batch: { size: 2, window: 100ms } }");
    const a = copies("gate-03/a.jpg");
    const b = copies("gate-03/b.jpg");
    await Promise.all([p.handle(a.fast()), p.handle(b.fast())]);
    await Promise.all([p.handle(a.durable()), p.handle(b.durable())]);
    expect(submitter.created.size).toBe(1);
    expect(JSON.stringify([...submitter.created.values()][0]!.spec.arguments)).toContain("gate-03/a.jpg");
  });

  it("with the fast path off nothing checks the durable copy (so the check above is what absorbs it)", async () => {
    const { p, submitter, count } = setup("{}", false);
    const c = copies("gate-04/a.jpg");
    await p.handle(c.fast());
    submitter.created.clear();
    await p.handle(c.durable());
    expect(submitter.created.size).toBe(1);
    expect(submitter.calls).toBe(2);
    expect(await count("durable", "duplicate")).toBe(0);
  });
});

describe("the recent-done set (fast path on)", () => {
  it("absorbs the durable copy of a fast copy this process did without reading its done mark", async () => {
    const state = new CountingStore();
    const lookups: string[] = [];
    const recent = new RecentDone(10, { lookup: (r) => lookups.push(r), evicted: () => undefined, entries: () => undefined });
    const { p, submitter, count } = setup("{}", true, { state, recentDone: recent });
    const c = copies("gate-05/a.jpg");
    await p.handle(c.fast());
    const readsAfterFast = state.reads;
    expect(await p.handle(c.durable())).toEqual({ kind: "ack" });
    expect(state.reads).toBe(readsAfterFast);
    expect(lookups).toEqual(["hit"]);
    expect(submitter.calls).toBe(1);
    expect(await count("durable", "duplicate")).toBe(1);
  });

  it("another replica's durable copy misses and is absorbed by the done mark, as before", async () => {
    const state = new CountingStore();
    const submitter = new MemorySubmitter();
    const a = setup("{}", true, { state, submitter, recentDone: new RecentDone(10) });
    const lookups: string[] = [];
    const b = setup("{}", true, { state, submitter, recentDone: new RecentDone(10, { lookup: (r) => lookups.push(r), evicted: () => undefined, entries: () => undefined }) });
    const c = copies("gate-06/a.jpg");
    await a.p.handle(c.fast());
    submitter.created.clear();
    const before = state.reads;
    await b.p.handle(c.durable());
    expect(lookups).toEqual(["miss"]);
    expect(state.reads).toBeGreaterThan(before);
    expect(submitter.calls).toBe(1);
    expect(await b.count("durable", "duplicate")).toBe(1);
  });

  it("keeps nothing from swept or durable copies, nor for batching pipelines", async () => {
    const recent = new RecentDone(10);
    const { p } = setup("{ batch: { size: 1, window: 100ms } }", true, { recentDone: recent });
    await p.handle(copies("gate-07/a.jpg").fast());
    const plain = setup("{}", true, { recentDone: recent });
    await plain.p.handle(copies("gate-07/b.jpg").durable());
    await plain.p.handle(copies("gate-07/c.jpg").swept());
    expect(recent.size).toBe(0);
    await plain.p.handle(copies("gate-07/d.jpg").fast());
    expect(recent.size).toBe(1);
  });
});

describe("RecentDone", () => {
  const counted = () => {
    const c = { hit: 0, miss: 0, evicted: 0, entries: 0 };
    const m = { lookup: (r: "hit" | "miss") => c[r]++, evicted: (n: number) => (c.evicted += n), entries: (n: number) => (c.entries = n) };
    return { c, m };
  };

  it("at its limit drops the oldest entry first and counts it", () => {
    const { c, m } = counted();
    const r = new RecentDone(2, m);
    r.add("p", "e1", 1000);
    r.add("p", "e2", 1001);
    r.add("p", "e3", 1002);
    expect(r.size).toBe(2);
    expect(c.evicted).toBe(1);
    expect(c.entries).toBe(2);
    expect(r.doneWithin("p", "e1", 60_000, 1003)).toBe(false);
    expect(r.doneWithin("p", "e3", 60_000, 1003)).toBe(true);
    expect(r.doneWithin("q", "e3", 60_000, 1003)).toBe(false);
    expect([c.hit, c.miss]).toEqual([1, 2]);
  });

  it("trusts an entry only within the pipeline's window and its own age limit, and drops aged entries uncounted", () => {
    const { c, m } = counted();
    const r = new RecentDone(100, m, 30_000);
    r.add("p", "e1", 0);
    expect(r.doneWithin("p", "e1", 5_000, 4_999)).toBe(true);
    expect(r.doneWithin("p", "e1", 5_000, 5_000)).toBe(false);
    expect(r.doneWithin("p", "e1", 86_400_000, 29_999)).toBe(true);
    expect(r.doneWithin("p", "e1", 86_400_000, 30_000)).toBe(false);
    r.add("p", "e2", 30_000);
    expect(r.size).toBe(1);
    expect(c.evicted).toBe(0);
  });

  it("with a limit of 0 keeps nothing, and refuses a bad limit", () => {
    const r = new RecentDone(0);
    r.add("p", "e1", 0);
    expect(r.size).toBe(0);
    expect(() => new RecentDone(-1)).toThrow(/whole number >= 0/);
  });
});
