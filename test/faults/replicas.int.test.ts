/**
 * @module test/faults/replicas.int.test — two `framegate serve` replicas bound to the same durable consumer
 * and KV bucket while five cameras upload. JetStream spreads each camera's frames over both, so both
 * build batches of the same camera at once; every fourth notification is also published a second time
 * (as MinIO does when it sends an event again), so the same frame often reaches both replicas; and one
 * replica is SIGKILLed and replaced halfway. Every frame whose PUT succeeded is in exactly one Workflow of
 * each pipeline that should process it, every batch holds frames of one camera and no frame is in two
 * batches, and nothing was dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sumOf } from "../harness/prometheus-text.js";
import { cameras, exactlyOnceRules, judge, summary } from "./exactly-once.js";
import { Fleet } from "./fleet.js";
import { FaultRig, sleep, startFaultStack, type FaultStack } from "./rig.js";

describe("two gateway replicas sharing the consumer", () => {
  let fs: FaultStack;

  beforeAll(async () => {
    fs = await startFaultStack();
  }, 300_000);

  afterAll(async () => {
    await fs?.stop();
  }, 60_000);

  it("with duplicate notifications and one replica killed: every frame once per pipeline, batches one camera each, no dead letters", async () => {
    const id = "replicas";
    const { rules, pipelines } = exactlyOnceRules(id);
    const rig = await FaultRig.start(fs, { id, rules });
    try {
      await Promise.all([rig.startGateway(), rig.startGateway()]);
      const fleet = new Fleet({ client: fs.stack.minio.client, cameras: cameras(id), fps: 2 });
      await fleet.start();

      // MinIO sending events again: every fourth notification a second time, a moment later
      let copied = 0;
      let next = 1;
      let duplicating = true;
      const duplicator = (async () => {
        while (duplicating) {
          await sleep(700);
          const last = await rig.lastSeq().catch(() => next - 1);
          for (; next <= last; next++) if (next % 4 === 0 && (await rig.republish(next))) copied++;
        }
      })();

      await sleep(10_000);
      await rig.killGateway(rig.gateways[0]!);
      await rig.startGateway();
      await sleep(12_000);
      await fleet.stop();
      await sleep(1_000);
      duplicating = false;
      await duplicator;
      expect(fleet.failed(), "MinIO was not touched: every PUT succeeds").toEqual([]);
      expect(copied).toBeGreaterThan(20);

      const verdicts = await judge(rig, fleet, pipelines, { ms: 150_000 });
      // both replicas now running took part
      const received = await Promise.all(rig.gateways.map(async (g) => sumOf(await rig.metrics(g), "framegate_events_received_total")));
      const skipped = await Promise.all(rig.gateways.map(async (g) => sumOf(await rig.metrics(g), "framegate_events_skipped_total", { reason: "duplicate" })));
      // how the batches' frames were claimed: one atomic batch each, or frame by frame when a frame was claimed before
      const claims = await Promise.all(rig.gateways.map(async (g) => ({ atomic: sumOf(await rig.metrics(g), "framegate_batch_claims_total", { path: "atomic" }), perFrame: sumOf(await rig.metrics(g), "framegate_batch_claims_total", { path: "per-frame" }) })));
      process.stderr.write(
        `[replicas] ${fleet.ok().length} uploads, ${copied} notifications sent twice, events received by the two replicas now running ${JSON.stringify(received)}, skipped as duplicates ${JSON.stringify(skipped)}, batch claims ${JSON.stringify(claims)}\n${summary(verdicts)}\n`,
      );
      for (const v of verdicts) {
        expect(v.report, v.pipeline).toEqual({ missing: [], duplicated: [], unexpected: [] });
        expect(v.batchProblems, v.pipeline).toEqual([]);
      }
      expect(await rig.deadLetters()).toEqual([]);
      expect(rig.gateways).toHaveLength(2);
      for (const n of received) expect(n).toBeGreaterThan(5);
      expect(claims.reduce((n, c) => n + c.atomic, 0)).toBeGreaterThan(0);
    } finally {
      await rig.stop();
    }
  }, 420_000);
});
