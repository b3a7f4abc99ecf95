/**
 * @module test/faults/backpressure.int.test — `limits.maxInFlight: 5` against Workflows that take a while.
 * No Argo controller runs: the test plays it, marking each Workflow Succeeded about two seconds after it
 * first sees it, so the pipeline finishes about 2.5 Workflows a second while five cameras upload five
 * frames a second. The gateway's Workflow informer counts the pipeline's unfinished Workflows by the
 * `framegate.io/pipeline` label; the API server, sampled four times a second, must never hold more than
 * five unfinished, the limit must actually be reached, and every frame is still processed exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sumOf } from "../harness/prometheus-text.js";
import { judge, summary } from "./exactly-once.js";
import { Fleet } from "./fleet.js";
import { FaultRig, sleep, startFaultStack, type FaultStack } from "./rig.js";

const MAX_IN_FLIGHT = 5;
const FINISHED = new Set(["Succeeded", "Failed", "Error"]);

describe("maxInFlight holds the pipeline's unfinished Workflows", () => {
  let fs: FaultStack;

  beforeAll(async () => {
    fs = await startFaultStack();
  }, 300_000);

  afterAll(async () => {
    await fs?.stop();
  }, 60_000);

  it(`never more than ${MAX_IN_FLIGHT} unfinished Workflows while the uploads outrun them, and every frame processed once`, async () => {
    const id = "bp";
    const pipeline = `${id}-limited`;
    const rules = {
      "limited.yaml": `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${pipeline} }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg", where: { camera: ["${id}-*"] } }
  select: { dedupe: 1h }
  limits: { maxInFlight: ${MAX_IN_FLIGHT} }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: resize, service: resize }]
    parameters: { camera: "{camera}", key: "{key}" }
`,
    };
    const rig = await FaultRig.start(fs, { id, rules });
    const samples: number[] = [];
    const controllerErrors: string[] = [];
    let playing = true;
    // the controller the test plays: samples the unfinished count, then finishes what ran 2 s
    const firstSeen = new Map<string, number>();
    const controller = (async () => {
      while (playing) {
        try {
          const unfinished = (await rig.workflows(pipeline)).filter((w) => !FINISHED.has(w.status?.phase ?? ""));
          samples.push(unfinished.length);
          for (const w of unfinished) {
            const seen = firstSeen.get(w.metadata.name) ?? firstSeen.set(w.metadata.name, Date.now()).get(w.metadata.name)!;
            if (Date.now() - seen >= 2_000) await rig.setPhase(w.metadata.name, "Succeeded");
          }
        } catch (e) {
          controllerErrors.push((e as Error).message); // the next round tries again
        }
        await sleep(250);
      }
    })();
    try {
      const gw = await rig.startGateway();
      const fleet = new Fleet({ client: fs.stack.minio.client, cameras: [1, 2, 3, 4, 5].map((n) => `${id}-cam-0${n}`), fps: 1 });
      await fleet.start();
      await sleep(15_000);
      const waitingSeen = sumOf(await rig.metrics(gw), "framegate_events_waiting", { pipeline, reason: "in-flight" });
      await fleet.stop();
      expect(fleet.failed()).toEqual([]);

      const [verdict] = await judge(rig, fleet, [{ name: pipeline, wants: () => true }], { ms: 150_000, settleMs: 3_000 });
      playing = false;
      await controller;
      const max = Math.max(...samples);
      process.stderr.write(
        `[backpressure] ${fleet.ok().length} uploads, ${samples.length} samples of unfinished Workflows, max ${max}, events waiting for a slot at 15 s: ${waitingSeen}, controller errors ${controllerErrors.length} ${JSON.stringify(controllerErrors.slice(0, 3))}\n${summary([verdict!])}\n`,
      );
      expect(samples.length).toBeGreaterThan(60);
      expect(max, `unfinished Workflows sampled: ${samples.join(",")}`).toBeLessThanOrEqual(MAX_IN_FLIGHT);
      // the uploads outran the Workflows: the limit was reached and events waited for it
      expect(max).toBe(MAX_IN_FLIGHT);
      expect(waitingSeen).toBeGreaterThan(0);
      expect(verdict!.report).toEqual({ missing: [], duplicated: [], unexpected: [] });
      expect(await rig.deadLetters()).toEqual([]);
    } finally {
      playing = false;
      await controller;
      await rig.stop();
    }
  }, 300_000);
});
