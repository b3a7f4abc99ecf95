import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { pino } from "pino";
import { loadRulesFromText } from "../rules/loader.js";
import { compileMatcher } from "../rules/matcher.js";
import { createMetrics } from "../lib/metrics.js";
import { NonRetriableError } from "../lib/errors.js";
import { decodeMessage } from "../triggers/wire.js";
import type { Workflow } from "../workflows/types.js";
import { MemorySubmitter } from "../../test/fakes/memory-submitter.js";
import { Processor, type ProcessorDeps } from "./processor.js";
import { renderWorkflow } from "../workflows/render.js";
import { MemoryStateStore } from "./state-store.js";
import { Limits } from "./limits.js";
import { stateKey } from "./keys.js";
import type { DeadLetter } from "./dead-letter.js";

const SERVICES = ["resize", "detect"].map((s) => ({ path: `services/${s}/service.yaml`, text: readFileSync(`services/${s}/service.yaml`, "utf8") }));

function rules(select: string, limits = "") {
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
  limits: ${limits || "{}"}
  workflow:
    steps: [{ name: resize, service: resize }]
    parameters: ${select.includes("batch") ? '{ keys: "{keys}", count: "{count}" }' : '{ key: "{key}" }'}
`,
      },
    ],
    SERVICES,
  );
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return { matcher: compileMatcher(r.ruleSet.pipelines), catalog: r.ruleSet.catalog };
}

let seq = 0;
function msg(key: string, etag = `e-${key}`, eventTime = "2026-11-28T12:00:00.000Z", deliveryCount = 1) {
  seq += 1;
  const body = JSON.stringify({
    EventName: "s3:ObjectCreated:Put",
    Key: `raw/${key}`,
    Records: [{ eventVersion: "2.0", eventSource: "minio:s3", eventTime, eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "raw" }, object: { key: encodeURIComponent(key), size: 10, eTag: etag, contentType: "image/jpeg" } } }],
  });
  const m = {
    subject: "minio.events",
    data: new TextEncoder().encode(body),
    seq,
    deliveryCount,
    timestampMs: Date.now(),
    header: () => undefined,
    working: () => undefined,
    released: false,
    release: () => {
      m.released = true;
    },
  };
  return decodeMessage(m, "minio.events");
}

function processor(r: ReturnType<typeof rules>, opts: { limits?: Limits; submitter?: MemorySubmitter; state?: MemoryStateStore; render?: ProcessorDeps["render"] } = {}) {
  const submitter = opts.submitter ?? new MemorySubmitter();
  const dead: { kind: string; reason: string }[] = [];
  const deadLetter: DeadLetter = { send: async (_m, kind, reason) => void dead.push({ kind, reason }) };
  const metrics = createMetrics({ defaultMetrics: false });
  const p = new Processor({ rules: () => r, submitter, deadLetter, metrics, log: pino({ level: "silent" }), maxDeliver: 5, state: opts.state ?? new MemoryStateStore(), limits: opts.limits, render: opts.render });
  return { p, submitter, dead, metrics };
}

const keysOf = (wf: Workflow) => JSON.parse((wf.spec.arguments as { parameters: { name: string; value: string }[] }).parameters.find((x) => x.name === "keys")!.value) as string[];

describe("Processor select stage", () => {
  it("dedupe: the same object is processed once, even when its Workflow is gone", async () => {
    const { p, submitter, metrics } = processor(rules("{ dedupe: 24h }"));
    expect(await p.handle(msg("cam-1/a.jpg", "x"))).toEqual({ kind: "ack" });
    submitter.created.clear(); // the Workflow was garbage-collected after it finished
    expect(await p.handle(msg("cam-1/a.jpg", "x"))).toEqual({ kind: "ack" });
    expect(submitter.calls).toBe(1);
    expect((await metrics.eventsSkipped.get()).values.find((v) => v.labels.reason === "duplicate")?.value).toBe(1);
    // a new version of the object (new eTag) is new work
    await p.handle(msg("cam-1/a.jpg", "y"));
    expect(submitter.calls).toBe(2);
  });

  it("dedupe: a claim left by a crash before the create is resumed, not skipped", async () => {
    const state = new MemoryStateStore();
    const r = rules("{ dedupe: 24h }");
    const first = processor(r, { state });
    const failing = { create: async () => Promise.reject(new Error("connection reset")) } as unknown as MemorySubmitter;
    const crashed = processor(r, { state, submitter: failing });
    expect((await crashed.p.handle(msg("cam-2/a.jpg", "z"))).kind).toBe("nak");
    expect(await first.p.handle(msg("cam-2/a.jpg", "z"))).toEqual({ kind: "ack" });
    expect(first.submitter.created.size).toBe(1);
  });

  it("sample: at most one event per camera per interval, by event time", async () => {
    const { p, submitter, metrics } = processor(rules("{ sample: 5s }"));
    for (let i = 0; i < 10; i++) await p.handle(msg(`cam-3/${i}.jpg`, `e${i}`, `2026-11-28T12:00:0${i}.000Z`));
    for (let i = 0; i < 3; i++) await p.handle(msg(`cam-4/${i}.jpg`, `f${i}`, `2026-11-28T12:00:0${i}.000Z`));
    // cam-3: t=0 and t=5; cam-4: t=0
    expect(submitter.created.size).toBe(3);
    expect((await metrics.eventsSkipped.get()).values.find((v) => v.labels.reason === "sampled")?.value).toBe(10);
  });

  it("dedupe + sample: a frame that sampling drops leaves no dedupe mark; the admitted one is marked done", async () => {
    const state = new MemoryStateStore();
    const { p, submitter } = processor(rules("{ dedupe: 24h, sample: 5s }"), { state });
    for (let i = 0; i < 4; i++) expect(await p.handle(msg(`cam-5/${i}.jpg`, `g${i}`, `2026-11-28T12:00:0${i}.000Z`))).toEqual({ kind: "ack" });
    expect(submitter.created.size).toBe(1);
    const dedupeMarks = [...state.data.entries()].filter(([k]) => k.startsWith("dedupe."));
    expect(dedupeMarks).toHaveLength(1);
    expect(dedupeMarks[0]![1].value).toMatchObject({ state: "done" });
    // the admitted frame again (a MinIO resend): a duplicate, not a second Workflow
    await p.handle(msg("cam-5/0.jpg", "g0", "2026-11-28T12:00:00.000Z"));
    expect(submitter.calls).toBe(1);
  });

  it("the records of one notification count against FRAMEGATE_MAX_IN_FLIGHT: 10,000 records, never more than the free slots at once", async () => {
    const submitter = new MemorySubmitter();
    let now = 0;
    let peak = 0;
    const create = submitter.create.bind(submitter);
    submitter.create = async (wf) => {
      peak = Math.max(peak, ++now);
      await new Promise((r) => setImmediate(r));
      now -= 1;
      return create(wf);
    };
    const { p } = processor(rules("{}"), { submitter });
    const records = Array.from({ length: 10_000 }, (_, i) => ({ eventVersion: "2.0", eventSource: "minio:s3", eventTime: "2026-11-28T12:00:00.000Z", eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "raw" }, object: { key: `cam-9%2F${i}.jpg`, size: 10, eTag: `r${i}`, contentType: "image/jpeg" } } }));
    let free = 7; // the consumer's other free slots
    const m = decodeMessage(
      { subject: "minio.events", data: new TextEncoder().encode(JSON.stringify({ EventName: "s3:ObjectCreated:Put", Key: "raw/cam-9/0.jpg", Records: records })), seq: ++seq, deliveryCount: 1, timestampMs: Date.now(), header: () => undefined, working: () => undefined,
        trySlot: () => (free > 0 ? (free--, () => void free++) : undefined) },
      "minio.events",
    );
    const heapBefore = process.memoryUsage().heapUsed;
    expect(await p.handle(m)).toEqual({ kind: "ack" });
    expect(submitter.created.size).toBe(10_000);
    expect(peak).toBe(8); // its own slot + the 7 free ones
    expect(free).toBe(7);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  }, 60_000);

  it("every log line about an event names it; a notification with many records names at most 10 ids per line", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
    const p = new Processor({ rules: () => rules("{ dedupe: 1h }"), submitter: new MemorySubmitter(), deadLetter: { send: async () => undefined }, metrics: createMetrics({ defaultMetrics: false }), log, maxDeliver: 5, state: new MemoryStateStore() });
    await p.handle(msg("cam-1/a.jpg", "e1"));
    await p.handle(msg("cam-1/a.jpg", "e1")); // a duplicate: skipped, at debug
    expect(lines.map((l) => [l.msg, l.event])).toEqual([
      ["workflow created", "raw/cam-1/a.jpg@e1"],
      ["event skipped", "raw/cam-1/a.jpg@e1"],
    ]);
    expect(lines[0]).toMatchObject({ pipeline: "p", workflow: expect.stringMatching(/^p-cam-1-/) });

    lines.length = 0;
    const records = Array.from({ length: 25 }, (_, i) => ({ eventVersion: "2.0", eventSource: "minio:s3", eventTime: "2026-11-28T12:00:00.000Z", eventName: "s3:ObjectCreated:Put", s3: { bucket: { name: "raw" }, object: { key: `cam-2%2F${i}.jpg`, size: 10, eTag: `r${i}`, contentType: "image/jpeg" } } }));
    const m = decodeMessage({ subject: "minio.events", data: new TextEncoder().encode(JSON.stringify({ EventName: "s3:ObjectCreated:Put", Key: "raw/cam-2/0.jpg", Records: records })), seq: ++seq, deliveryCount: 1, timestampMs: Date.now(), header: () => undefined, working: () => undefined }, "minio.events");
    await p.handle(m);
    const created = lines.filter((l) => l.msg === "workflow created");
    expect(created.map((l) => l.event).sort()).toEqual(records.map((_, i) => `raw/cam-2/${i}.jpg@r${i}`).sort());
    for (const l of created) {
      expect(l.records).toBe(25);
      expect((l.events as string[]).length).toBe(10);
    }
  });

  it("a webhook event on NATS naming a bucket its pipeline does not allow is dead-lettered, not submitted", async () => {
    const r = loadRulesFromText(
      [
        { path: "a.yaml", text: "apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata: { name: frames }\nspec:\n  trigger: { bucket: raw }\n  workflow: { steps: [{ name: resize, service: resize }] }\n" },
        { path: "b.yaml", text: "apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata: { name: alerts }\nspec:\n  trigger: { source: webhook, hook: vms }\n  workflow: { steps: [{ name: resize, service: resize }] }\n" },
      ],
      SERVICES,
    );
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
    const active = { matcher: compileMatcher(r.ruleSet.pipelines), catalog: r.ruleSet.catalog, ruleSet: r.ruleSet };
    const submitter = new MemorySubmitter();
    const dead: { kind: string; reason: string }[] = [];
    const p = new Processor({ rules: () => active, submitter, deadLetter: { send: async (_m, kind, reason) => void dead.push({ kind, reason }) }, metrics: createMetrics({ defaultMetrics: false }), log: pino({ level: "silent" }), maxDeliver: 5 });
    const hook = (body: unknown) =>
      decodeMessage({ subject: "framegate.hooks.vms", data: new TextEncoder().encode(JSON.stringify(body)), seq: ++seq, deliveryCount: 1, timestampMs: Date.now(), header: () => undefined, working: () => undefined }, "minio.events");
    expect(await p.handle(hook({ bucket: "argo-artifacts", key: "x" }))).toEqual({ kind: "ack" });
    expect(submitter.calls).toBe(0);
    expect(dead).toEqual([{ kind: "rejected", reason: 'body.bucket "argo-artifacts" is not a bucket pipeline alerts allows (models, raw): add it to its spec.trigger.buckets' }]);
    expect(await p.handle(hook({ bucket: "raw", key: "gate-1/a.jpg" }))).toEqual({ kind: "ack" });
    expect(submitter.calls).toBe(1);
  });

  it("batch: one Workflow per `size` frames of a camera; frames acked only once it exists", async () => {
    const submitter = new MemorySubmitter();
    let open!: () => void;
    submitter.gate = new Promise((r) => (open = r));
    const { p } = processor(rules("{ batch: { size: 4, window: 10s } }"), { submitter });
    const msgs = Array.from({ length: 8 }, (_, i) => msg(`cam-5/${i}.jpg`));
    const done = msgs.map((m) => p.handle(m));
    let settled = 0;
    done.forEach((d) => void d.then(() => (settled += 1)));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(0);
    expect(msgs.every((m) => m.released)).toBe(true);
    open();
    expect(await Promise.all(done)).toEqual(Array(8).fill({ kind: "ack" }));
    expect(submitter.created.size).toBe(2);
    const batches = [...submitter.created.values()].map(keysOf).map((k) => k.sort());
    expect(batches).toEqual([
      ["cam-5/0.jpg", "cam-5/1.jpg", "cam-5/2.jpg", "cam-5/3.jpg"],
      ["cam-5/4.jpg", "cam-5/5.jpg", "cam-5/6.jpg", "cam-5/7.jpg"],
    ]);
  });

  it("batch: a partial batch is flushed when its window ends", async () => {
    const { p, submitter } = processor(rules("{ batch: { size: 16, window: 200ms } }"));
    const t0 = Date.now();
    await Promise.all([p.handle(msg("cam-6/a.jpg")), p.handle(msg("cam-6/b.jpg")), p.handle(msg("cam-7/a.jpg"))]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect([...submitter.created.values()].map(keysOf).map((k) => k.length).sort()).toEqual([1, 2]);
  });

  it("batch: after a crash a redelivered frame goes with the batch that claimed it, never into a second", async () => {
    const state = new MemoryStateStore();
    const r = rules("{ batch: { size: 2, window: 10s } }");
    const dying = processor(r, { state, submitter: { create: async () => Promise.reject(new Error("socket hang up")) } as unknown as MemorySubmitter });
    const d = await Promise.all([dying.p.handle(msg("cam-8/a.jpg")), dying.p.handle(msg("cam-8/b.jpg"))]);
    expect(d.map((x) => x.kind)).toEqual(["nak", "nak"]);
    // the redelivery arrives together with a new frame: a and b keep their batch, c starts a new one
    const next = processor(r, { state });
    const redelivered = (k: string) => msg(k, `e-${k}`, undefined, 2);
    const out = await Promise.all([next.p.handle(redelivered("cam-8/a.jpg")), next.p.handle(msg("cam-8/c.jpg")), next.p.handle(redelivered("cam-8/b.jpg")), next.p.handle(msg("cam-8/d.jpg"))]);
    expect(out.map((x) => x.kind)).toEqual(["ack", "ack", "ack", "ack"]);
    const batches = [...next.submitter.created.values()].map(keysOf).map((k) => k.sort().join(","));
    expect(batches.sort()).toEqual(["cam-8/a.jpg,cam-8/b.jpg", "cam-8/c.jpg,cam-8/d.jpg"]);
  });

  it("batch: a frame left unclaimed by a failure while its batch claimed frames is in one batch only", async () => {
    // the store fails b's claim: the batch record names a and b, but only a is claimed (as after a crash mid-claim)
    const bClaim = stateKey.member("p", "raw/cam-15/b.jpg@e-cam-15/b.jpg");
    let failing = true;
    class FlakyStore extends MemoryStateStore {
      // no atomic claim (a stream without allow_atomic): the frames are claimed one by one, after the record
      override async createAll() {
        return false;
      }
      override async create<T>(key: string, value: T) {
        if (failing && key === bClaim) throw new Error("state store create of the claim failed");
        return super.create(key, value);
      }
    }
    const state = new FlakyStore();
    const r = rules("{ batch: { size: 2, window: 200ms } }");
    const first = processor(r, { state });
    const d = await Promise.all([first.p.handle(msg("cam-15/a.jpg")), first.p.handle(msg("cam-15/b.jpg"))]);
    expect(d.map((x) => x.kind)).toEqual(["nak", "nak"]);
    failing = false;
    const next = processor(r, { state });
    const redelivered = (k: string) => msg(k, `e-${k}`, undefined, 2);
    const out = await Promise.all([next.p.handle(redelivered("cam-15/a.jpg")), next.p.handle(redelivered("cam-15/b.jpg")), next.p.handle(msg("cam-15/c.jpg"))]);
    expect(out.map((x) => x.kind)).toEqual(["ack", "ack", "ack"]);
    const all = [...next.submitter.created.values()].flatMap(keysOf);
    expect(all.sort()).toEqual(["cam-15/a.jpg", "cam-15/b.jpg", "cam-15/c.jpg"]);
  });

  it("maxInFlight: waits while the pipeline is at its limit, resumes as Workflows finish", async () => {
    let unfinished = 2;
    const limits = new Limits({ unfinished: () => unfinished, has: () => true });
    const { p, submitter } = processor(rules("{}", "{ maxInFlight: 2 }"), { limits });
    const m = msg("cam-9/a.jpg");
    const d = p.handle(m);
    await new Promise((r) => setTimeout(r, 300));
    expect(submitter.calls).toBe(0);
    expect(m.released).toBe(true);
    unfinished = 1;
    limits.changed();
    expect(await d).toEqual({ kind: "ack" });
    expect(submitter.calls).toBe(1);
  });

  it("maxInFlight: a waiting event is rendered only once admitted, under the name it waited with", async () => {
    let unfinished = 1;
    let rendered = 0;
    const limits = new Limits({ unfinished: () => unfinished, has: () => true });
    const render: ProcessorDeps["render"] = (ms, catalog) => (rendered++, renderWorkflow(ms, catalog));
    const r = rules("{}", "{ maxInFlight: 1 }");
    const { p, submitter } = processor(r, { limits, render });
    const m = msg("cam-18/a.jpg");
    if (!m.decoded.ok) throw new Error("fixture");
    const expected = renderWorkflow(r.matcher.match(m.decoded.events[0]!), r.catalog).metadata.name;
    const d = p.handle(m);
    await new Promise((r) => setTimeout(r, 200));
    expect([rendered, submitter.calls]).toEqual([0, 0]);
    unfinished = 0;
    limits.changed();
    expect(await d).toEqual({ kind: "ack" });
    expect(rendered).toBe(1);
    expect([...submitter.created.keys()]).toEqual([expected]);
  });

  it("maxInFlight: waiters woken together for one free slot take it one at a time", async () => {
    const submitter = new MemorySubmitter();
    let finished = 0;
    const limits = new Limits({ unfinished: () => submitter.created.size - finished, has: () => true });
    const { p } = processor(rules("{}", "{ maxInFlight: 2 }"), { limits, submitter });
    const all = Array.from({ length: 6 }, (_, i) => p.handle(msg(`cam-14/${i}.jpg`)));
    await new Promise((r) => setTimeout(r, 300));
    expect(submitter.created.size).toBe(2);
    finished = 1; // one Workflow finished: one slot, four waiters
    limits.changed();
    await new Promise((r) => setTimeout(r, 300));
    expect(submitter.created.size).toBe(3);
    finished = 6;
    limits.changed();
    expect((await Promise.all(all)).map((d) => d.kind)).toEqual(["ack", "ack", "ack", "ack", "ack", "ack"]);
  });

  it("ratePerSecond: submissions are spread out", async () => {
    const { p, submitter } = processor(rules("{}", "{ ratePerSecond: 10 }"));
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.handle(msg(`cam-10/${i}.jpg`))));
    expect(submitter.created.size).toBe(20);
    // one at once, then 19 more spaced by 100 ms
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1800);
  });

  it("batch: a frame that arrives twice as separate notifications is in one batch only", async () => {
    const { p, submitter } = processor(rules("{ batch: { size: 2, window: 100ms } }"));
    await Promise.all([p.handle(msg("cam-12/a.jpg")), p.handle(msg("cam-12/b.jpg"))]);
    await Promise.all([p.handle(msg("cam-12/a.jpg")), p.handle(msg("cam-12/c.jpg"))]);
    const all = [...submitter.created.values()].flatMap(keysOf);
    expect(all.filter((k) => k === "cam-12/a.jpg")).toHaveLength(1);
    expect(all.sort()).toEqual(["cam-12/a.jpg", "cam-12/b.jpg", "cam-12/c.jpg"]);
  });

  it("batch: a batch's frames are claimed in one atomic write; a frame claimed before sends that batch frame by frame, and goes with its first batch", async () => {
    const creates: string[] = [];
    class CountingStore extends MemoryStateStore {
      override async create<T>(key: string, value: T) {
        creates.push(key);
        return super.create(key, value);
      }
    }
    const state = new CountingStore();
    const { p, submitter, metrics } = processor(rules("{ batch: { size: 3, window: 100ms } }"), { state });
    const first = await Promise.all(["a", "b", "c"].map((f) => p.handle(msg(`cam-16/${f}.jpg`))));
    expect(first.map((d) => d.kind)).toEqual(["ack", "ack", "ack"]);
    expect(creates.filter((k) => k.startsWith("member."))).toEqual([]);
    // b again (a second notification of the same object) with two new frames
    const second = await Promise.all(["d", "b", "e"].map((f) => p.handle(msg(`cam-16/${f}.jpg`))));
    expect(second.map((d) => d.kind)).toEqual(["ack", "ack", "ack"]);
    expect(creates.filter((k) => k.startsWith("member."))).toHaveLength(3);
    const batches = [...submitter.created.values()].map(keysOf).map((k) => k.sort().join(","));
    expect(batches).toEqual(["cam-16/a.jpg,cam-16/b.jpg,cam-16/c.jpg", "cam-16/d.jpg,cam-16/e.jpg"]);
    const claims = (await metrics.batchClaims.get()).values.map((v) => [v.labels.path, v.value]);
    expect(claims.sort()).toEqual([
      ["atomic", 1],
      ["per-frame", 1],
    ]);
  });

  it("batch: the same frame twice while its batch fills is one member; both messages are acked with it", async () => {
    const { p, submitter } = processor(rules("{ batch: { size: 3, window: 10s } }"));
    const out = await Promise.all([p.handle(msg("cam-17/a.jpg")), p.handle(msg("cam-17/a.jpg")), p.handle(msg("cam-17/b.jpg")), p.handle(msg("cam-17/c.jpg"))]);
    expect(out.map((d) => d.kind)).toEqual(["ack", "ack", "ack", "ack"]);
    expect([...submitter.created.values()].map(keysOf).map((k) => k.sort())).toEqual([["cam-17/a.jpg", "cam-17/b.jpg", "cam-17/c.jpg"]]);
  });

  it("replay: an event whose Workflow was created before is skipped, a new one is processed", async () => {
    const { p, submitter } = processor(rules("{}"));
    await p.handle(msg("cam-13/a.jpg"));
    submitter.created.clear();
    const replayed = (k: string) => ({ ...msg(k), header: (h: string) => (h === "Framegate-Replay" ? "dlq-1" : undefined) });
    await p.handle(replayed("cam-13/a.jpg"));
    await p.handle(replayed("cam-13/b.jpg"));
    expect([...submitter.created.values()].map((w) => w.metadata.annotations["framegate.io/key"])).toEqual(["cam-13/b.jpg"]);
  });

  it("a Workflow the API rejects is dead-lettered and the message acked", async () => {
    const submitter = { create: async () => Promise.reject(new NonRetriableError("422 Invalid: metadata.labels")) } as unknown as MemorySubmitter;
    const { p, dead } = processor(rules("{}"), { submitter });
    expect(await p.handle(msg("cam-11/a.jpg"))).toEqual({ kind: "ack" });
    expect(dead).toEqual([{ kind: "rejected", reason: "422 Invalid: metadata.labels" }]);
  });

  it("logs the error object when it cannot dead-letter, so its stack and cause survive", async () => {
    const lines: { msg: string; err?: { type: string; message: string; stack: string } }[] = [];
    const log = pino({ level: "warn" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const deadLetter: DeadLetter = { send: () => Promise.reject(new Error("publish failed", { cause: new Error("no responders") })) };
    const p = new Processor({ rules: () => rules("{}"), submitter: new MemorySubmitter(), deadLetter, metrics: createMetrics({ defaultMetrics: false }), log, maxDeliver: 5 });
    const bad = decodeMessage({ ...msg("cam-16/a.jpg"), data: new TextEncoder().encode("{not json") }, "minio.events");
    expect((await p.handle(bad)).kind).toBe("nak");
    const logged = lines.find((l) => l.msg === "could not dead-letter; will retry the message");
    expect(logged?.err?.message).toBe("publish failed: no responders");
    expect(logged?.err?.stack).toMatch(/^Error: publish failed\n\s+at /);
  });
});
