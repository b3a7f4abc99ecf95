/** @module resize/blur/params — the blur service's parameters (`FRAMEGATE_PARAM_*`), validated with zod. */
import { z } from "zod";
import { BadInputError } from "../contract.js";
import { DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_PIXELS, formats, limit, unsetIfEmpty, type Format } from "../params.js";

const paramsSchema = z.object({
  FRAMEGATE_PARAM_LABELS: z.preprocess(
    (v) => (v === undefined || v === "" ? "person" : v),
    z.string().transform((s, ctx) => {
      const labels = s.split(",").map((l) => l.trim()).filter((l) => l !== "");
      if (labels.length === 0) ctx.addIssue({ code: "custom", message: 'FRAMEGATE_PARAM_LABELS must name at least one label, comma-separated (e.g. "person,car")' });
      return labels;
    }),
  ),
  FRAMEGATE_PARAM_MODE: z.preprocess(unsetIfEmpty, z.enum(["blur", "pixelate"], { error: "FRAMEGATE_PARAM_MODE must be blur or pixelate" }).default("blur")),
  FRAMEGATE_PARAM_STRENGTH: limit("STRENGTH", 20, 200, "pixels"),
  FRAMEGATE_PARAM_REGIONSFROM: z.preprocess(unsetIfEmpty, z.string().default("detect")),
  FRAMEGATE_PARAM_FORMAT: z.preprocess(
    (v) => (typeof v === "string" ? (v === "" ? undefined : v.toLowerCase() === "jpg" ? "jpeg" : v.toLowerCase()) : v),
    z.enum(formats, { error: `FRAMEGATE_PARAM_FORMAT must be one of ${formats.join(", ")} (or empty: from the output key)` }).optional(),
  ),
  FRAMEGATE_PARAM_QUALITY: limit("QUALITY", 85, 100, "percent"),
  FRAMEGATE_PARAM_MAXINPUTBYTES: limit("MAXINPUTBYTES", DEFAULT_MAX_INPUT_BYTES, 1024 * 1024 * 1024, "bytes"),
  FRAMEGATE_PARAM_MAXPIXELS: limit("MAXPIXELS", DEFAULT_MAX_PIXELS, 1_000_000_000, "pixels"),
});

/** The validated parameters of one blur run. */
export interface BlurParams {
  /** detection labels whose boxes are masked */
  labels: string[];
  mode: "blur" | "pixelate";
  /** blur: the Gaussian sigma in pixels; pixelate: the block size in pixels */
  strength: number;
  /** the `after` step whose `<output>.json` sidecars hold the boxes */
  regionsFrom: string;
  format: Format | undefined;
  quality: number;
  maxInputBytes: number;
  maxPixels: number;
}

/** Reads and validates the parameters; throws {@link BadInputError} with one `NAME: message` line per problem. */
export function readBlurParams(env: NodeJS.ProcessEnv): BlurParams {
  const r = paramsSchema.safeParse(env);
  if (!r.success) throw new BadInputError(r.error.issues.map((i) => `${i.path.join(".") || "params"}: ${i.message}`).join("\n"));
  const p = r.data;
  return {
    labels: p.FRAMEGATE_PARAM_LABELS,
    mode: p.FRAMEGATE_PARAM_MODE,
    strength: p.FRAMEGATE_PARAM_STRENGTH,
    regionsFrom: p.FRAMEGATE_PARAM_REGIONSFROM,
    format: p.FRAMEGATE_PARAM_FORMAT,
    quality: p.FRAMEGATE_PARAM_QUALITY,
    maxInputBytes: p.FRAMEGATE_PARAM_MAXINPUTBYTES,
    maxPixels: p.FRAMEGATE_PARAM_MAXPIXELS,
  };
}
