/**
 * @module test/faults/minio-queue-overrun.int.test — MinIO's queue overrun in miniature. MinIO keeps the
 * events it cannot deliver in its queue dir, up to `queue_limit` (here 10); past it, it drops them and the
 * PUT still succeeds. nats-server is killed while five cameras upload, so MinIO's queue fills and overruns;
 * then NATS comes back. The frames MinIO dropped are found by the gateway's sweep (every 2 s here) and
 * processed exactly once; the frames MinIO did deliver, which the sweep publishes too, are not processed
 * twice. Then `framegate sweep --since` publishes the whole range again: nothing is processed twice.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMinioNotificationText } from "../../src/triggers/minio-event.js";
import { historyStreamName } from "../../src/triggers/jetstream-config.js";
import { HEADERS } from "../../src/triggers/wire.js";
import { runFramegate } from "../harness/framegate.js";
import { byLabel } from "../harness/prometheus-text.js";
import { cameras, exactlyOnceRules, judge, summary } from "./exactly-once.js";
import { Fleet } from "./fleet.js";
import { FaultRig, sleep, startFaultStack, waitFor, type FaultStack } from "./rig.js";

const QUEUE_LIMIT = 10;

/**
 * Keys of every MinIO-subject message the intake stored: the ones MinIO sent and the ones the sweep did. The
 * intake is a work queue (processed messages leave it), so they are read from its replay window, which
 * sources it asynchronously: first wait until the window holds every message the intake ever stored.
 */
async function intakeKeys(rig: FaultRig): Promise<{ minio: Set<string>; swept: Map<string, number> }> {
  const jsm = await jetstreamManager(await rig.nc());
  const stream = historyStreamName(rig.env.FRAMEGATE_STREAM!);
  const stored = (await jsm.streams.info(rig.env.FRAMEGATE_STREAM!)).state.last_seq;
  const si = await waitFor(
    "the replay window to hold every intake message",
    async () => {
      const i = await jsm.streams.info(stream);
      return i.state.messages >= stored && i;
    },
    20_000,
  );
  const out = { minio: new Set<string>(), swept: new Map<string, number>() };
  for (let seq = si.state.first_seq; si.state.messages > 0 && seq <= si.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m || m.subject !== rig.env.FRAMEGATE_MINIO_SUBJECT) continue;
    for (const ev of parseMinioNotificationText(new TextDecoder().decode(m.data))) {
      if (ev.source !== "minio") continue;
      if (m.header?.get(HEADERS.sweep)) out.swept.set(ev.key, (out.swept.get(ev.key) ?? 0) + 1);
      else out.minio.add(ev.key);
    }
  }
  return out;
}

describe("MinIO's event queue overruns while NATS is down", () => {
  let fs: FaultStack;

  beforeAll(async () => {
    fs = await startFaultStack({ minio: { env: { MINIO_NOTIFY_NATS_QUEUE_LIMIT_PRIMARY: String(QUEUE_LIMIT) } } });
  }, 300_000);

  afterAll(async () => {
    await fs?.stop();
  }, 60_000);

  it("the frames MinIO dropped are found by the sweep and processed exactly once; delivered frames are not processed twice", async () => {
    const id = "overrun";
    const { rules, pipelines } = exactlyOnceRules(id);
    const rig = await FaultRig.start(fs, {
      id,
      rules,
      env: { FRAMEGATE_SWEEP_INTERVAL: "2s", FRAMEGATE_SWEEP_MARGIN: "2s", FRAMEGATE_SWEEP_LOOKBACK: "10m", FRAMEGATE_SWEEP_PAGES_PER_SECOND: "50" },
    });
    try {
      const gw = await rig.startGateway();
      const fleet = new Fleet({ client: fs.stack.minio.client, cameras: cameras(id), fps: 2 });
      await fleet.start();
      await sleep(3_000);
      const from = Date.now();
      await fs.stack.nats.kill("SIGKILL");
      await sleep(6_000);
      const to = Date.now();
      await fs.stack.nats.restart();
      await waitFor("the test's connection to be back", async () => (await rig.consumer()).delivered > 0, 30_000);
      await sleep(3_000);
      await fleet.stop();
      expect(fleet.failed(), "MinIO itself was not touched: every PUT succeeds").toEqual([]);
      const duringOutage = fleet.okBetween(from, to);
      expect(duringOutage, "uploads while NATS was down: far more than MinIO's queue holds").toBeGreaterThan(3 * QUEUE_LIMIT);

      const verdicts = await judge(rig, fleet, pipelines, { ms: 60_000, settleMs: 5_000 });
      const uploaded = fleet.ok().map((a) => a.key);
      const intake = await intakeKeys(rig);
      const dropped = uploaded.filter((k) => !intake.minio.has(k));
      const metrics = await rig.metrics(gw);
      const each = byLabel(metrics, "framegate_sweep_events_total", "outcome", { pipeline: pipelines[0]!.name });
      process.stderr.write(
        `[minio-queue-overrun] ${uploaded.length} uploaded (${duringOutage} while NATS was down, queue_limit ${QUEUE_LIMIT}), ` +
          `${uploaded.length - dropped.length} delivered by MinIO, ${dropped.length} dropped by MinIO, ` +
          `${intake.swept.size} published by the sweep; ${pipelines[0]!.name}: ${each.late ?? 0} found late, ${each.seen ?? 0} already processed\n${summary(verdicts)}\n`,
      );
      // the overrun happened: MinIO never sent some frames ...
      expect(dropped.length, "frames MinIO dropped").toBeGreaterThan(QUEUE_LIMIT);
      // ... the sweep published each of them, and each one counted as found late
      expect(dropped.filter((k) => !intake.swept.has(k)), "dropped frames the sweep did not publish").toEqual([]);
      expect(each.late ?? 0, "found late (pipeline of every frame)").toBeGreaterThanOrEqual(dropped.length);
      expect((each.late ?? 0) + (each.seen ?? 0), "each swept frame counted once").toBe(intake.swept.size);
      // every frame once per pipeline: nothing lost, nothing MinIO delivered processed again
      for (const v of verdicts) {
        expect(v.report, v.pipeline).toEqual({ missing: [], duplicated: [], unexpected: [] });
        expect(v.batchProblems, v.pipeline).toEqual([]);
      }
      expect(await rig.deadLetters()).toEqual([]);

      // an operator's sweep over the whole range publishes every frame again (JetStream's duplicate window
      // drops the copies of what the gateway's sweep published within it): nothing is processed twice
      const cli = await runFramegate(["sweep", "--since", "10m"], rig.env);
      expect(cli.code, cli.stderr).toBe(0);
      expect(JSON.parse(cli.stdout)).toMatchObject({ published: uploaded.length, unfinished: 0, errors: [] });
      const again = await judge(rig, fleet, pipelines, { ms: 10_000, settleMs: 1_000 });
      for (const v of again) expect(v.report, `${v.pipeline} after framegate sweep`).toEqual({ missing: [], duplicated: [], unexpected: [] });
      expect(gw.process.exitStatus).toBeUndefined();
    } finally {
      await rig.stop();
    }
  }, 180_000);
});
