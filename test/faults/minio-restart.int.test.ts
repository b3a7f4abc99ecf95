/**
 * @module test/faults/minio-restart.int.test — MinIO SIGKILLed twice while five cameras upload, and
 * restarted on the same port and data. PUTs in progress fail, and so do PUTs while it is down; only
 * uploads whose PUT succeeded must be processed (a failed PUT whose object MinIO stored anyway may be,
 * at most once). After recovery every such frame is in exactly one Workflow of each pipeline that should
 * process it, and nothing was dead-lettered.
 *
 * MinIO runs as production should configure it: `MINIO_SYNC_BOOT=on` (without it MinIO answers PUTs
 * before it has loaded the buckets' notification rules, and those uploads never send an event — seen here:
 * 2-3 frames lost after each restart) and `MINIO_API_SYNC_EVENTS=on` (the event is in the queue dir before
 * the PUT returns, instead of in a memory queue a SIGKILL loses).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cameras, exactlyOnceRules, judge, storedDespiteFailure, summary } from "./exactly-once.js";
import { Fleet } from "./fleet.js";
import { FaultRig, sleep, startFaultStack, type FaultStack } from "./rig.js";

describe("MinIO killed during a steady upload stream", () => {
  let fs: FaultStack;

  beforeAll(async () => {
    fs = await startFaultStack({ minio: { env: { MINIO_SYNC_BOOT: "on", MINIO_API_SYNC_EVENTS: "on" } } });
  }, 300_000);

  afterAll(async () => {
    await fs?.stop();
  }, 60_000);

  it("SIGKILLed twice and restarted: every frame whose PUT succeeded processed exactly once per pipeline, no dead letters", async () => {
    const id = "miniokill";
    const { rules, pipelines } = exactlyOnceRules(id);
    const rig = await FaultRig.start(fs, { id, rules });
    const minio = fs.stack.minio;
    try {
      const gw = await rig.startGateway();
      const fleet = new Fleet({ client: minio.client, cameras: cameras(id), fps: 2, putTimeoutMs: 5_000 });
      await fleet.start();
      const restarts: number[] = [];
      const kills: string[] = [];
      for (let i = 0; i < 2; i++) {
        await sleep(6_000);
        kills.push(new Date().toISOString());
        await minio.kill("SIGKILL");
        await sleep(4_000);
        await minio.restart();
        restarts.push(Date.now());
      }
      await sleep(6_000);
      await fleet.stop();
      expect(fleet.failed().length, "PUTs failed while MinIO was down").toBeGreaterThan(10);
      // uploads went on after each restart
      for (const at of restarts) expect(fleet.okBetween(at, at + 6_000)).toBeGreaterThan(10);

      const allowed = await storedDespiteFailure(minio.client, fleet.failed());
      const verdicts = await judge(rig, fleet, pipelines, { ms: 150_000, allowed }).catch((e: Error) => {
        throw new Error(`MinIO killed at ${kills.join(", ")}: ${e.message}`, { cause: e });
      });
      process.stderr.write(
        `[minio-restart] ${fleet.ok().length} uploads succeeded, ${fleet.failed().length} failed (${allowed.size} of those stored anyway)\n${summary(verdicts)}\n`,
      );
      for (const v of verdicts) {
        expect(v.report, v.pipeline).toEqual({ missing: [], duplicated: [], unexpected: [] });
        expect(v.batchProblems, v.pipeline).toEqual([]);
      }
      expect(await rig.deadLetters()).toEqual([]);
      expect(gw.process.exitStatus).toBeUndefined();
    } finally {
      await rig.stop();
    }
  }, 420_000);
});
