/**
 * @module test/e2e/results-replicas.int.test — the results index with two gateway replicas and a restart, on the
 * real stack (Argo with kwok completing the pods: no step runs, so results carry keys and timings but no
 * detections). Both replicas' informers see each Workflow succeed and both write it: the stream stores one copy
 * and both replicas answer `GET /api/results` with it. A replica started again reads the index back from the
 * stream and, although its informer lists those Workflows again as Succeeded, writes nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { pino } from "pino";
import { startGateway, type RunningGateway } from "../../src/cli/commands/serve.js";
import { loadConfig } from "../../src/config/env.js";
import type { ResultView } from "../../src/gateway/results-route.js";
import { parsePrometheusText } from "../harness/prometheus-text.js";
import { RingBuffer } from "../harness/process.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { jpegFrame } from "../harness/synthetic-camera.js";
import { PipelineUnderTest, waitFor } from "./pipeline-under-test.js";

const RULES = {
  "rr-people.yaml": `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: rr-people }
spec:
  trigger: { bucket: raw, key: "{camera}/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps:
      - { name: resize, service: resize }
      - { name: detect, service: detect, after: [resize] }
`,
};

describe("the results index with two gateway replicas and a restart", () => {
  let stack: FullStack;
  let t: PipelineUnderTest;
  let second: RunningGateway | undefined;
  const logs = new RingBuffer(64 * 1024);

  const startReplica = () =>
    startGateway(loadConfig(t.env), pino({ level: "info", base: { replica: "b" } }, { write: (s: string) => logs.push(s) }), { kubeConfig: stack.argo.gatewayKubeConfig() });

  async function results(port: number): Promise<ResultView[]> {
    const res = await fetch(`http://127.0.0.1:${port}/api/results?limit=50`, { signal: AbortSignal.timeout(10_000) });
    return ((await res.json()) as { results: ResultView[] }).results;
  }

  /** `framegate_results_published_total` of one replica, by outcome. */
  async function published(port: number): Promise<Record<string, number>> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const s of parsePrometheusText(text)) if (s.name === "framegate_results_published_total") out[s.labels.outcome ?? ""] = s.value;
    return out;
  }

  beforeAll(async () => {
    stack = await startStack();
    t = await PipelineUnderTest.start(stack, { id: "results-replicas", rules: RULES });
    second = await startReplica();
  }, 300_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === "fail") process.stderr.write(`--- replica a ---\n${t.logs.toString().slice(-5000)}\n--- replica b ---\n${logs.toString().slice(-5000)}\n`);
  });

  afterAll(async () => {
    await second?.stop();
    await t?.stop();
    await stack?.stop();
  }, 60_000);

  it("both replicas write each success, the stream keeps one copy, and both answer with it", async () => {
    for (const camera of ["gate-01", "gate-02"]) {
      const frame = await jpegFrame(camera.length, { width: 640, height: 480 });
      await stack.minio.client.putObject("raw", `${camera}/a.jpg`, frame, frame.length, { "Content-Type": "image/jpeg" });
    }
    for (const port of [t.gateway.port, second!.port]) {
      await waitFor(`replica on ${port} lists both results`, async () => (await results(port)).length === 2 || undefined, 90_000);
    }
    const [a, b] = [await results(t.gateway.port), await results(second!.port)];
    expect(b).toEqual(a);
    expect(a.map((r) => r.camera).sort()).toEqual(["gate-01", "gate-02"]);
    expect(a[0]!.processed.map((p) => p.step)).toEqual(["resize", "detect"]);
    expect(a[0]!.detections).toEqual([]); // kwok ran no step: no sidecar
    const nc = await stack.nats.connectAs("setup");
    try {
      expect((await (await jetstreamManager(nc)).streams.info("FRAMEGATE_RESULTS")).state.messages).toBe(2);
    } finally {
      await nc.close();
    }
    // every write is counted on one replica or the other: 2 stored in all, the rest duplicates JetStream dropped
    const [pa, pb] = [await published(t.gateway.port), await published(second!.port)];
    expect((pa.stored ?? 0) + (pb.stored ?? 0)).toBe(2);
    expect(pa.failed ?? 0).toBe(0);
    expect(pb.failed ?? 0).toBe(0);
  }, 120_000);

  it("a replica started again reads the index back and writes nothing for Workflows it already holds", async () => {
    const before = await results(t.gateway.port);
    await second!.stop();
    second = await startReplica();
    await waitFor("the restarted replica lists the results", async () => (await results(second!.port)).length === 2 || undefined, 30_000);
    expect(await results(second!.port)).toEqual(before);
    // start-up returned after the informer's first list, which handed both Succeeded Workflows to the feeder
    // again; give it time to act on them: a write would count as stored or (inside JetStream's window) duplicate
    await new Promise((r) => setTimeout(r, 3000));
    const p = await published(second!.port);
    expect([p.stored ?? 0, p.duplicate ?? 0, p.failed ?? 0]).toEqual([0, 0, 0]);
  }, 60_000);
});
