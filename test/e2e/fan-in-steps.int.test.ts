/**
 * @module test/e2e/fan-in-steps.int.test — a diamond run for real by the stack's pod runner: resize, then
 * detect and a thumbnail in parallel, then blur after both (fan-in). The joining step gets both
 * predecessors' outputs (FRAMEGATE_INPUTS) and masks the people detect found, scaled to the thumbnail;
 * every pixel outside the boxes is the thumbnail's (PNG all the way, so nothing is re-encoded lossily).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readObject } from "../../services/run-service.js";
import { masks } from "../../services/resize/src/blur/regions.js";
import { detectVenv } from "../harness/pod-runner-images.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { REPO_ROOT } from "../harness/util.js";
import { PipelineUnderTest, stepEnv, waitFor, type WorkflowObject } from "./pipeline-under-test.js";

const RULES = {
  "diamond.yaml": `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: fi-diamond }
spec:
  trigger: { bucket: fi-diamond, key: "{camera}/*.jpg" }
  workflow:
    serviceAccountName: framegate-runner
    steps:
      - { name: resize, service: resize, params: { width: "640", height: "640", format: png } }
      - { name: detect, service: detect, after: [resize], params: { confidence: "0.3" } }
      - { name: thumbnail, service: resize, after: [resize], params: { width: "320", height: "320", format: png } }
      - { name: blur, service: blur, after: [thumbnail, detect], params: { mode: pixelate, strength: "6", format: png } }
`,
};

describe("a diamond run for real by the pod runner", () => {
  let stack: FullStack;
  let t: PipelineUnderTest;
  let servicesDir: string;

  beforeAll(async () => {
    const bus = readFileSync(join(await detectVenv(), "fixtures/bus.jpg"));
    servicesDir = mkdtempSync(join(tmpdir(), "framegate-fan-in-"));
    for (const s of ["resize", "detect", "blur"]) {
      mkdirSync(join(servicesDir, s));
      copyFileSync(join(REPO_ROOT, "services", s, "service.yaml"), join(servicesDir, s, "service.yaml"));
    }
    stack = await startStack({ runner: { maxProcesses: 2 } });
    t = await PipelineUnderTest.start(stack, { id: "fan-in", rules: RULES, extra: { FRAMEGATE_SERVICES_DIR: servicesDir } });
    await stack.minio.client.putObject("fi-diamond", "gate-01/bus.jpg", bus, bus.length, { "Content-Type": "image/jpeg" });
  }, 300_000);

  afterAll(async () => {
    await t?.stop();
    await stack?.stop();
    if (servicesDir) rmSync(servicesDir, { recursive: true, force: true });
  }, 60_000);

  it("blur gets both predecessors' outputs and masks the people in the thumbnail, and nothing else", async () => {
    let phase = "";
    const wf: WorkflowObject = await waitFor("the diamond's Workflow finishing", async () => {
      const [w] = await t.workflows("fi-diamond");
      phase = w?.status?.phase ?? "";
      return ["Succeeded", "Failed", "Error"].includes(phase) ? w : undefined;
    }, 180_000, () => `phase "${phase}"; runner ${JSON.stringify(stack.runner!.stats())}\n${t.logs.toString().slice(-3000)}`);
    expect(wf.status?.phase, `${wf.status?.message ?? ""}\n${t.logs.toString().slice(-3000)}`).toBe("Succeeded");

    const [thumb] = JSON.parse(stepEnv(wf, "thumbnail", "FRAMEGATE_OUTPUT_KEYS")!) as string[];
    const [annotated] = JSON.parse(stepEnv(wf, "detect", "FRAMEGATE_OUTPUT_KEYS")!) as string[];
    const [masked] = JSON.parse(stepEnv(wf, "blur", "FRAMEGATE_OUTPUT_KEYS")!) as string[];
    expect(JSON.parse(stepEnv(wf, "blur", "FRAMEGATE_INPUTS")!)).toEqual({
      thumbnail: { bucket: "processed", keys: [thumb] },
      detect: { bucket: "processed", keys: [annotated] },
    });
    expect(stepEnv(wf, "blur", "FRAMEGATE_INPUT_KEYS")).toBe(JSON.stringify([thumb]));

    const before = await sharp(await readObject(stack.minio, "processed", thumb!)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const after = await sharp(await readObject(stack.minio, "processed", masked!)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const { width, height } = before.info;
    expect([after.info.width, after.info.height]).toEqual([width, height]);
    const sidecar = (await readObject(stack.minio, "processed", `${annotated}.json`)).toString("utf8");
    const boxes = masks(sidecar, "sidecar", new Set(["person"]), width, height);
    expect(boxes.length, sidecar).toBeGreaterThan(0);
    let inside = 0;
    let insideChanged = 0;
    let outsideChanged = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        const changed = before.data[i] !== after.data[i] || before.data[i + 1] !== after.data[i + 1] || before.data[i + 2] !== after.data[i + 2];
        if (boxes.some((b) => x >= b.left && x < b.left + b.width && y >= b.top && y < b.top + b.height)) {
          inside++;
          if (changed) insideChanged++;
        } else if (changed) outsideChanged++;
      }
    }
    expect(outsideChanged).toBe(0);
    expect(insideChanged / inside).toBeGreaterThan(0.5);
  }, 240_000);
});
