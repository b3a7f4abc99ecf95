/**
 * @module resize/blur/mask — mask one frame: read it and the detector's sidecar (both under the input
 * caps), blur or pixelate the boxes whose label is listed, write the frame. Pixels outside the boxes
 * are decoded and re-encoded only (identical with a lossless format such as PNG).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import sharp from "sharp";
import { BadInputError } from "../contract.js";
import { byteCap, isPixelLimit, tooManyBytes, tooManyPixels } from "../limits.js";
import type { ObjectStore } from "../object-store.js";
import { contentType, formatFor } from "../params.js";
import type { BlurParams } from "./params.js";
import { masks, MAX_SIDECAR_BYTES, type Rect } from "./regions.js";

/** One frame to mask. */
export interface MaskJob {
  frameBucket: string;
  frameKey: string;
  regionsBucket: string;
  /** the detector's output key; the boxes are in `<regionsKey>.json` */
  regionsKey: string;
  outputBucket: string;
  outputKey: string;
}

/** What one mask produced, for the log line. */
export interface MaskResult {
  width: number;
  height: number;
  regions: number;
  bytes: number;
}

/** Reads a whole object, refusing one over `max` bytes before (stat) and while (count) reading it. */
async function readCapped(store: ObjectStore, bucket: string, key: string, max: number): Promise<Buffer> {
  const where = `${bucket}/${key}`;
  const size = await store.size(bucket, key);
  if (size > max) throw tooManyBytes(where, size, max);
  const chunks: Buffer[] = [];
  const source = await store.get(bucket, key);
  try {
    await pipeline(source, byteCap(where, max), async (s: AsyncIterable<Buffer>) => {
      for await (const c of s) chunks.push(c);
    });
  } catch (err) {
    if (err instanceof BadInputError) throw err;
    throw new Error(`reading ${where} failed mid-stream: ${(err as Error).message} (a retry may fix this)`, { cause: err });
  }
  return Buffer.concat(chunks);
}

/** The masked copy of one rectangle of a raw image. */
async function maskedPatch(raw: Buffer, info: sharp.OutputInfo, r: Rect, params: BlurParams): Promise<Buffer> {
  const region = sharp(raw, { raw: { width: info.width, height: info.height, channels: info.channels } }).extract(r);
  if (params.mode === "blur") return region.blur(Math.max(0.3, params.strength)).raw().toBuffer();
  // pixelate: average blocks of `strength` pixels, then scale back up without smoothing
  const small = await region
    .resize(Math.max(1, Math.ceil(r.width / params.strength)), Math.max(1, Math.ceil(r.height / params.strength)), { fit: "fill" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: info.channels } })
    .resize(r.width, r.height, { fit: "fill", kernel: "nearest" })
    .raw()
    .toBuffer();
}

/**
 * Masks `job.frameKey` into `job.outputKey`. Throws {@link BadInputError} for a frame or sidecar that
 * is missing, not decodable or over a cap (InputLimitError); any other error may be fixed by a retry.
 */
export async function maskObject(store: ObjectStore, params: BlurParams, job: MaskJob): Promise<MaskResult> {
  const where = `${job.frameBucket}/${job.frameKey}`;
  const frame = await readCapped(store, job.frameBucket, job.frameKey, params.maxInputBytes);
  const sidecarKey = `${job.regionsKey}.json`;
  const sidecar = await readCapped(store, job.regionsBucket, sidecarKey, MAX_SIDECAR_BYTES);
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    // rotate(): the orientation OpenCV's imread applies, so the boxes detect found line up
    decoded = await sharp(frame, { failOn: "error", limitInputPixels: params.maxPixels }).rotate().raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (isPixelLimit(err)) throw tooManyPixels(where, params.maxPixels, err);
    throw new BadInputError(`${where} is not an image sharp can decode (${(err as Error).message}): the frame step must write JPEG, PNG, WebP, AVIF or TIFF`, { cause: err });
  }
  const { data, info } = decoded;
  const rects = masks(sidecar.toString("utf8"), `${job.regionsBucket}/${sidecarKey}`, new Set(params.labels), info.width, info.height);
  const patches = await Promise.all(rects.map((r) => maskedPatch(data, info, r, params)));
  const format = formatFor(params.format, job.outputKey);
  const out = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).composite(
    rects.map((r, i) => ({ input: patches[i]!, raw: { width: r.width, height: r.height, channels: info.channels }, left: r.left, top: r.top })),
  );
  const body = await (format === "png" ? out.png() : out.toFormat(format, { quality: params.quality })).toBuffer();
  await store.put(job.outputBucket, job.outputKey, Readable.from(body), body.length, {
    "Content-Type": contentType(format),
    "X-Amz-Meta-Framegate-Source": where,
  });
  return { width: info.width, height: info.height, regions: rects.length, bytes: body.length };
}
