/**
 * @module resize/resize — resize one object: MinIO stream -> sharp transformer -> MinIO upload.
 *
 * The upload starts once sharp reports the encoded size (its `info` event comes right before it pushes
 * the data), so `putObject` gets a stream *and* its length and sends one PUT. Without a length the
 * minio client falls back to a multipart upload (four requests per frame) that hangs if the stream
 * errors, because it pipes without forwarding errors.
 */
import type { Readable } from "node:stream";
import sharp from "sharp";
import { BadInputError } from "./contract.js";
import { byteCap, isPixelLimit, tooManyBytes, tooManyPixels } from "./limits.js";
import type { ObjectStore } from "./object-store.js";
import { contentType, formatFor, type ResizeParams } from "./params.js";

/** What one resize produced, for the log line. */
export interface ResizeResult {
  width: number;
  height: number;
  format: string;
  bytes: number;
}

/** One object to resize. */
export interface ResizeJob {
  inputBucket: string;
  inputKey: string;
  outputBucket: string;
  outputKey: string;
}

/** Builds the sharp pipeline for `params`, writing `format`. Exported for unit tests. */
export function transformer(params: ResizeParams, format: ReturnType<typeof formatFor>): sharp.Sharp {
  // failOn "error": a truncated or corrupt frame fails here (exit 2) instead of being written half grey.
  // limitInputPixels: sharp compares the header's width x height with it before decoding anything
  const t = sharp({ failOn: "error", sequentialRead: true, limitInputPixels: params.maxPixels })
    .rotate() // camera frames carry EXIF orientation; bake it in before resizing
    .resize({ width: params.width, height: params.height, fit: params.fit });
  return format === "png" ? t.png() : t.toFormat(format, { quality: params.quality });
}

/**
 * Resizes `job.inputKey` into `job.outputKey`. Throws {@link BadInputError} for input that is not an
 * image or does not exist, and its subclass InputLimitError for one over a cap (limits.ts); any other
 * error is a failure that a retry may fix.
 */
export async function resizeObject(store: ObjectStore, params: ResizeParams, job: ResizeJob): Promise<ResizeResult> {
  const format = formatFor(params.format, job.outputKey);
  const where = `${job.inputBucket}/${job.inputKey}`;
  const bytes = await store.size(job.inputBucket, job.inputKey);
  if (bytes > params.maxInputBytes) throw tooManyBytes(where, bytes, params.maxInputBytes);
  const source: Readable = await store.get(job.inputBucket, job.inputKey);
  const cap = byteCap(where, params.maxInputBytes);
  const t = transformer(params, format);

  const info = await new Promise<sharp.OutputInfo>((resolve, reject) => {
    // The first error decides: a source error also makes sharp fail, and that is not the image's fault.
    let settled = false;
    source.on("error", (err) => {
      if (settled) return;
      settled = true;
      t.destroy(err);
      reject(new Error(`reading ${job.inputBucket}/${job.inputKey} failed mid-stream: ${err.message} (a retry may fix this)`, { cause: err }));
    });
    cap.on("error", (err) => {
      if (settled) return;
      settled = true;
      source.destroy();
      t.destroy();
      reject(err);
    });
    t.on("error", (err) => {
      if (settled) return;
      settled = true;
      source.destroy();
      if (isPixelLimit(err)) return reject(tooManyPixels(where, params.maxPixels, err));
      reject(
        new BadInputError(
          `${job.inputBucket}/${job.inputKey} is not an image sharp can decode (${err.message}): upload a JPEG, PNG, WebP, AVIF, TIFF or GIF`,
          { cause: err },
        ),
      );
    });
    t.once("info", (info: sharp.OutputInfo) => {
      settled = true;
      resolve(info);
    });
    source.pipe(cap).pipe(t);
    // sharp starts encoding on the first read; read(0) asks for it without taking any data out
    t.read(0);
  });

  await store.put(job.outputBucket, job.outputKey, t, info.size, {
    "Content-Type": contentType(format),
    "X-Amz-Meta-Framegate-Source": `${job.inputBucket}/${job.inputKey}`,
  });
  return { width: info.width, height: info.height, format: info.format, bytes: info.size };
}
