/**
 * @module test/ha/nats-node-loss.int.test — the gateway on a 3-server JetStream cluster (streams, KV buckets
 * and the consumer at 3 replicas, set by `framegate setup` with FRAMEGATE_STREAM_REPLICAS=3) while five
 * cameras upload: one server SIGKILLed, restarted, and once every replicated stream is current again,
 * another. The gateway (FRAMEGATE_NATS_URL lists all three) fails over; its `/readyz` says ready with a
 * warning while 2 of 3 run. Then two servers at once: `/readyz` is not ready, with the reason, from 3 s
 * after the loss until they are back (3 s: the leader's window for hearing from a replica). Afterwards every
 * frame whose PUT succeeded is in exactly one Workflow per pipeline, and nothing was dead-lettered.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsCluster } from "../harness/nats-cluster.js";
import { cameras, exactlyOnceRules, judge, summary } from "../faults/exactly-once.js";
import { Fleet } from "../faults/fleet.js";
import { FaultRig, sleep, startFaultStack, waitFor, type FaultStack } from "../faults/rig.js";

type Sample = { at: number; status: number; warn: boolean; detail: string };

/** Polls the gateway's /readyz every 300 ms and keeps what it said. */
function readyzRecorder(url: string) {
  const samples: Sample[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const at = Date.now();
      try {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(4_000) });
        const body = (await res.json()) as { checks: Record<string, { warn?: boolean; detail?: string }> };
        samples.push({ at, status: res.status, warn: !!body.checks.jetstream?.warn, detail: body.checks.jetstream?.detail ?? "" });
      } catch (e) {
        samples.push({ at, status: 0, warn: false, detail: (e as Error).message });
      }
      await sleep(300);
    }
  })();
  return { samples, stop: async () => ((on = false), await loop) };
}

describe("the gateway on a 3-server JetStream cluster", () => {
  let fs: FaultStack;
  let cluster: NatsCluster;

  beforeAll(async () => {
    fs = await startFaultStack({ natsCluster: {} });
    cluster = fs.stack.natsCluster!;
  }, 120_000);

  afterAll(async () => {
    await fs?.stop();
  }, 60_000);

  it("rides the loss of one server at a time (ready, with a warning), is not ready without quorum, and processes every frame once", async () => {
    const id = "natsha";
    const { rules, pipelines } = exactlyOnceRules(id);
    const rig = await FaultRig.start(fs, { id, rules, env: { FRAMEGATE_STREAM_REPLICAS: "3" } });
    const consumer = rig.env.FRAMEGATE_CONSUMER!;
    const streams = ["FRAMEGATE", "FRAMEGATE_HISTORY", "FRAMEGATE_DLQ", "KV_framegate-state", "KV_framegate-cameras"];
    const current = () => cluster.waitCurrent(streams, [["FRAMEGATE", consumer]], 60_000);
    const leaderOf = async () => (await (await jetstreamManager(await rig.nc())).streams.info("FRAMEGATE")).cluster!.leader!;
    const serverNamed = (name: string) => cluster.servers[Number(name.slice(1)) - 1]!;
    try {
      expect(rig.env.FRAMEGATE_NATS_URL!.split(",")).toHaveLength(3);
      await current();
      const gw = await rig.startGateway();
      const readyz = readyzRecorder(gw.url);
      await waitFor("the gateway ready on the healthy cluster", () => readyz.samples.at(-1)?.status === 200 && !readyz.samples.at(-1)?.warn, 20_000);
      const fleet = new Fleet({ client: fs.stack.minio.client, cameras: cameras(id), fps: 2 });
      await fleet.start();

      // one server at a time: first the intake's leader, then another once the first is back and current
      const victims: string[] = [];
      for (let round = 0; round < 2; round++) {
        await sleep(3_000);
        const leader = await leaderOf();
        const name = round === 0 ? leader : ["n1", "n2", "n3"].find((n) => !victims.includes(n))!;
        victims.push(name);
        const deliveredBefore = (await rig.consumer()).delivered;
        const killedAt = Date.now();
        await serverNamed(name).kill("SIGKILL");
        await waitFor(`/readyz ready with a warning while ${name} is down`, () => readyz.samples.find((s) => s.at > killedAt && s.status === 200 && s.warn), 30_000, () =>
          JSON.stringify(readyz.samples.slice(-3)),
        );
        let seen = "";
        await waitFor(
          `the gateway consuming again with ${name} down (round ${round + 1})`,
          async () => {
            const c = await rig.consumer();
            seen = `consumer ${JSON.stringify(c)}, stream ${await rig.streamMessages()} messages, uploads ok ${fleet.ok().length}, failed ${fleet.failed().length}`;
            return c.delivered > deliveredBefore + 10;
          },
          40_000,
          () => `delivered before: ${deliveredBefore}; ${seen}\n${rig.output(3000)}\n--- minio ---\n${fs.stack.minio.output().slice(-2000)}`,
        );
        await serverNamed(name).restart();
        await current();
      }

      // quorum lost: two servers down
      const survivors = ["n1", "n2", "n3"].filter((n) => n !== victims[1]);
      const lost = survivors.slice(0, 2);
      const lostAt = Date.now();
      for (const n of lost) await serverNamed(n).kill("SIGKILL");
      await waitFor("/readyz not ready without quorum", () => readyz.samples.find((s) => s.at > lostAt && s.status === 503), 30_000, () => JSON.stringify(readyz.samples.slice(-3)));
      await sleep(8_000);
      const backAt = Date.now();
      for (const n of lost) await serverNamed(n).restart();
      await current();
      const noQuorum = readyz.samples.filter((s) => s.at > lostAt + 3_000 && s.at < backAt);
      expect(noQuorum.length, "samples while two servers were down").toBeGreaterThanOrEqual(3);
      expect(noQuorum.filter((s) => s.status === 200), "never ready without quorum").toEqual([]);
      expect(noQuorum.filter((s) => s.status === 503).at(-1)?.detail).toMatch(/no JetStream quorum/);

      await sleep(3_000);
      await fleet.stop();
      await readyz.stop();
      expect(fleet.failed(), "MinIO was not touched: every PUT succeeds").toEqual([]);
      const verdicts = await judge(rig, fleet, pipelines, { ms: 90_000, settleMs: 6_000 });
      const degraded = readyz.samples.filter((s) => s.status === 200 && s.warn);
      process.stderr.write(
        `[nats-node-loss] killed ${victims.join(", ")} one at a time, then ${lost.join("+")}; ${fleet.ok().length} uploads; /readyz: ${degraded.length} degraded-ready samples, e.g. ${JSON.stringify(degraded[0]?.detail)}; ${noQuorum.length} samples without quorum, e.g. ${JSON.stringify(noQuorum.at(-1)?.detail)}\n${summary(verdicts)}\n`,
      );
      for (const v of verdicts) {
        expect(v.report, v.pipeline).toEqual({ missing: [], duplicated: [], unexpected: [] });
        expect(v.batchProblems, v.pipeline).toEqual([]);
      }
      expect(await rig.deadLetters()).toEqual([]);
      expect(gw.process.exitStatus, "the same gateway process rode out every loss").toBeUndefined();
    } finally {
      await rig.stop();
    }
  }, 240_000);
});
