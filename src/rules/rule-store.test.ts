import { afterEach, describe, expect, it } from "vitest";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createMetrics } from "../lib/metrics.js";
import { RuleStore } from "./rule-store.js";
import { RuleError } from "../lib/errors.js";
import { waitFor } from "../../test/harness/wait.js";

const PIPE = (name: string, key = "{camera}/**/*.jpg") => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger: { bucket: raw, key: "${key}" }
  workflow:
    steps: [{ name: resize, service: resize }]
`;

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "fg-store-"));
  dirs.push(d);
  return d;
}

function event(key: string) {
  return { source: "minio" as const, id: key, eventName: "s3:ObjectCreated:Put", eventTime: "2026-11-28T00:00:00Z", bucket: "raw", key, metadata: {} };
}

describe("RuleStore", () => {
  it("refuses to open invalid rules, naming file:line", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.yaml"), PIPE("a", "{camera"));
    const err = await RuleStore.open({ rulesDir: d, servicesDir: "services", log: pino({ level: "silent" }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuleError);
    expect((err as RuleError).message).toMatch(/a\.yaml:5:\d+: spec\.trigger\.key/);
  });

  it("swaps a valid change in and keeps the last good rules when a change is invalid", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.yaml"), PIPE("a"));
    const metrics = createMetrics({ defaultMetrics: false });
    const store = await RuleStore.open({ rulesDir: d, servicesDir: "services", log: pino({ level: "silent" }), metrics });
    const before = store.current();
    expect(before.ruleSet.pipelines.map((p) => p.name)).toEqual(["a"]);

    writeFileSync(join(d, "b.yaml"), PIPE("b", "gate-01/*.jpg"));
    expect(await store.reload()).toEqual({ changed: true, issues: [] });
    expect(store.current().ruleSet.pipelines.map((p) => p.name).sort()).toEqual(["a", "b"]);
    expect(store.current().matcher.match(event("gate-01/x.jpg")).map((m) => m.pipeline.name).sort()).toEqual(["a", "b"]);

    writeFileSync(join(d, "b.yaml"), PIPE("b", "gate-01/{x"));
    const bad = await store.reload();
    expect(bad.changed).toBe(false);
    expect(bad.issues[0]!.file).toMatch(/b\.yaml$/);
    expect(store.issues).toHaveLength(1);
    expect(store.current().ruleSet.pipelines.map((p) => p.name).sort()).toEqual(["a", "b"]);
    expect((await metrics.rulesValid.get()).values[0]!.value).toBe(0);
    expect((await metrics.rulesReloads.get()).values.find((v) => v.labels.result === "invalid")!.value).toBe(1);

    writeFileSync(join(d, "b.yaml"), PIPE("b", "gate-02/*.jpg"));
    expect((await store.reload()).changed).toBe(true);
    expect(store.issues).toEqual([]);
    expect((await metrics.rulesValid.get()).values[0]!.value).toBe(1);
  });

  it("follows a ConfigMap-style symlink swap through the watcher", async () => {
    // kubelet writes a new timestamped dir, points ..data at it, and the visible files link through ..data
    const d = tmp();
    const v1 = join(d, "..2026_11_28_v1");
    mkdirSync(v1);
    writeFileSync(join(v1, "rules.yaml"), PIPE("one"));
    symlinkSync("..2026_11_28_v1", join(d, "..data"));
    symlinkSync("..data/rules.yaml", join(d, "rules.yaml"));
    const store = await RuleStore.open({ rulesDir: d, servicesDir: "services", log: pino({ level: "silent" }), pollMs: 200 });
    store.watch();
    try {
      expect(store.current().ruleSet.pipelines.map((p) => p.name)).toEqual(["one"]);
      const v2 = join(d, "..2026_11_28_v2");
      mkdirSync(v2);
      writeFileSync(join(v2, "rules.yaml"), PIPE("two"));
      symlinkSync("..2026_11_28_v2", join(d, "..data_tmp"));
      renameSync(join(d, "..data_tmp"), join(d, "..data"));
      rmSync(v1, { recursive: true });
      await waitFor("the swapped ConfigMap to be loaded", () => store.current().ruleSet.pipelines[0]!.name === "two", 5_000, { pollMs: 50 });
      expect(store.current().ruleSet.pipelines.map((p) => p.name)).toEqual(["two"]);
    } finally {
      store.close();
    }
  });

  it("reloads when the service catalog changes", async () => {
    const d = tmp();
    const s = tmp();
    cpSync("services/resize/service.yaml", join(s, "resize", "service.yaml"), { recursive: true });
    writeFileSync(join(d, "a.yaml"), PIPE("a"));
    const store = await RuleStore.open({ rulesDir: d, servicesDir: s, log: pino({ level: "silent" }) });
    const text = readFileSync(join(s, "resize", "service.yaml"), "utf8").replace(/image: .*/, "image: registry.local/resize:9.9.9");
    writeFileSync(join(s, "resize", "service.yaml"), text);
    expect((await store.reload()).changed).toBe(true);
    expect(store.current().catalog.get("resize")!.spec.image).toBe("registry.local/resize:9.9.9");
  });

  it("tells its swap listeners the rule sets before and after each swap, from files and from replace()", async () => {
    const d = tmp();
    writeFileSync(join(d, "a.yaml"), PIPE("a"));
    const store = await RuleStore.open({ rulesDir: d, servicesDir: "services", log: pino({ level: "silent" }) });
    const seen: string[] = [];
    store.onSwap(() => {
      throw new Error("a failing listener does not stop the swap or the next listener");
    });
    store.onSwap((before, after) => seen.push(`${before.pipelines.map((p) => p.name)} -> ${after.pipelines.map((p) => p.name + (p.spec.suspend ? " (suspended)" : ""))}`));
    writeFileSync(join(d, "a.yaml"), PIPE("a").replace("spec:\n", "spec:\n  suspend: true\n"));
    expect((await store.reload()).changed).toBe(true);
    expect(await store.reload()).toEqual({ changed: false, issues: [] });
    store.replace({ ...store.current().ruleSet, pipelines: [] }, "other-hash");
    expect(seen).toEqual(["a -> a (suspended)", "a -> "]);
    expect(store.current().ruleSet.pipelines).toEqual([]);
  });
});
