/**
 * @module services/resize/resize.int.test — the resize service as a local process (`node --import tsx`)
 * against the harness's real MinIO: real JPEGs made with sharp, every exit code of the contract.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMinio, type MinioServer } from "../../test/harness/minio.js";
import { jpegBomb, pngBomb } from "../../test/fixtures/image-bombs.js";
import { freePort, REPO_ROOT } from "../../test/harness/util.js";
import { describeRun, objectExists, readObject, runService, type ServiceRunSpec } from "../run-service.js";

let minio: MinioServer;
let prefix: string;

beforeAll(async () => {
  minio = await startMinio();
});
afterAll(async () => {
  await minio?.stop();
});

const resize = (spec: Omit<ServiceRunSpec, "command" | "args" | "cwd" | "minio"> & { minio?: ServiceRunSpec["minio"] }) =>
  runService({
    command: process.execPath,
    args: ["--import", "tsx", join(REPO_ROOT, "services/resize/src/main.ts")],
    cwd: REPO_ROOT,
    minio,
    ...spec,
  });

/** A noisy 1920x1080 camera-like JPEG (noise so the encoder has real work and sizes differ). */
async function frame(width = 1920, height = 1080, orientation?: number): Promise<Buffer> {
  const noise = await sharp({ create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 40 } } })
    .raw()
    .toBuffer();
  const img = sharp(noise, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 });
  return (orientation ? img.withMetadata({ orientation }) : img).toBuffer();
}

async function put(key: string, body: Buffer): Promise<string> {
  await minio.client.putObject("raw", key, body, body.length);
  return key;
}

describe("resize service", () => {
  beforeAll(() => {
    prefix = `resize-${randomUUID().slice(0, 8)}`;
  });

  it("resizes a batch of frames, keeping the aspect ratio and writing the format the key names", async () => {
    const a = await put(`${prefix}/gate-1/2026/01/01/120000-1.jpg`, await frame());
    const b = await put(`${prefix}/gate-1/2026/01/01/120000-2.jpg`, await frame(1280, 960));
    const outA = `people/resize/${a}`;
    const outB = `people/resize/${b.replace(/\.jpg$/, ".png")}`;
    const r = await resize({ inputKeys: [a, b], outputKeys: [outA, outB], params: { width: "640", height: "640", fit: "inside", quality: "70" } });
    expect(r.code, describeRun(r)).toBe(0);
    expect(r.strayStdout).toEqual([]);

    const metaA = await sharp(await readObject(minio, "processed", outA)).metadata();
    expect([metaA.format, metaA.width, metaA.height]).toEqual(["jpeg", 640, 360]);
    const metaB = await sharp(await readObject(minio, "processed", outB)).metadata();
    expect([metaB.format, metaB.width, metaB.height]).toEqual(["png", 640, 480]);
    const stat = await minio.client.statObject("processed", outA);
    expect(stat.metaData["content-type"]).toBe("image/jpeg");

    const resized = r.logs.filter((l) => l.msg === "resized");
    expect(resized.map((l) => [l.output, l.width, l.height])).toEqual([
      [`processed/${outA}`, 640, 360],
      [`processed/${outB}`, 640, 480],
    ]);
    expect(r.logs.every((l) => l.service === "resize" && l.pipeline === "test-pipeline" && l.camera === "gate-1")).toBe(true);
  });

  it("crops with fit=cover, converts with format=webp and applies EXIF orientation", async () => {
    // stored 400x200 with orientation 6 (rotate 90° clockwise): upright it is 200x400
    const key = await put(`${prefix}/gate-2/rotated.jpg`, await frame(400, 200, 6));
    const out = `p/resize/${prefix}/gate-2/rotated.jpg`;
    const r = await resize({ inputKeys: [key], outputKeys: [out], params: { width: "100", height: "100", fit: "cover", format: "webp" } });
    expect(r.code, describeRun(r)).toBe(0);
    const meta = await sharp(await readObject(minio, "processed", out)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["webp", 100, 100]);

    const r2 = await resize({ inputKeys: [key], outputKeys: [out], params: { height: "100" } });
    expect(r2.code, describeRun(r2)).toBe(0);
    const upright = await sharp(await readObject(minio, "processed", out)).metadata();
    expect([upright.format, upright.width, upright.height]).toEqual(["jpeg", 50, 100]);
  });

  it("exits 2 (not retried) for an object that is not an image, and writes nothing", async () => {
    const key = await put(`${prefix}/gate-3/not-an-image.jpg`, Buffer.from("this is a text file, not a JPEG\n".repeat(50)));
    const out = `p/resize/${key}`;
    const r = await resize({ inputKeys: [key], outputKeys: [out], params: { width: "64" } });
    expect(r.code, describeRun(r)).toBe(2);
    expect(await objectExists(minio, "processed", out)).toBe(false);
    const err = r.logs.find((l) => l.level === "error");
    expect(err?.msg).toMatch(/is not an image sharp can decode/);
    expect(err?.retriable).toBe(false);
  });

  // A decoder that trusted these headers would allocate 7.5 GB (50,000 x 50,000 x 3 bytes). The caps stop
  // them at the header: exit 2 within milliseconds of starting, at the memory of an idle process.
  const MAX_RSS_KB = 250 * 1024; // the catalog's limit is 512Mi; measured ~130 MiB here, most of it node + tsx + sharp
  it.each([
    ["PNG", "png", async () => pngBomb(50_000, 50_000)],
    ["JPEG", "jpg", async () => jpegBomb(await frame(64, 48), 50_000, 50_000)],
  ])("exits 2 quickly and within its memory for a %s decompression bomb (50,000 x 50,000 declared)", async (_kind, ext, make) => {
    const bomb = await make();
    expect(bomb.length).toBeLessThan(4096);
    const key = await put(`${prefix}/gate-5/bomb.${ext}`, bomb);
    const out = `p/resize/${key}`;
    const r = await resize({ inputKeys: [key], outputKeys: [out], params: { width: "640" } }); // default maxPixels
    expect(r.code, describeRun(r)).toBe(2);
    expect(await objectExists(minio, "processed", out)).toBe(false);
    const err = r.logs.find((l) => l.level === "error")!;
    expect(err).toMatchObject({ limit: "maxPixels", max: 40_000_000, retriable: false });
    expect(err.msg).toMatch(/declares more than maxPixels \(40000000\) pixels/);
    const started = Date.parse(r.logs.find((l) => l.msg === "starting")!.time as string);
    const refusedMs = Date.parse(err.time as string) - started;
    console.log(`resize ${_kind} bomb: refused ${refusedMs} ms after start, process ${r.ms} ms, peak RSS ${Math.round(r.peakRssKb / 1024)} MiB`);
    expect(refusedMs).toBeLessThan(300);
    expect(r.peakRssKb).toBeGreaterThan(0);
    expect(r.peakRssKb).toBeLessThan(MAX_RSS_KB);
  });

  it("refuses an object over maxInputBytes without reading it, and resizes it once the cap allows", async () => {
    const img = await frame(320, 240);
    const key = await put(`${prefix}/gate-6/big.jpg`, img);
    const out = `p/resize/${key}`;
    const r = await resize({ inputKeys: [key], outputKeys: [out], params: { width: "64", maxInputBytes: String(img.length - 1) } });
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.logs.find((l) => l.level === "error")).toMatchObject({ limit: "maxInputBytes", max: img.length - 1, actual: img.length, retriable: false });
    expect(await objectExists(minio, "processed", out)).toBe(false);

    const ok = await resize({ inputKeys: [key], outputKeys: [out], params: { width: "64", maxInputBytes: String(img.length), maxPixels: String(320 * 240) } });
    expect(ok.code, describeRun(ok)).toBe(0);
    const tight = await resize({ inputKeys: [key], outputKeys: [out], params: { width: "64", maxPixels: String(320 * 240 - 1) } });
    expect(tight.code, describeRun(tight)).toBe(2);
    expect(tight.logs.find((l) => l.level === "error")).toMatchObject({ limit: "maxPixels", max: 320 * 240 - 1 });
  });

  it("exits 2 for a missing object but still writes the other outputs of the batch", async () => {
    const good = await put(`${prefix}/gate-4/good.jpg`, await frame(320, 240));
    const r = await resize({
      inputKeys: [`${prefix}/gate-4/gone.jpg`, good],
      outputKeys: ["p/gone.jpg", `p/resize/${good}`],
      params: { width: "160" },
    });
    expect(r.code, describeRun(r)).toBe(2);
    expect(r.logs.find((l) => l.level === "error")?.msg).toMatch(/input object raw\/.*gone\.jpg does not exist/);
    expect((await sharp(await readObject(minio, "processed", `p/resize/${good}`)).metadata()).width).toBe(160);
  });

  it("exits 2 for bad parameters and names each one", async () => {
    const r = await resize({ inputKeys: ["x.jpg"], outputKeys: ["y.jpg"], params: { width: "-3", fit: "squash" } });
    expect(r.code, describeRun(r)).toBe(2);
    const problems = r.logs.find((l) => l.level === "error")?.problems as string[];
    expect(problems.some((p) => p.startsWith("FRAMEGATE_PARAM_WIDTH:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("FRAMEGATE_PARAM_FIT:"))).toBe(true);
  });

  it("exits 1 (retried) when MinIO cannot be reached", async () => {
    const port = await freePort();
    const r = await resize({
      inputKeys: ["a.jpg"],
      outputKeys: ["b.jpg"],
      params: { width: "10" },
      minio: { endpoint: `http://127.0.0.1:${port}`, accessKey: "x", secretKey: "y" },
    });
    expect(r.code, describeRun(r)).toBe(1);
    expect(r.logs.find((l) => l.level === "error")?.retriable).toBe(true);
  });
});
