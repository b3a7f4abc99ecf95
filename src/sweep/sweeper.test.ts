import { readFileSync } from "node:fs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { MemoryLister } from "../../test/fakes/memory-lister.js";
import { createMetrics } from "../lib/metrics.js";
import { loadRulesFromText } from "../rules/loader.js";
import { compileMatcher } from "../rules/matcher.js";
import { MemoryStateStore } from "../flow/state-store.js";
import { Processor } from "../flow/processor.js";
import type { DeadLetter } from "../flow/dead-letter.js";
import { parseMinioNotificationText } from "../triggers/minio-event.js";
import type { InboundMessage } from "../triggers/decision.js";
import type { EventPublisher } from "../triggers/stream.js";
import { HEADERS, decodeMessage } from "../triggers/wire.js";
import type { Workflow, WorkflowSubmitter } from "../workflows/types.js";
import { Sweeper, type SweepDeps } from "./sweeper.js";

const SERVICES = [{ path: "services/resize/service.yaml", text: readFileSync("services/resize/service.yaml", "utf8") }];
const log = pino({ level: "silent" });

function rules() {
  const r = loadRulesFromText(
    [
      {
        path: "p.yaml",
        text: `apiVersion: framegate/v1
kind: Pipeline
metadata: { name: each }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg", where: { metadata: { motion: "true" } } }
  workflow:
    steps: [{ name: resize, service: resize }]
    parameters: { key: "{key}" }
`,
      },
    ],
    SERVICES,
  );
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return { ruleSet: r.ruleSet, matcher: compileMatcher(r.ruleSet.pipelines), catalog: r.ruleSet.catalog };
}

interface Published {
  subject: string;
  data: Uint8Array;
  msgId: string;
  headers: Record<string, string>;
}

class MemoryPublisher implements EventPublisher {
  readonly messages: Published[] = [];
  async publish(subject: string, data: Uint8Array, opts: { msgId: string; headers?: Record<string, string> }) {
    this.messages.push({ subject, data, msgId: opts.msgId, headers: opts.headers ?? {} });
    return { seq: this.messages.length, duplicate: false };
  }
}

const now = Date.now();

function setup() {
  const lister = new MemoryLister();
  const add = (key: string, agoMs: number, motion = "true") => {
    lister.add(key, now - agoMs);
    lister.objects.at(-1)!.userMetadata = { "X-Amz-Meta-Motion": motion, "content-type": "image/jpeg" };
  };
  const publisher = new MemoryPublisher();
  const state = new MemoryStateStore();
  const metrics = createMetrics({ defaultMetrics: false });
  const r = rules();
  const d: SweepDeps = { lister, publisher, minioSubject: "minio.events", rules: () => r, origin: "gateway" };
  const clock = { at: now };
  const sweeper = () =>
    new Sweeper(d, { intervalMs: 60_000, marginMs: 10_000, lookbackMs: 3_600_000, maxPages: 10, pagesPerSecond: 1000, state, metrics, log, clock: () => clock.at });
  return { lister, add, publisher, state, metrics, sweeper, rules: r, clock };
}

describe("Sweeper", () => {
  it("publishes what a rule wants as MinIO would have: same event id, metadata and content type, marked as swept", async () => {
    const s = setup();
    s.add("gate-01/2026/12/01/100000-1.jpg", 60_000);
    s.add("gate-01/2026/12/01/100000-2.jpg", 60_000, "false"); // where.metadata excludes it
    s.add("gate-01/2026/12/01/100000-3.jpg", 2 * 3_600_000); // before the look-back of a first sweep
    const report = await s.sweeper().tick();
    expect(report).toMatchObject({ targets: 1, listed: 3, inWindow: 2, published: 1, unfinished: 0, errors: [] });
    const [m] = s.publisher.messages;
    expect(m!.subject).toBe("minio.events");
    expect(m!.headers).toEqual({ [HEADERS.sweep]: "gateway" });
    expect(m!.msgId).toBe("sweep:raw/gate-01/2026/12/01/100000-1.jpg@e-gate-01/2026/12/01/100000-1.jpg");
    const [ev] = parseMinioNotificationText(new TextDecoder().decode(m!.data));
    expect(ev).toMatchObject({ id: "raw/gate-01/2026/12/01/100000-1.jpg@e-gate-01/2026/12/01/100000-1.jpg", metadata: { motion: "true" }, contentType: "image/jpeg", eventName: "s3:ObjectCreated:Put" });
    expect(Date.parse((ev as { eventTime: string }).eventTime)).toBe(now - 60_000);
    const text = await s.metrics.registry.metrics();
    expect(text).toMatch(/framegate_sweep_objects_listed_total\{bucket="raw"\} 3/);
    expect(text).toMatch(/framegate_sweep_objects_published_total\{bucket="raw"\} 1/);
    expect(text).toMatch(/framegate_sweep_last_success_timestamp_seconds \d{10}/);
  });

  it("says when the listing hides metadata (no s3:GetObject): a metadata rule cannot see those objects", async () => {
    const s = setup();
    s.lister.add("gate-01/a.jpg", now - 60_000);
    s.lister.objects.at(-1)!.metadataHidden = true;
    const report = await s.sweeper().tick();
    expect(report).toMatchObject({ listed: 1, inWindow: 1, published: 0, metadataHidden: ["raw"] });
    expect(await s.metrics.registry.metrics()).toMatch(/framegate_sweep_errors_total\{reason="metadata-hidden"\} 1/);
  });

  it("one replica sweeps: the other finds the lease taken; the checkpoint means the next sweep publishes only what is new", async () => {
    const s = setup();
    s.add("gate-01/a.jpg", 60_000);
    const a = s.sweeper();
    const b = s.sweeper();
    expect(await a.tick()).toBeDefined();
    expect(await b.tick()).toBeUndefined();
    expect(s.publisher.messages).toHaveLength(1);
    s.add("gate-01/b.jpg", 0); // too young for this sweep (margin)
    s.clock.at += 5_000;
    await a.tick();
    expect(s.publisher.messages).toHaveLength(1);
    // a stops (releases the lease): b takes over from the stored checkpoint
    await a.stop();
    s.clock.at += 10_000;
    const r = await b.tick();
    expect(r?.published).toBe(1);
    expect(s.publisher.messages.map((m) => m.msgId.split("@")[0])).toEqual(["sweep:raw/gate-01/a.jpg", "sweep:raw/gate-01/b.jpg"]);
  });
});

describe("a swept event in the processor", () => {
  class Submitter implements WorkflowSubmitter {
    readonly names = new Set<string>();
    async create(wf: Workflow) {
      if (this.names.has(wf.metadata.name)) return "exists" as const;
      this.names.add(wf.metadata.name);
      return "created" as const;
    }
  }
  const inbound = (p: Published, seq: number, swept: boolean) =>
    decodeMessage<InboundMessage>(
      {
        subject: p.subject,
        data: p.data,
        seq,
        deliveryCount: 1,
        timestampMs: Date.now(),
        header: (n) => (swept ? p.headers[n] : undefined),
        working: () => undefined,
      },
      "minio.events",
    );

  it("counts late when the intake never saw the object, seen when it did; never a second Workflow", async () => {
    const s = setup();
    s.add("gate-01/seen.jpg", 60_000);
    s.add("gate-01/missed.jpg", 60_000);
    await s.sweeper().tick();
    const [missed, seen] = s.publisher.messages; // key order
    const submitter = new Submitter();
    const processor = new Processor({
      rules: () => s.rules,
      submitter,
      deadLetter: { send: async () => undefined } as unknown as DeadLetter,
      metrics: s.metrics,
      log,
      maxDeliver: 5,
      state: s.state,
    });
    // MinIO's own notification of "seen" (no sweep header) came first
    expect(await processor.handle(inbound(seen!, 1, false))).toEqual({ kind: "ack" });
    expect(await processor.handle(inbound(seen!, 2, true))).toEqual({ kind: "ack" });
    expect(await processor.handle(inbound(missed!, 3, true))).toEqual({ kind: "ack" });
    // ... and MinIO's late copy of "missed" after the sweep's
    expect(await processor.handle(inbound(missed!, 4, false))).toEqual({ kind: "ack" });
    expect(submitter.names.size).toBe(2);
    const text = await s.metrics.registry.metrics();
    expect(text).toMatch(/framegate_sweep_events_total\{pipeline="each",outcome="late"\} 1/);
    expect(text).toMatch(/framegate_sweep_events_total\{pipeline="each",outcome="seen"\} 1/);
  });
});
