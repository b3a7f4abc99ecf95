/**
 * @module services/detect/detect.int.test — the detect service as a local process (`python -m detect` in the
 * venv from setup-venv.sh) against the harness's real MinIO: HOG on a real photograph, the ONNX Runtime path (CPU) on tiny
 * generated models, the sidecar's shape, exit codes; and the service's pytest suite.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { jpegBomb, pngBomb } from "../../test/fixtures/image-bombs.js";
import { startMinio, type MinioServer } from "../../test/harness/minio.js";
import { freePort, REPO_ROOT } from "../../test/harness/util.js";
import { describeRun, objectExists, readObject, runService, type ServiceRunSpec } from "../run-service.js";

const run = promisify(execFile);
const DETECT_DIR = join(REPO_ROOT, "services/detect");

let venv: string;
let python: string;
let minio: MinioServer;
let modelsDir: string;
const prefix = `detect-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  // idempotent: milliseconds when the cached venv exists, a couple of minutes the first time
  try {
    const { stdout } = await run(join(DETECT_DIR, "setup-venv.sh"), [], { timeout: 15 * 60_000, maxBuffer: 16 << 20 });
    venv = stdout.trim().split("\n").at(-1)!;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`services/detect/setup-venv.sh failed (it needs Python >= 3.10 with venv and PyPI): ${err.message}\n${err.stderr ?? ""}`);
  }
  python = join(venv, "bin/python");
  minio = await startMinio();
  modelsDir = mkdtempSync(join(tmpdir(), "framegate-detect-models-"));
  await run(python, ["-m", "tests.models", modelsDir], { cwd: DETECT_DIR });
  for (const name of ["yolov5", "yolov8", "yolo11", "ssd"]) {
    await minio.client.fPutObject("models", `${prefix}/${name}.onnx`, join(modelsDir, `${name}.onnx`));
  }
}, 20 * 60_000);

afterAll(async () => {
  await minio?.stop();
  if (modelsDir) rmSync(modelsDir, { recursive: true, force: true });
});

const detect = (spec: Omit<ServiceRunSpec, "command" | "args" | "cwd" | "minio"> & { minio?: ServiceRunSpec["minio"] }) =>
  runService({ command: python, args: ["-m", "detect"], cwd: DETECT_DIR, minio, timeoutMs: 120_000, ...spec });

interface Sidecar {
  input: { bucket: string; key: string };
  output: { bucket: string; key: string };
  image: { width: number; height: number };
  model: { name: string; kind: string; layout: string | null; etag?: string; sha256?: string; provider?: string };
  params: { confidence: number; classes: string[]; inputSize: number | null };
  count: number;
  detections: Array<{ label: string; classId: number; score: number; box: { x: number; y: number; width: number; height: number } }>;
}

async function sidecar(outputKey: string): Promise<Sidecar> {
  return JSON.parse((await readObject(minio, "processed", `${outputKey}.json`)).toString("utf8")) as Sidecar;
}

async function put(key: string, body: Buffer): Promise<string> {
  await minio.client.putObject("raw", key, body, body.length);
  return key;
}

describe("detect service", () => {
  it("passes its pytest suite (decoders, HOG on a real photo, ONNX Runtime and its CPU fallback, doctests)", async () => {
    const r = await run(python, ["-m", "pytest", "-p", "no:cacheprovider"], { cwd: DETECT_DIR, timeout: 300_000 }).catch(
      (e: { stdout?: string; stderr?: string; code?: number }) => e,
    );
    const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    expect("code" in r ? r.code : 0, out).toBe(0);
    expect(out).toMatch(/\d+ passed/);
  }, 300_000);

  it("finds people with HOG in a real photo and writes an annotated frame plus its JSON sidecar", async () => {
    const bus = await put(`${prefix}/gate-1/bus.jpg`, readFileSync(join(venv, "fixtures/bus.jpg")));
    const plain = await put(
      `${prefix}/gate-1/plain.jpg`,
      await sharp({ create: { width: 640, height: 480, channels: 3, background: "#4060a0" } }).jpeg().toBuffer(),
    );
    const outs = [`people/detect/${bus}`, `people/detect/${plain}`];
    const r = await detect({ inputKeys: [bus, plain], outputKeys: outs, params: { model: "", confidence: "0.3", classes: "person" } });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.strayStdout).toEqual([]);

    const found = await sidecar(outs[0]!);
    expect(found.input).toEqual({ bucket: "raw", key: bus });
    expect(found.output).toEqual({ bucket: "processed", key: outs[0] });
    expect(found.image).toEqual({ width: 810, height: 1080 });
    expect(found.model).toEqual({ name: "opencv-hog-people", kind: "hog", layout: "hog" });
    expect(found.count).toBeGreaterThan(0);
    expect(found.detections).toHaveLength(found.count);
    for (const d of found.detections) {
      expect(d.label).toBe("person");
      expect(d.score).toBeGreaterThanOrEqual(0.3);
      expect(d.box.x + d.box.width).toBeLessThanOrEqual(810);
      expect(d.box.y + d.box.height).toBeLessThanOrEqual(1080);
    }
    // a box over the man on the left (about x 48-245, y 398-902)
    expect(found.detections.some((d) => d.box.x < 100 && d.box.x + d.box.width > 200 && d.box.y < 450 && d.box.y + d.box.height > 850)).toBe(true);

    const annotated = await readObject(minio, "processed", outs[0]!);
    const meta = await sharp(annotated).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 810, 1080]);
    // the box is drawn in green (0, 200, 0): its left edge column is green where the photo is not
    const d = found.detections[0]!;
    const { data, info } = await sharp(annotated).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const edge = px(d.box.x, d.box.y + Math.floor(d.box.height / 2));
    expect(edge[1]! - Math.max(edge[0]!, edge[2]!), `pixel ${edge} on the box edge`).toBeGreaterThan(100);

    const none = await sidecar(outs[1]!);
    expect([none.image.width, none.image.height, none.count, none.detections]).toEqual([640, 480, 0, []]);
    expect((await sharp(await readObject(minio, "processed", outs[1]!)).metadata()).width).toBe(640);
    expect((await minio.client.statObject("processed", `${outs[1]}.json`)).metaData["content-type"]).toBe("application/json");
  }, 120_000);

  it.each([
    ["yolov5", "yolov5"],
    ["yolov8", "yolov8"],
    ["yolo11", "yolov8"],
    ["ssd", "ssd"],
  ])("runs an ONNX model (%s, %s layout) from the models bucket in ONNX Runtime on the CPU, and logs the provider", async (model, layout) => {
    const key = await put(
      `${prefix}/gate-2/${model}.jpg`,
      await sharp({ create: { width: 640, height: 480, channels: 3, background: "#808080" } }).jpeg().toBuffer(),
    );
    const out = `p/detect/${key}`;
    const r = await detect({
      inputKeys: [key],
      outputKeys: [out],
      params: { model: `${prefix}/${model}.onnx`, confidence: "0.5", classes: "person", inputsize: "64" },
    });
    expect(r.code, describeRun(r)).toBe(0);
    const s = await sidecar(out);
    expect(s.model.name).toBe(`models/${prefix}/${model}.onnx`);
    expect([s.model.kind, s.model.layout, s.model.provider]).toEqual(["onnx", layout, "CPUExecutionProvider"]);
    const providerLines = r.logs.filter((l) => l.msg === "onnx runtime provider");
    expect(providerLines).toHaveLength(1);
    expect(providerLines[0]).toMatchObject({ level: "info", provider: "CPUExecutionProvider", requested: ["CPUExecutionProvider"], fallback: false });
    expect(s.model.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(s.model.sha256).toBe(createHash("sha256").update(readFileSync(join(modelsDir, `${model}.onnx`))).digest("hex"));
    expect(s.params).toEqual({ confidence: 0.5, classes: ["person"], inputSize: 64 });
    // the generated models hold fixed boxes (services/detect/tests/models.py); below 0.5 and non-persons are dropped
    const expected = layout === "ssd" ? { x: 160, y: 120, width: 320, height: 240 } : { x: 240, y: 120, width: 160, height: 240 };
    expect(s.detections).toEqual([{ label: "person", classId: 0, score: layout === "ssd" ? 0.95 : 0.9, box: expected }]);
    const meta = await sharp(await readObject(minio, "processed", out)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 640, 480]);
  }, 120_000);

  it("exits 2 (not retried) for an object that is not an image, and writes nothing for it", async () => {
    const key = await put(`${prefix}/gate-3/not-an-image.jpg`, Buffer.from("plain text, not a JPEG\n".repeat(40)));
    const r = await detect({ inputKeys: [key], outputKeys: [`p/detect/${key}`] });
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.logs.find((l) => l.level === "error")?.msg).toMatch(/is not an image OpenCV can decode/);
    expect(await objectExists(minio, "processed", `p/detect/${key}`)).toBe(false);
    expect(await objectExists(minio, "processed", `p/detect/${key}.json`)).toBe(false);
  }, 60_000);

  // A decoder that trusted these headers would allocate 7.5 GB (50,000 x 50,000 x 3 bytes). The caps stop
  // them at the header: exit 2 within milliseconds of reading the object, at the memory of an idle process.
  const MAX_RSS_KB = 150 * 1024; // the catalog's limit is 2Gi; measured ~62 MiB here (Python, numpy and OpenCV loaded)
  it.each([
    ["PNG", "png", () => pngBomb(50_000, 50_000)],
    ["JPEG", "jpg", async () => jpegBomb(await sharp({ create: { width: 64, height: 48, channels: 3, background: "#000" } }).jpeg().toBuffer(), 50_000, 50_000)],
  ])("exits 2 quickly and within its memory for a %s decompression bomb (50,000 x 50,000 declared)", async (kind, ext, make) => {
    const bomb = await make();
    expect(bomb.length).toBeLessThan(4096);
    const key = await put(`${prefix}/gate-5/bomb.${ext}`, bomb);
    const out = `p/detect/${key}`;
    const r = await detect({ inputKeys: [key], outputKeys: [out] }); // default maxPixels
    expect(r.code, describeRun(r)).toBe(2);
    const err = r.logs.find((l) => l.level === "error")!;
    expect(err).toMatchObject({ limit: "maxPixels", max: 40_000_000, actual: 2_500_000_000, retriable: false });
    expect(err.msg).toMatch(/declares 50000x50000 = 2500000000 pixels, more than maxPixels \(40000000\)/);
    const refusedMs = Date.parse(err.time as string) - Date.parse(r.logs.find((l) => l.msg === "starting")!.time as string);
    console.log(`detect ${kind} bomb: refused ${refusedMs} ms after start, process ${r.ms} ms, peak RSS ${Math.round(r.peakRssKb / 1024)} MiB`);
    expect(refusedMs).toBeLessThan(500);
    expect(r.peakRssKb).toBeGreaterThan(0);
    expect(r.peakRssKb).toBeLessThan(MAX_RSS_KB);
    expect(await objectExists(minio, "processed", out)).toBe(false);
  }, 60_000);

  it("refuses an object over maxInputBytes, and a pinned model whose SHA-256 differs (both hashes logged)", async () => {
    const frame = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#000" } }).jpeg().toBuffer();
    const key = await put(`${prefix}/gate-6/frame.jpg`, frame);
    const big = await detect({ inputKeys: [key], outputKeys: ["p/big.jpg"], params: { maxInputBytes: String(frame.length - 1) } });
    expect(big.code, describeRun(big)).toBe(2);
    expect(big.logs.find((l) => l.level === "error")).toMatchObject({ limit: "maxInputBytes", max: frame.length - 1, actual: frame.length });

    const model = `${prefix}/yolov8.onnx`;
    const actual = createHash("sha256").update(readFileSync(join(modelsDir, "yolov8.onnx"))).digest("hex");
    const wrong = "0".repeat(64);
    const params = { model, inputsize: "64" };
    const pinnedWrong = await detect({ inputKeys: [key], outputKeys: ["p/pinned.jpg"], params: { ...params, modelSha256: wrong } });
    expect(pinnedWrong.code, describeRun(pinnedWrong)).toBe(2);
    const err = pinnedWrong.logs.find((l) => l.level === "error")!;
    expect(err).toMatchObject({ expectedSha256: wrong, actualSha256: actual, retriable: false });
    expect(err.msg).toContain(`has SHA-256 ${actual}, but the step pins ${wrong}`);
    expect(await objectExists(minio, "processed", "p/pinned.jpg")).toBe(false);

    const pinnedRight = await detect({ inputKeys: [key], outputKeys: ["p/pinned.jpg"], params: { ...params, modelSha256: actual.toUpperCase() } });
    expect(pinnedRight.code, describeRun(pinnedRight)).toBe(0);
    expect((await sidecar("p/pinned.jpg")).model.sha256).toBe(actual);
  }, 120_000);

  it("exits 2 when the named model is not in the models bucket, or is not ONNX", async () => {
    const key = await put(`${prefix}/gate-4/frame.jpg`, await sharp({ create: { width: 64, height: 64, channels: 3, background: "#000" } }).jpeg().toBuffer());
    const missing = await detect({ inputKeys: [key], outputKeys: ["p/x.jpg"], params: { model: `${prefix}/nope.onnx` } });
    expect(missing.code, describeRun(missing)).toBe(2);
    expect(missing.logs.find((l) => l.level === "error")?.msg).toMatch(/model models\/.*nope\.onnx does not exist/);

    await minio.client.putObject("models", `${prefix}/garbage.onnx`, Buffer.from("not a model"));
    const garbage = await detect({ inputKeys: [key], outputKeys: ["p/x.jpg"], params: { model: `${prefix}/garbage.onnx` } });
    expect(garbage.code, describeRun(garbage)).toBe(2);
    expect(garbage.logs.find((l) => l.level === "error")?.msg).toMatch(/is not an ONNX model ONNX Runtime [\d.]+ can load/);
  }, 60_000);

  it("exits 2 for bad parameters and 1 (retried) when MinIO cannot be reached", async () => {
    const bad = await detect({ inputKeys: ["a.jpg"], outputKeys: ["b.jpg"], params: { confidence: "lots" } });
    expect(bad.code, describeRun(bad)).toBe(2);
    expect(bad.logs.find((l) => l.level === "error")?.problems).toEqual([expect.stringMatching(/^FRAMEGATE_PARAM_CONFIDENCE: 'lots' is not a number/)]);

    const port = await freePort();
    const down = await detect({
      inputKeys: ["a.jpg"],
      outputKeys: ["b.jpg"],
      minio: { endpoint: `127.0.0.1:${port}`, accessKey: "x", secretKey: "y" },
    });
    expect(down.code, describeRun(down)).toBe(1);
    expect(down.logs.find((l) => l.level === "error")?.retriable).toBe(true);
  }, 120_000);
});
