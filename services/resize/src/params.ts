/** @module resize/params — the resize service's parameters (`FRAMEGATE_PARAM_*`), validated with zod. */
import { z } from "zod";
import { BadInputError } from "./contract.js";

/** Output encodings the service writes, and the key extensions that select each one. */
export const formats = ["jpeg", "png", "webp", "avif", "tiff"] as const;
export type Format = (typeof formats)[number];

const extensionFormats: Record<string, Format> = {
  jpg: "jpeg", jpeg: "jpeg", png: "png", webp: "webp", avif: "avif", tif: "tiff", tiff: "tiff",
};

/** `""` (what the renderer passes for a parameter without a default) counts as not set. */
export const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);

const dimension = (name: string) =>
  z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: `FRAMEGATE_PARAM_${name} must be a whole number of pixels` })
      .int(`FRAMEGATE_PARAM_${name} must be a whole number of pixels`)
      .min(1, `FRAMEGATE_PARAM_${name} must be at least 1`)
      .max(16384, `FRAMEGATE_PARAM_${name} must be at most 16384`)
      .optional(),
  );

/** A positive whole-number limit with a default (`""` = the default); blur's params use it too. */
export const limit = (name: string, def: number, max: number, unit: string) =>
  z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: `FRAMEGATE_PARAM_${name} must be a whole number of ${unit}` })
      .int(`FRAMEGATE_PARAM_${name} must be a whole number of ${unit}`)
      .min(1, `FRAMEGATE_PARAM_${name} must be at least 1`)
      .max(max, `FRAMEGATE_PARAM_${name} must be at most ${max}`)
      .default(def),
  );

/** Defaults of the input caps (also in service.yaml): 25 MiB, 40 megapixels (an 8K frame is 33). */
export const DEFAULT_MAX_INPUT_BYTES = 25 * 1024 * 1024;
export const DEFAULT_MAX_PIXELS = 40_000_000;

const paramsSchema = z
  .object({
    FRAMEGATE_PARAM_WIDTH: dimension("WIDTH"),
    FRAMEGATE_PARAM_HEIGHT: dimension("HEIGHT"),
    FRAMEGATE_PARAM_FIT: z.preprocess(
      unsetIfEmpty,
      z.enum(["cover", "contain", "fill", "inside", "outside"], {
        error: "FRAMEGATE_PARAM_FIT must be one of cover, contain, fill, inside, outside",
      }).default("inside"),
    ),
    FRAMEGATE_PARAM_FORMAT: z.preprocess(
      (v) => (typeof v === "string" ? (v === "" ? undefined : v.toLowerCase() === "jpg" ? "jpeg" : v.toLowerCase()) : v),
      z.enum(formats, { error: `FRAMEGATE_PARAM_FORMAT must be one of ${formats.join(", ")} (or empty: from the output key)` }).optional(),
    ),
    FRAMEGATE_PARAM_QUALITY: z.preprocess(
      unsetIfEmpty,
      z.coerce
        .number({ error: "FRAMEGATE_PARAM_QUALITY must be a whole number from 1 to 100" })
        .int("FRAMEGATE_PARAM_QUALITY must be a whole number from 1 to 100")
        .min(1, "FRAMEGATE_PARAM_QUALITY must be a whole number from 1 to 100")
        .max(100, "FRAMEGATE_PARAM_QUALITY must be a whole number from 1 to 100")
        .default(85),
    ),
    FRAMEGATE_PARAM_MAXINPUTBYTES: limit("MAXINPUTBYTES", DEFAULT_MAX_INPUT_BYTES, 1024 * 1024 * 1024, "bytes"),
    FRAMEGATE_PARAM_MAXPIXELS: limit("MAXPIXELS", DEFAULT_MAX_PIXELS, 1_000_000_000, "pixels"),
  })
  .refine((p) => p.FRAMEGATE_PARAM_WIDTH !== undefined || p.FRAMEGATE_PARAM_HEIGHT !== undefined, {
    message: "set FRAMEGATE_PARAM_WIDTH, FRAMEGATE_PARAM_HEIGHT or both: with neither there is nothing to resize to",
  });

/** The validated parameters of one run. */
export interface ResizeParams {
  width: number | undefined;
  height: number | undefined;
  fit: "cover" | "contain" | "fill" | "inside" | "outside";
  /** output encoding; undefined: chosen per output key by {@link formatFor} */
  format: Format | undefined;
  quality: number;
  /** objects larger than this are refused before they are read */
  maxInputBytes: number;
  /** images whose header declares more pixels (width x height) are refused before they are decoded */
  maxPixels: number;
}

/** Reads and validates the parameters; throws {@link BadInputError} with one `NAME: message` line per problem. */
export function readParams(env: NodeJS.ProcessEnv): ResizeParams {
  const r = paramsSchema.safeParse(env);
  if (!r.success) {
    throw new BadInputError(r.error.issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`).join("\n"));
  }
  const p = r.data;
  return {
    width: p.FRAMEGATE_PARAM_WIDTH,
    height: p.FRAMEGATE_PARAM_HEIGHT,
    fit: p.FRAMEGATE_PARAM_FIT,
    format: p.FRAMEGATE_PARAM_FORMAT,
    quality: p.FRAMEGATE_PARAM_QUALITY,
    maxInputBytes: p.FRAMEGATE_PARAM_MAXINPUTBYTES,
    maxPixels: p.FRAMEGATE_PARAM_MAXPIXELS,
  };
}

/**
 * The encoding for one output: the `format` parameter when set, else the output key's extension
 * (which the renderer copies from the input key unless the catalog sets `outputExtension`), else JPEG.
 * @example formatFor(undefined, "people/resize/gate-1/x.png") // "png"
 */
export function formatFor(param: Format | undefined, outputKey: string): Format {
  if (param) return param;
  const ext = /\.([A-Za-z0-9]+)$/.exec(outputKey)?.[1]?.toLowerCase();
  return (ext ? extensionFormats[ext] : undefined) ?? "jpeg";
}

/** MIME type of an encoding, stored as the output object's Content-Type. */
export function contentType(format: Format): string {
  return `image/${format}`;
}
