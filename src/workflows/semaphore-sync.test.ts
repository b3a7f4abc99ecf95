import { pino } from "pino";
import { Registry, Counter } from "prom-client";
import { describe, expect, it } from "vitest";
import { catalog as baseCatalog, pipeline, service } from "../../test/fixtures/render-fixtures.js";
import { RetryAfterError } from "../lib/errors.js";
import { renderWorkflow } from "./render.js";
import { match, objectEvent } from "../../test/fixtures/render-fixtures.js";
import { SemaphoreGuard, SemaphoreSync, type ConfigMapPort } from "./semaphore-sync.js";
import type { Workflow } from "./types.js";

/** ConfigMaps in memory, failing with an API status when asked to. */
class MemoryConfigMaps implements ConfigMapPort {
  data = new Map<string, Record<string, string>>();
  writes = 0;
  failWith?: { code: number; body: string };
  async read(namespace: string) {
    if (this.failWith) throw Object.assign(new Error(`HTTP ${this.failWith.code}`), this.failWith);
    const data = this.data.get(namespace);
    if (!data) throw Object.assign(new Error("HTTP 404"), { code: 404, body: "{}" });
    return { data, resourceVersion: "1" };
  }
  async replaceData(namespace: string, _name: string, _rv: string, data: Record<string, string>) {
    this.writes++;
    this.data.set(namespace, data);
  }
}

const log = pino({ level: "silent" });
const p = (ns: string) => pipeline(`p-${ns}`, { namespace: ns, steps: [{ name: "detect", service: "detect" }] });
const capped = (n: number) => new Map([...baseCatalog(), ["detect", service("detect", { concurrency: n })]]);

describe("SemaphoreSync", () => {
  it("writes the caps where they differ, keeps keys of dropped caps, and makes no call when nothing changed", async () => {
    const maps = new MemoryConfigMaps();
    maps.data.set("a", {});
    maps.data.set("b", { detect: "1", gone: "3" });
    const r = new Registry();
    const counter = new Counter({ name: "t_syncs_total", help: "t", labelNames: ["outcome"], registers: [r] });
    const sync = new SemaphoreSync(maps, log, counter);
    const ruleSet = { pipelines: [p("a"), p("b")], catalog: capped(1) };
    expect(await sync.sync(ruleSet)).toEqual([
      { namespace: "a", outcome: "written" },
      { namespace: "b", outcome: "unchanged" },
    ]);
    // "gone" stays: a Workflow created while it was a cap may still wait on it, and Argo fails one whose key is missing
    expect(Object.fromEntries(maps.data)).toEqual({ a: { detect: "1" }, b: { detect: "1", gone: "3" } });
    expect(await sync.sync(ruleSet)).toEqual([]);
    expect(maps.writes).toBe(1);
    expect(await sync.sync({ ...ruleSet, catalog: capped(4) })).toEqual([
      { namespace: "a", outcome: "written" },
      { namespace: "b", outcome: "written" },
    ]);
    expect(maps.data.get("a")).toEqual({ detect: "4" });
    expect((await r.getSingleMetric("t_syncs_total")!.get()).values.map((v) => [v.labels.outcome, v.value])).toEqual([["written", 3], ["unchanged", 1]]);
  });

  it("says how to fix a missing ConfigMap or a missing right (logged once per failure), and tries again on the next call", async () => {
    const maps = new MemoryConfigMaps();
    const lines: { level: number; msg: string }[] = [];
    const sync = new SemaphoreSync(maps, pino({ level: "debug" }, { write: (l: string) => lines.push(JSON.parse(l) as { level: number; msg: string }) }));
    const ruleSet = { pipelines: [p("vision")], catalog: capped(1) };
    const [missing] = await sync.sync(ruleSet);
    expect(missing).toMatchObject({ namespace: "vision", outcome: "failed" });
    expect(missing!.error).toMatch(/ConfigMap vision\/framegate-semaphores does not exist: apply k8s\/base .* or kubectl -n vision create configmap framegate-semaphores/);
    await sync.sync(ruleSet);
    expect(lines.map((l) => l.level)).toEqual([50, 20]); // error, then the same failure at debug
    maps.failWith = { code: 403, body: JSON.stringify({ message: "forbidden" }) };
    expect((await sync.sync(ruleSet))[0]!.error).toMatch(/may not get\/patch ConfigMap vision\/framegate-semaphores: give its ServiceAccount the Role of k8s\/base\/argo\/gateway-rbac.yaml in vision/);
    maps.failWith = undefined;
    maps.data.set("vision", {});
    expect(await sync.sync(ruleSet)).toEqual([{ namespace: "vision", outcome: "written" }]);
  });

  it("clears the caps when the catalog no longer has any", async () => {
    const maps = new MemoryConfigMaps();
    maps.data.set("a", {});
    const sync = new SemaphoreSync(maps, log);
    await sync.sync({ pipelines: [p("a")], catalog: capped(2) });
    // no capped service: no namespace needs the ConfigMap, so it is left as it is (no step reads it any more)
    expect(await sync.sync({ pipelines: [p("a")], catalog: baseCatalog() })).toEqual([]);
    expect(maps.data.get("a")).toEqual({ detect: "2" });
  });
});

describe("SemaphoreGuard", () => {
  const ruleSet = { pipelines: [p("a")], catalog: capped(1) };
  const wf = renderWorkflow([match(p("a"), objectEvent("gate-01/x.jpg"))], capped(1));
  const created: Workflow[] = [];
  const inner = { create: async (w: Workflow) => (created.push(w), "created" as const) };

  it("creates a Workflow at once when its keys are known to be written", async () => {
    const maps = new MemoryConfigMaps();
    maps.data.set("a", {});
    const sync = new SemaphoreSync(maps, log);
    await sync.sync(ruleSet);
    const before = maps.writes;
    created.length = 0;
    expect(await new SemaphoreGuard(inner, sync, () => ruleSet).create(wf)).toBe("created");
    expect(created).toEqual([wf]);
    expect(maps.writes).toBe(before);
  });

  it("writes missing keys before creating, and holds the Workflow back (retry) while it cannot", async () => {
    const maps = new MemoryConfigMaps();
    const sync = new SemaphoreSync(maps, log);
    const guard = new SemaphoreGuard(inner, sync, () => ruleSet, 1234);
    created.length = 0;
    const held = await guard.create(wf).catch((e: unknown) => e);
    expect(held).toBeInstanceOf(RetryAfterError);
    expect((held as RetryAfterError).retryAfterMs).toBe(1234);
    expect((held as RetryAfterError).reason).toBe("semaphore");
    expect((held as Error).message).toMatch(/takes permits of detect in ConfigMap a\/framegate-semaphores, which does not hold them yet \(ConfigMap a\/framegate-semaphores does not exist/);
    expect(created).toEqual([]);
    maps.data.set("a", { other: "2" });
    expect(await guard.create(wf)).toBe("created");
    expect(maps.data.get("a")).toEqual({ other: "2", detect: "1" });
    expect(created).toEqual([wf]);
  });

  it("passes Workflows without semaphores straight through", async () => {
    const sync = new SemaphoreSync(new MemoryConfigMaps(), log);
    const plain = renderWorkflow([match(p("a"), objectEvent("gate-01/x.jpg"))], baseCatalog());
    created.length = 0;
    expect(await new SemaphoreGuard(inner, sync, () => ruleSet).create(plain)).toBe("created");
    expect(created).toEqual([plain]);
  });
});
