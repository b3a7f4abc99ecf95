/**
 * @module test/faults/gateway-kill.int.test — `framegate serve` SIGKILLed three times while five cameras
 * upload: frames in open batches, creates in flight and unacked messages die with it. After the last
 * restart every frame whose PUT succeeded is in exactly one Workflow of each pipeline that should process
 * it, no batch mixes cameras, and nothing was dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cameras, exactlyOnceRules, judge, summary } from "./exactly-once.js";
import { Fleet } from "./fleet.js";
import { FaultRig, sleep, startFaultStack, type FaultStack } from "./rig.js";

describe("the gateway killed during a steady upload stream", () => {
  let fs: FaultStack;

  beforeAll(async () => {
    fs = await startFaultStack();
  }, 300_000);

  afterAll(async () => {
    await fs?.stop();
  }, 60_000);

  it("SIGKILLed three times: every frame processed exactly once per pipeline, no dead letters", async () => {
    const id = "gwkill";
    const { rules, pipelines } = exactlyOnceRules(id);
    const rig = await FaultRig.start(fs, { id, rules });
    try {
      await rig.startGateway();
      const fleet = new Fleet({ client: fs.stack.minio.client, cameras: cameras(id), fps: 2 });
      await fleet.start();
      const unackedAtKill: number[] = [];
      for (let i = 0; i < 3; i++) {
        await sleep(4_000);
        unackedAtKill.push((await rig.consumer()).ackPending);
        await rig.killGateway(rig.gateways[0]!);
        await sleep(1_000);
        await rig.startGateway();
      }
      await sleep(3_000);
      await fleet.stop();
      expect(fleet.failed(), "MinIO was not touched: every PUT succeeds").toEqual([]);
      expect(fleet.ok().length).toBeGreaterThan(100);

      const verdicts = await judge(rig, fleet, pipelines, { ms: 150_000 });
      process.stderr.write(`[gateway-kill] ${fleet.ok().length} uploads, unacked at each kill ${JSON.stringify(unackedAtKill)}\n${summary(verdicts)}\n`);
      for (const v of verdicts) {
        expect(v.report, v.pipeline).toEqual({ missing: [], duplicated: [], unexpected: [] });
        expect(v.batchProblems, v.pipeline).toEqual([]);
      }
      expect(await rig.deadLetters()).toEqual([]);
      // the kills hit work in progress: messages were unacked when the gateway died, and JetStream delivered
      // some of them again
      expect(unackedAtKill.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect((await rig.consumer()).delivered).toBeGreaterThan(await rig.streamMessages());
    } finally {
      await rig.stop();
    }
  }, 360_000);
});
