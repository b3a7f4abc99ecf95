import { describe, expect, it } from "vitest";
import { catalog as baseCatalog, match, objectEvent, pipeline, refPipeline, service } from "../../test/fixtures/render-fixtures.js";
import { Limits } from "../flow/limits.js";
import { renderWorkflow } from "./render.js";
import { WorkflowIndex } from "./workflow-index.js";
import type { WatchedWorkflow } from "./workflow-row.js";
import { INSTANCE_ID_LABEL, ShardPlan, rendezvousShard, shardKey } from "./shards.js";

const plain = (name: string, namespace = "argo") => pipeline(name, { namespace, steps: [{ name: "resize", service: "resize" }] });
const cappedCatalog = () => new Map([...baseCatalog(), ["detect", service("detect", { concurrency: 2 })]]);
const detecting = (name: string, namespace = "argo") =>
  pipeline(name, { namespace, steps: [{ name: "resize", service: "resize" }, { name: "detect", service: "detect", after: ["resize"] }] });
const names = Array.from({ length: 2000 }, (_, i) => `pipeline/p-${i}`);

describe("rendezvousShard", () => {
  it("spreads keys over every shard about evenly", () => {
    const counts = new Map<string, number>();
    for (const k of names) counts.set(rendezvousShard(k, ["a", "b", "c"]), (counts.get(rendezvousShard(k, ["a", "b", "c"])) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(["a", "b", "c"]);
    for (const n of counts.values()) expect(n).toBeGreaterThan(2000 / 3 - 120);
  });

  it("adding a shard moves only keys to the new shard, about 1/(n+1) of them; the list's order does not matter", () => {
    const before = names.map((k) => rendezvousShard(k, ["a", "b"]));
    const after = names.map((k) => rendezvousShard(k, ["a", "b", "c"]));
    const moved = names.filter((_, i) => before[i] !== after[i]);
    expect(moved.every((k) => rendezvousShard(k, ["a", "b", "c"]) === "c")).toBe(true);
    expect(moved.length).toBeGreaterThan(2000 / 3 - 120);
    expect(moved.length).toBeLessThan(2000 / 3 + 120);
    expect(names.map((k) => rendezvousShard(k, ["c", "b", "a"]))).toEqual(after);
  });

  it("removing a shard moves only the keys it had", () => {
    const three = names.map((k) => rendezvousShard(k, ["a", "b", "c"]));
    const two = names.map((k) => rendezvousShard(k, ["a", "c"]));
    names.forEach((_, i) => {
      if (three[i] !== "b") expect(two[i]).toBe(three[i]);
    });
  });
});

describe("shardKey: Workflows taking semaphore permits stay together", () => {
  it("places a pipeline without capped services by its name", () => {
    expect(shardKey(plain("people"), cappedCatalog())).toBe("pipeline/people");
    expect(shardKey(detecting("people"), baseCatalog())).toBe("pipeline/people");
  });

  it("places a pipeline with a capped step by its namespace's semaphores", () => {
    expect(shardKey(detecting("people", "vision"), cappedCatalog())).toBe("semaphores/vision");
  });

  it("places a templateRef pipeline by the semaphores when the catalog caps any service (the template may take permits)", () => {
    expect(shardKey(refPipeline("gate"), cappedCatalog())).toBe("semaphores/argo");
    expect(shardKey(refPipeline("gate"), baseCatalog())).toBe("pipeline/gate");
  });
});

describe("ShardPlan", () => {
  it("puts every capped pipeline of a namespace on one shard, while the others spread", () => {
    const plan = new ShardPlan(["a", "b", "c"]);
    const cat = cappedCatalog();
    const capped = Array.from({ length: 30 }, (_, i) => plan.shardOf(detecting(`d-${i}`), cat));
    expect(new Set(capped).size).toBe(1);
    expect(plan.shardOf(refPipeline("gate"), cat)).toBe(capped[0]);
    const free = new Set(Array.from({ length: 30 }, (_, i) => plan.shardOf(plain(`r-${i}`), cat)));
    expect(free.size).toBe(3);
  });

  it("decides per catalog: a cap added by a rule swap moves the pipeline to the semaphores' shard", () => {
    const plan = new ShardPlan(["a", "b", "c", "d"]);
    const p = detecting("people");
    const moves = ["x", "y", "z", "w", "v", "u"].map((n) => detecting(`people-${n}`)).filter((q) => plan.shardOf(q, baseCatalog()) !== plan.shardOf(q, cappedCatalog()));
    expect(moves.length).toBeGreaterThan(0);
    expect(plan.shardOf(p, cappedCatalog())).toBe(rendezvousShard("semaphores/argo", ["a", "b", "c", "d"]));
  });

  it("is refused empty", () => {
    expect(() => new ShardPlan([])).toThrow(/at least one shard/);
  });
});

describe("renderWorkflow with shards", () => {
  it("labels the Workflow with its pipeline's instance ID, and leaves the label out without shards", () => {
    const p = plain("people");
    const m = [match(p, objectEvent("gate-01/a.jpg"))];
    const plan = new ShardPlan(["a", "b"]);
    const wf = renderWorkflow(m, baseCatalog(), plan);
    expect(wf.metadata.labels[INSTANCE_ID_LABEL]).toBe(rendezvousShard("pipeline/people", ["a", "b"]));
    expect(wf.metadata.labels["framegate.io/pipeline"]).toBe("people");
    expect(renderWorkflow(m, baseCatalog()).metadata.labels).not.toHaveProperty(INSTANCE_ID_LABEL);
  });
});

describe("maxInFlight across shards", () => {
  it("counts a pipeline's unfinished Workflows on every shard: moved to a new shard, it still waits for the old one's", async () => {
    // a pipeline that lands on another controller once shard "b" joins "a"
    const name = Array.from({ length: 20 }, (_, i) => `people-${i}`).find((n) => rendezvousShard(`pipeline/${n}`, ["a", "b"]) === "b")!;
    const p = plain(name);
    const [before, after] = [["a"], "b"];
    const index = new WorkflowIndex();
    const watched = (key: string, shards: string[], phase: string, rv: number): WatchedWorkflow => {
      const wf = renderWorkflow([match(p, objectEvent(`gate-01/${key}.jpg`))], baseCatalog(), new ShardPlan(shards));
      return { ...wf, metadata: { ...wf.metadata, resourceVersion: String(rv) }, status: { phase } } as WatchedWorkflow;
    };
    const old = watched("1", before, "Running", 1);
    const moved = watched("2", ["a", after], "Running", 2);
    expect(old.metadata!.labels![INSTANCE_ID_LABEL]).toBe("a");
    expect(moved.metadata!.labels![INSTANCE_ID_LABEL]).toBe(after);
    index.apply("added", old);
    index.apply("added", moved);
    const limits = new Limits(index);
    expect(limits.inFlight(name)).toBe(2);
    let admitted = false;
    const third = limits.admit(name, { maxInFlight: 2 }, { namespace: "argo", name: "w3" }).then((r) => ((admitted = true), r));
    await new Promise((r) => setTimeout(r, 400));
    expect(admitted).toBe(false);
    index.apply("updated", { ...old, metadata: { ...old.metadata, resourceVersion: "3" }, status: { phase: "Succeeded" } });
    expect(await third).toBe(true);
    expect(limits.inFlight(name)).toBe(2);
  });
});
