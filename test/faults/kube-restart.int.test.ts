/**
 * @module test/faults/kube-restart.int.test — the Kubernetes control plane failing while five cameras
 * upload: first etcd alone is SIGKILLed (kube-apiserver stays up and answers errors or times out, and a
 * create that timed out may still have been written), then kube-apiserver and etcd are SIGKILLed together.
 * Both come back on the same ports and data. Creates fail and are retried with backoff; after recovery
 * every frame whose PUT succeeded is in exactly one Workflow of each pipeline that should process it, and
 * nothing was dead-lettered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byLabel, sumOf } from "../harness/prometheus-text.js";
import { cameras, exactlyOnceRules, judge, summary } from "./exactly-once.js";
import { Fleet } from "./fleet.js";
import { FaultRig, sleep, startFaultStack, waitFor, type FaultStack } from "./rig.js";

describe("etcd and kube-apiserver killed during a steady upload stream", () => {
  let fs: FaultStack;

  beforeAll(async () => {
    fs = await startFaultStack();
  }, 300_000);

  afterAll(async () => {
    await fs?.stop();
  }, 60_000);

  it("etcd alone, then kube-apiserver and etcd together: every frame processed exactly once per pipeline, no dead letters", async () => {
    const id = "kubekill";
    const { rules, pipelines } = exactlyOnceRules(id);
    const rig = await FaultRig.start(fs, { id, rules });
    const kube = fs.stack.kube;
    try {
      const gw = await rig.startGateway();
      const fleet = new Fleet({ client: fs.stack.minio.client, cameras: cameras(id), fps: 2 });
      await fleet.start();
      const seen = async () => (await rig.workflows(pipelines[0]!.name)).length;
      await waitFor("the first Workflows", async () => (await seen()) >= 5, 60_000);

      // 1. etcd dies under a running API server
      const etcdDown = Date.now();
      await kube.killEtcd("SIGKILL");
      await sleep(7_000);
      const etcdUp = Date.now();
      await kube.restartEtcd();
      const before = await waitFor("the API server answering again", seen, 60_000);
      await waitFor("Workflows being created again", async () => (await seen()) > before, 60_000);
      await sleep(4_000);

      // 2. the whole control plane dies
      const allDown = Date.now();
      await kube.killApiserver("SIGKILL");
      await kube.killEtcd("SIGKILL");
      await sleep(7_000);
      await kube.restartEtcd();
      await kube.restartApiserver();
      const allUp = Date.now();
      await sleep(4_000);
      await fleet.stop();
      expect(fleet.failed(), "MinIO was not touched: every PUT succeeds").toEqual([]);
      const during = [fleet.okBetween(etcdDown, etcdUp), fleet.okBetween(allDown, allUp)];
      expect(Math.min(...during), "frames uploaded during each outage").toBeGreaterThan(20);

      // retries back off exponentially (up to about a minute between deliveries): allow for that
      const verdicts = await judge(rig, fleet, pipelines, { ms: 240_000 });
      const samples = await rig.metrics(gw);
      const failures = byLabel(samples, "framegate_workflow_failures_total", "reason");
      process.stderr.write(
        `[kube-restart] ${fleet.ok().length} uploads (${JSON.stringify(during)} during the outages), failed creates by reason ${JSON.stringify(failures)}\n${summary(verdicts)}\n`,
      );
      for (const v of verdicts) {
        expect(v.report, v.pipeline).toEqual({ missing: [], duplicated: [], unexpected: [] });
        expect(v.batchProblems, v.pipeline).toEqual([]);
      }
      expect(await rig.deadLetters()).toEqual([]);
      expect(gw.process.exitStatus).toBeUndefined();
      // the outages were felt and ridden out by retries
      expect(sumOf(samples, "framegate_messages_naked_total")).toBeGreaterThan(0);
    } finally {
      await rig.stop();
    }
  }, 480_000);
});
