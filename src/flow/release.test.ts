import { readFileSync } from "node:fs";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { minioNotificationObject } from "../../test/fixtures/minio-notification.js";
import { createMetrics } from "../lib/metrics.js";
import { loadRulesFromText } from "../rules/loader.js";
import { compileMatcher } from "../rules/matcher.js";
import type { CompiledPipeline } from "../rules/types.js";
import type { ProcessedEvent } from "../status/processed-event.js";
import { decodeMessage } from "../triggers/wire.js";
import type { Workflow, WorkflowSubmitter } from "../workflows/types.js";
import { Limits } from "./limits.js";
import type { ActiveRules } from "./processor.js";
import { Processor } from "./processor.js";
import { ReleasedError, withdrawnPipelines } from "./release.js";
import { MemoryStateStore } from "./state-store.js";

const SERVICES = [{ path: "services/resize/service.yaml", text: readFileSync("services/resize/service.yaml", "utf8") }];

/** One pipeline `name` on `raw/<prefix>/...`; `more` is extra spec lines (select, limits, suspend). */
const doc = (name: string, prefix: string, more = "") => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
${more}  trigger: { bucket: raw, key: "${prefix}/{camera}/*.jpg" }
  workflow:
    steps: [{ name: resize, service: resize }]
    parameters: { ${more.includes("batch") ? 'keys: "{keys}"' : 'key: "{key}"'} }
`;

function active(...docs: string[]): ActiveRules & { ruleSet: { pipelines: CompiledPipeline[] } } {
  const r = loadRulesFromText(docs.map((text, i) => ({ path: `p${i}.yaml`, text })), SERVICES);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return { matcher: compileMatcher(r.ruleSet.pipelines), catalog: r.ruleSet.catalog, ruleSet: r.ruleSet };
}

class Submitter implements WorkflowSubmitter {
  readonly created: Workflow[] = [];
  async create(wf: Workflow) {
    this.created.push(wf);
    return "created" as const;
  }
}

let seq = 0;
function msg(key: string) {
  seq += 1;
  const data = new TextEncoder().encode(JSON.stringify(minioNotificationObject(key, { etag: `e${seq}` })));
  return decodeMessage({ subject: "minio.events", data, seq, deliveryCount: 1, timestampMs: Date.now(), header: () => undefined, working: () => undefined }, "minio.events");
}

/** A processor over rules that a test swaps, as the rule store does, calling withdraw for what stopped running. */
function setup(first: ReturnType<typeof active>, unfinished = () => 0) {
  let rules = first;
  const submitter = new Submitter();
  const metrics = createMetrics({ defaultMetrics: false });
  const reports: ProcessedEvent[] = [];
  const limits = new Limits({ unfinished, has: () => false });
  const p = new Processor({
    rules: () => rules,
    submitter,
    deadLetter: { send: async () => undefined },
    metrics,
    log: pino({ level: "silent" }),
    maxDeliver: 5,
    state: new MemoryStateStore(),
    limits,
    onEvent: (e) => reports.push(e),
  });
  const swap = (next: ReturnType<typeof active>) => {
    const before = rules;
    rules = next;
    for (const w of withdrawnPipelines(before.ruleSet.pipelines, next.ruleSet.pipelines)) p.withdraw(w);
  };
  const released = async () => (await metrics.eventsReleased.get()).values.map((v) => ({ ...v.labels, n: v.value }));
  const waiting = async () => (await metrics.eventsWaiting.get()).values.filter((v) => v.value !== 0);
  return { p, submitter, reports, limits, swap, released, waiting };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe("withdrawnPipelines", () => {
  it("names the pipelines that stopped running: deleted, or suspended now; not the ones held before or resumed", () => {
    const before = active(doc("gone", "a"), doc("held", "b"), doc("stays", "c"), doc("was-held", "d", "  suspend: true\n"), doc("resumed", "e", "  suspend: true\n"));
    const after = active(doc("held", "b", "  suspend: true\n"), doc("stays", "c"), doc("was-held", "d", "  suspend: true\n"), doc("resumed", "e", "  suspend: false\n"));
    expect(withdrawnPipelines(before.ruleSet.pipelines, after.ruleSet.pipelines)).toEqual([
      { pipeline: "gone", reason: "deleted" },
      { pipeline: "held", reason: "suspended" },
    ]);
    expect(withdrawnPipelines(after.ruleSet.pipelines, after.ruleSet.pipelines)).toEqual([]);
  });
});

describe("Limits.release", () => {
  it("ends the waits of one pipeline with a ReleasedError and leaves the others waiting", async () => {
    const limits = new Limits({ unfinished: () => 1 });
    const a = limits.admit("a", { maxInFlight: 1 }, { namespace: "ns", name: "w1" }).catch((e: unknown) => e);
    const b = limits.admit("b", { maxInFlight: 1 }, { namespace: "ns", name: "w2" }).catch((e: unknown) => e);
    await tick();
    expect(limits.waiting).toBe(2);
    expect(limits.release("a", "deleted")).toBe(1);
    const err = await a;
    expect(err).toBeInstanceOf(ReleasedError);
    expect(err).toMatchObject({ pipeline: "a", reason: "deleted" });
    expect(limits.waiting).toBe(1);
    expect(limits.release("a", "deleted")).toBe(0);
    expect(limits.release("b", "suspended")).toBe(1);
    expect(await b).toMatchObject({ pipeline: "b", reason: "suspended" });
    expect(limits.waiting).toBe(0);
  });
});

describe("a pipeline suspended or deleted with events waiting", () => {
  it("maxInFlight: the waiting events are released as skipped, acked, counted and reported; the other pipeline is untouched", async () => {
    const { p, submitter, reports, swap, released, waiting } = setup(active(doc("full", "f", "  limits: { maxInFlight: 1 }\n"), doc("other", "o", "  limits: { maxInFlight: 1 }\n")), () => 1);
    const held = [p.handle(msg("f/cam-1/1.jpg")), p.handle(msg("f/cam-1/2.jpg"))];
    const other = p.handle(msg("o/cam-1/1.jpg"));
    await tick();
    expect((await waiting()).map((v) => [v.labels.pipeline, v.value])).toEqual([
      ["full", 2],
      ["other", 1],
    ]);
    swap(active(doc("full", "f", "  limits: { maxInFlight: 1 }\n  suspend: true\n"), doc("other", "o", "  limits: { maxInFlight: 1 }\n")));
    expect(await Promise.all(held)).toEqual([{ kind: "ack" }, { kind: "ack" }]);
    expect(submitter.created).toEqual([]);
    expect(await released()).toEqual([{ pipeline: "full", reason: "suspended", n: 2 }]);
    expect(reports.map((r) => r.matches)).toEqual([[{ pipeline: "full", outcome: "suspended" }], [{ pipeline: "full", outcome: "suspended" }]]);
    // the waiting gauge came back down for "full"; "other" still waits
    expect((await waiting()).map((v) => v.labels.pipeline)).toEqual(["other"]);
    swap(active(doc("full", "f", "  suspend: true\n")));
    expect(await other).toEqual({ kind: "ack" });
    expect(await released()).toEqual([
      { pipeline: "full", reason: "suspended", n: 2 },
      { pipeline: "other", reason: "deleted", n: 1 },
    ]);
    expect(reports.at(-1)!.matches).toEqual([{ pipeline: "other", outcome: "deleted" }]);
  });

  it("ratePerSecond: events waiting for a token are released when the pipeline is deleted", async () => {
    const { p, submitter, swap, released } = setup(active(doc("slow", "s", "  limits: { ratePerSecond: 0.1 }\n")));
    const first = await p.handle(msg("s/cam-1/0.jpg"));
    expect(first).toEqual({ kind: "ack" });
    const waiting = Array.from({ length: 3 }, (_, i) => p.handle(msg(`s/cam-1/${i + 1}.jpg`)));
    await tick();
    const t0 = Date.now();
    swap(active(doc("else", "x")));
    expect((await Promise.all(waiting)).map((d) => d.kind)).toEqual(["ack", "ack", "ack"]);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(submitter.created).toHaveLength(1);
    expect(await released()).toEqual([{ pipeline: "slow", reason: "deleted", n: 3 }]);
  });

  it("batch: a filling batch is submitted at once (not at the end of its window, not held by maxInFlight), its frames acked", async () => {
    const { p, submitter, reports, swap, released } = setup(active(doc("batched", "b", "  select: { batch: { size: 10, window: 1h } }\n  limits: { maxInFlight: 1 }\n")), () => 5);
    const frames = [p.handle(msg("b/cam-1/1.jpg")), p.handle(msg("b/cam-1/2.jpg")), p.handle(msg("b/cam-2/1.jpg"))];
    await tick();
    expect(submitter.created).toEqual([]);
    swap(active(doc("batched", "b", "  select: { batch: { size: 10, window: 1h } }\n  limits: { maxInFlight: 1 }\n  suspend: true\n")));
    expect(await Promise.all(frames)).toEqual([{ kind: "ack" }, { kind: "ack" }, { kind: "ack" }]);
    // one Workflow per partition (camera), with every frame it had
    const keys = submitter.created.map((wf) => JSON.parse((wf.spec.arguments as { parameters: { name: string; value: string }[] }).parameters.find((x) => x.name === "keys")!.value) as string[]);
    expect(keys.map((k) => k.sort())).toEqual([["b/cam-1/1.jpg", "b/cam-1/2.jpg"], ["b/cam-2/1.jpg"]]);
    expect(reports.flatMap((r) => r.matches.map((m) => m.outcome))).toEqual(["created", "created", "created"]);
    expect(await released()).toEqual([]);
  });

  it("an event matched just before the change is released when it reaches the limits or a batch", async () => {
    // dedupe reads the state store first: the change lands during that await
    const first = active(doc("late", "l", "  select: { dedupe: 1h }\n  limits: { maxInFlight: 1 }\n"), doc("late-batch", "k", "  select: { dedupe: 1h, batch: { size: 2, window: 1h } }\n"));
    const { p, submitter, swap, released } = setup(first);
    // the processor read the rules (and matched) before the swap
    const handled = [p.handle(msg("l/cam-1/1.jpg")), p.handle(msg("k/cam-1/1.jpg"))];
    swap(active(doc("else", "x")));
    expect((await Promise.all(handled)).map((d) => d.kind)).toEqual(["ack", "ack"]);
    expect(submitter.created).toEqual([]);
    expect((await released()).sort((a, b) => String(a.pipeline).localeCompare(String(b.pipeline)))).toEqual([
      { pipeline: "late", reason: "deleted", n: 1 },
      { pipeline: "late-batch", reason: "deleted", n: 1 },
    ]);
  });
});
