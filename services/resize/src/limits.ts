/**
 * @module resize/limits — the input caps: an object larger than `maxInputBytes` is refused before it is
 * read (its size from a stat, and counted again while it streams, in case it changed in between), an
 * image whose header declares more than `maxPixels` pixels is refused by sharp before it decodes a row.
 * Both are bad input (exit 2): a decompression bomb ends in milliseconds, within the step's memory limit.
 */
import { Transform, type TransformCallback } from "node:stream";
import { BadInputError } from "./contract.js";

/** A cap that an input exceeded; its fields go into the error's log line. */
export class InputLimitError extends BadInputError {
  override name = "InputLimitError";
  constructor(
    message: string,
    /** the parameter that set the cap */
    readonly limit: "maxInputBytes" | "maxPixels",
    readonly max: number,
    /** the input's value, when known */
    readonly actual?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** What the log line says about the cap. */
  get fields(): Record<string, unknown> {
    return { limit: this.limit, max: this.max, ...(this.actual !== undefined ? { actual: this.actual } : {}) };
  }
}

const raise = (name: string) => `raise FRAMEGATE_PARAM_${name.toUpperCase()} (the step's \`${name}\` param) if such inputs are expected`;

/** The error for an object over `maxInputBytes`. */
export function tooManyBytes(where: string, bytes: number, max: number): InputLimitError {
  return new InputLimitError(`${where} is ${bytes} bytes, more than maxInputBytes (${max}): not read; ${raise("maxInputBytes")}`, "maxInputBytes", max, bytes);
}

/** The error for an image whose header declares more than `maxPixels` pixels (sharp's `limitInputPixels`). */
export function tooManyPixels(where: string, max: number, cause: unknown): InputLimitError {
  return new InputLimitError(
    `${where} declares more than maxPixels (${max}) pixels (width x height) in its header: not decoded (a decompression bomb, or a frame larger than expected); ${raise("maxPixels")}`,
    "maxPixels",
    max,
    undefined,
    { cause },
  );
}

/** Is this sharp/libvips error the pixel cap? */
export const isPixelLimit = (err: unknown): boolean => err instanceof Error && /exceeds pixel limit/i.test(err.message);

/** A pass-through that fails with {@link tooManyBytes} once more than `max` bytes went through. */
export function byteCap(where: string, max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > max) cb(tooManyBytes(where, seen, max));
      else cb(null, chunk);
    },
  });
}
