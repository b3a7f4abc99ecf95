/**
 * @module services/blur/blur.int.test — the blur service (an entrypoint of the resize package) as a local
 * process against the harness's real MinIO: a frame as resize writes it and a sidecar as detect writes it,
 * compared pixel by pixel inside and outside the boxes; bad input exits 2.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMinio, type MinioServer } from "../../test/harness/minio.js";
import { pngBomb } from "../../test/fixtures/image-bombs.js";
import { REPO_ROOT } from "../../test/harness/util.js";
import { describeRun, objectExists, readObject, runService, type ServiceRun } from "../run-service.js";

let minio: MinioServer;
let prefix: string;

beforeAll(async () => {
  minio = await startMinio();
  prefix = `blur-${randomUUID().slice(0, 8)}`;
});
afterAll(async () => {
  await minio?.stop();
});

const W = 320;
const H = 240;

/** A noisy PNG (lossless, so untouched pixels must come back identical). */
async function noisyPng(width = W, height = H): Promise<Buffer> {
  const noise = await sharp({ create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 60 } } }).raw().toBuffer();
  return sharp(noise, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

async function rgb(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

interface Box { x: number; y: number; width: number; height: number }
const inBox = (b: Box, x: number, y: number) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;

/** Stores a frame under resize's output key and a sidecar under detect's; returns the blur run's env. */
async function stage(name: string, frame: Buffer, sidecar: unknown) {
  const frameKey = `${prefix}/resize/${name}.png`;
  const detectKey = `${prefix}/detect/${name}.png`;
  await minio.client.putObject("processed", frameKey, frame, frame.length);
  const json = Buffer.from(JSON.stringify(sidecar));
  await minio.client.putObject("processed", `${detectKey}.json`, json, json.length);
  const inputs = { resize: { bucket: "processed", keys: [frameKey] }, detect: { bucket: "processed", keys: [detectKey] } };
  return { frameKey, detectKey, outputKey: `${prefix}/blur/${name}.png`, inputs };
}

const blur = (s: Awaited<ReturnType<typeof stage>>, params: Record<string, string> = {}, inputs: unknown = s.inputs): Promise<ServiceRun> =>
  runService({
    command: process.execPath,
    args: ["--import", "tsx", join(REPO_ROOT, "services/resize/src/blur/main.ts")],
    cwd: REPO_ROOT,
    minio,
    inputBucket: "processed",
    inputKeys: [s.frameKey],
    outputKeys: [s.outputKey],
    params,
    env: { FRAMEGATE_INPUTS: JSON.stringify(inputs) },
  });

/** Counts changed pixels inside `masked` boxes and anywhere else. */
async function compare(before: Buffer, after: Buffer, masked: Box[]) {
  const a = await rgb(before);
  const b = await rgb(after);
  expect([b.width, b.height]).toEqual([a.width, a.height]);
  let inside = 0;
  let insideChanged = 0;
  let outsideChanged = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const i = (y * a.width + x) * 3;
      const changed = a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2];
      if (masked.some((m) => inBox(m, x, y))) {
        inside++;
        if (changed) insideChanged++;
      } else if (changed) outsideChanged++;
    }
  }
  return { inside, insideChanged, outsideChanged, after: b };
}

const person: Box = { x: 40, y: 30, width: 80, height: 120 };
const car: Box = { x: 200, y: 100, width: 90, height: 60 };
const sidecar = (boxes: [string, Box][], image = { width: W, height: H }) => ({
  image,
  detections: boxes.map(([label, box]) => ({ label, classId: 0, score: 0.9, box })),
});

describe("blur service", () => {
  it("blurs the person boxes of detect's sidecar and leaves every other pixel (and the car) as it was", async () => {
    const frame = await noisyPng();
    const s = await stage("a", frame, sidecar([["person", person], ["car", car]]));
    const r = await blur(s);
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.strayStdout).toEqual([]);
    const c = await compare(frame, await readObject(minio, "processed", s.outputKey), [person]);
    expect(c.outsideChanged).toBe(0); // includes the car: not in the default labels
    expect(c.insideChanged / c.inside).toBeGreaterThan(0.95);
    expect(r.logs.find((l) => l.msg === "masked")).toMatchObject({ regions: 1, width: W, height: H, output: `processed/${s.outputKey}` });
    expect((await minio.client.statObject("processed", s.outputKey)).metaData["content-type"]).toBe("image/png");
    expect(r.logs.every((l) => l.service === "blur")).toBe(true);
  });

  it("pixelates every listed label, scaling boxes from the image detect saw to the frame", async () => {
    const frame = await noisyPng();
    // detect saw a frame twice as large: its boxes are twice the frame's
    const dbl = (b: Box): Box => ({ x: b.x * 2, y: b.y * 2, width: b.width * 2, height: b.height * 2 });
    const s = await stage("b", frame, sidecar([["person", dbl(person)], ["car", dbl(car)]], { width: W * 2, height: H * 2 }));
    const r = await blur(s, { labels: "person, car", mode: "pixelate", strength: "10" });
    expect(r.code, describeRun(r)).toBe(0);
    const c = await compare(frame, await readObject(minio, "processed", s.outputKey), [person, car]);
    expect(c.outsideChanged).toBe(0);
    expect(c.insideChanged / c.inside).toBeGreaterThan(0.9);
    // a 10x10 block of the person box is one colour
    const px = (x: number, y: number) => c.after.data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3).toString("hex");
    const colours = new Set<string>();
    for (let y = person.y; y < person.y + 10; y++) for (let x = person.x; x < person.x + 10; x++) colours.add(px(x, y));
    expect(colours.size).toBe(1);
  });

  it("exits 2 without writing when the sidecar is missing, the detector is not a predecessor, or the frame is a bomb", async () => {
    const frame = await noisyPng(64, 48);
    const s = await stage("c", frame, sidecar([]));
    const missing = await blur(s, {}, { ...s.inputs, detect: { bucket: "processed", keys: [`${prefix}/detect/none.png`] } });
    expect(missing.code, describeRun(missing)).toBe(2);
    expect(missing.logs.find((l) => l.level === "error")?.msg).toMatch(/none\.png\.json does not exist/);

    const noDetector = await blur(s, {}, { resize: s.inputs.resize });
    expect(noDetector.code, describeRun(noDetector)).toBe(2);
    expect(noDetector.logs.find((l) => l.level === "error")?.msg).toMatch(/FRAMEGATE_INPUTS has no step "detect"/);

    const badSidecar = await stage("d", frame, { boxes: [] });
    const bad = await blur(badSidecar);
    expect(bad.code, describeRun(bad)).toBe(2);
    expect(bad.logs.find((l) => l.level === "error")?.msg).toMatch(/is not a detect sidecar: detections/);

    const bomb = await stage("e", pngBomb(50_000, 50_000), sidecar([["person", person]]));
    const r = await blur(bomb);
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.logs.find((l) => l.level === "error")).toMatchObject({ limit: "maxPixels", max: 40_000_000, retriable: false });
    for (const o of [s, badSidecar, bomb]) expect(await objectExists(minio, "processed", o.outputKey)).toBe(false);
  });
});
