/**
 * @module test/faults/nats-restart.int.test — nats-server SIGKILLed twice while five cameras upload, and
 * restarted on the same port and store. Meanwhile PUTs still succeed: MinIO keeps their events in its
 * queue dir and replays them once NATS is back, possibly again for events NATS had stored already. The
 * gateway reconnects, its acks and KV writes in flight are lost. After recovery every frame whose PUT
 * succeeded is in exactly one Workflow of each pipeline that should process it, and nothing was
 * dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cameras, exactlyOnceRules, judge, summary } from "./exactly-once.js";
import { Fleet } from "./fleet.js";
import { FaultRig, sleep, startFaultStack, waitFor, type FaultStack } from "./rig.js";

describe("nats-server killed during a steady upload stream", () => {
  let fs: FaultStack;

  beforeAll(async () => {
    fs = await startFaultStack();
  }, 300_000);

  afterAll(async () => {
    await fs?.stop();
  }, 60_000);

  it("SIGKILLed twice and restarted: MinIO's queued events arrive, every frame processed exactly once per pipeline, no dead letters", async () => {
    const id = "natskill";
    const { rules, pipelines } = exactlyOnceRules(id);
    const rig = await FaultRig.start(fs, { id, rules });
    try {
      const gw = await rig.startGateway();
      const fleet = new Fleet({ client: fs.stack.minio.client, cameras: cameras(id), fps: 2 });
      await fleet.start();
      const outages: { from: number; to: number }[] = [];
      for (let i = 0; i < 2; i++) {
        await sleep(5_000);
        const deliveredBefore = (await rig.consumer()).delivered;
        const from = Date.now();
        await fs.stack.nats.kill("SIGKILL");
        await sleep(7_000);
        outages.push({ from, to: Date.now() });
        await fs.stack.nats.restart();
        // recovered: the stream and consumer survived on disk, and the gateway pulls messages again —
        // the consumer hands out more than it had before the kill (uploads since, and MinIO's replays)
        await waitFor(
          `the gateway to consume again after restart ${i + 1}`,
          async () => (await rig.consumer()).delivered > deliveredBefore,
          60_000,
          () => `delivered before the kill: ${deliveredBefore}`,
        );
      }
      await sleep(4_000);
      await fleet.stop();
      expect(fleet.failed(), "MinIO was not touched: every PUT succeeds").toEqual([]);
      const duringOutages = outages.map((o) => fleet.okBetween(o.from, o.to));
      expect(Math.min(...duringOutages), "frames uploaded while NATS was down").toBeGreaterThan(20);

      // MinIO retries its queue every few seconds: allow for that
      const verdicts = await judge(rig, fleet, pipelines, { ms: 180_000, settleMs: 12_000 });
      process.stderr.write(
        `[nats-restart] ${fleet.ok().length} uploads (${JSON.stringify(duringOutages)} while NATS was down), ${await rig.streamMessages()} stream messages\n${summary(verdicts)}\n`,
      );
      for (const v of verdicts) {
        expect(v.report, v.pipeline).toEqual({ missing: [], duplicated: [], unexpected: [] });
        expect(v.batchProblems, v.pipeline).toEqual([]);
      }
      expect(await rig.deadLetters()).toEqual([]);
      // the same gateway process rode out both outages
      expect(gw.process.exitStatus).toBeUndefined();
    } finally {
      await rig.stop();
    }
  }, 420_000);
});
