import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { pino } from "pino";
import { createMetrics } from "../lib/metrics.js";
import { loadRulesFromText } from "../rules/loader.js";
import { sampleNotification } from "../triggers/sample-notification.js";
import type { EventPublisher } from "../triggers/stream.js";
import { FastPath, type Listen } from "./fast-path.js";

const SERVICES = [{ path: "services/resize/service.yaml", text: readFileSync("services/resize/service.yaml", "utf8") }];
const ruleSet = (() => {
  const r = loadRulesFromText(
    [{ path: "p.yaml", text: `apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n  trigger: { bucket: raw, key: "gate-*/**/*.jpg" }\n  workflow:\n    steps: [{ name: resize, service: resize }]\n` }],
    SERVICES,
  );
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join("\n"));
  return r.ruleSet;
})();

const line = (key: string) => {
  const rec = sampleNotification({ bucket: "raw", key, etag: `e-${key}` }).Records[0]!;
  return JSON.stringify({ Records: [{ ...rec, s3: { ...rec.s3, object: { ...rec.s3.object, key } } }] });
};

function setup(listen: Listen, publisher: EventPublisher, maxPending = 1000) {
  const metrics = createMetrics({ defaultMetrics: false });
  const fp = new FastPath({ listen, publisher, minioSubject: "minio.events", rules: () => ({ ruleSet }), metrics, log: pino({ level: "silent" }) }, { maxPending, maxBackoffMs: 50 });
  const published = async (outcome: string) => (await metrics.fastPathPublished.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { fp, metrics, published };
}

describe("FastPath", () => {
  it("listens with the filter framegate setup gives MinIO and publishes each record with its live id", async () => {
    const filters: unknown[] = [];
    const sent: { msgId: string }[] = [];
    const listen: Listen = async (f, onLine, signal, o) => {
      filters.push(f);
      o.onOpen?.();
      onLine(line("gate-01/a.jpg"));
      onLine('{"Records":null}');
      await new Promise((r) => signal.addEventListener("abort", r));
    };
    const { fp, published, metrics } = setup(listen, { publish: async (_s, _d, o) => (sent.push(o), { seq: 1, duplicate: false }) });
    fp.start();
    await new Promise((r) => setTimeout(r, 20));
    await fp.stop();
    expect(filters).toEqual([{ bucket: "raw", prefix: "gate-", suffix: ".jpg", events: expect.any(Array) }]);
    expect(sent.map((s) => s.msgId)).toEqual([`live:raw/gate-01/a.jpg@e-gate-01/a.jpg`]);
    expect(await published("stored")).toBe(1);
    expect((await metrics.fastPathConnected.get()).values).toEqual([]);
  });

  it("at FRAMEGATE_FAST_PATH_MAX_PENDING publishes waiting, further records are dropped (left to the durable copy) and counted", async () => {
    const listen: Listen = async (_f, onLine, signal) => {
      for (let i = 0; i < 5; i++) onLine(line(`gate-01/${i}.jpg`));
      await new Promise((r) => signal.addEventListener("abort", r));
    };
    const { fp, published } = setup(listen, { publish: () => new Promise(() => undefined) }, 2);
    fp.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(await published("dropped")).toBe(3);
    await fp.stop();
  });

  it("a stream that fails is opened again, counted", async () => {
    let calls = 0;
    const listen: Listen = async (_f, _onLine, signal, o) => {
      calls += 1;
      if (calls < 3) throw new Error("connection refused");
      o.onOpen?.();
      await new Promise((r) => signal.addEventListener("abort", r));
    };
    const { fp, metrics } = setup(listen, { publish: async () => ({ seq: 1, duplicate: false }) });
    fp.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(3);
    expect((await metrics.fastPathReconnects.get()).values[0]?.value).toBe(2);
    expect((await metrics.fastPathConnected.get()).values[0]?.value).toBe(1);
    await fp.stop();
  });
});
