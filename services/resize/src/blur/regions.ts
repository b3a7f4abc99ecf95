/**
 * @module resize/blur/regions — the boxes to mask, from detect's sidecar (`<detect output>.json`, see
 * services/detect/README.md): filtered by label, scaled from the image detect saw to the frame blur
 * masks, grown to whole pixels and clipped to the frame.
 */
import { z } from "zod";
import { BadInputError } from "../contract.js";

/** A rectangle in frame pixels, as sharp's `extract` takes it. */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

const sidecarSchema = z.object({
  image: z.object({ width: z.number().positive(), height: z.number().positive() }).optional(),
  detections: z.array(
    z.object({
      label: z.string(),
      box: z.object({ x: z.number(), y: z.number(), width: z.number().nonnegative(), height: z.number().nonnegative() }),
    }),
  ),
});

/** Detections sidecars larger than this are refused (a frame's worth of boxes is a few KiB). */
export const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

/**
 * Parses a detect sidecar and returns the rectangles of the detections whose label is in `labels`,
 * in the pixel space of a `frameWidth` x `frameHeight` frame. Empty boxes after clipping are dropped.
 * @throws BadInputError when the text is not a detect sidecar
 * @example masks(text, new Set(["person"]), 640, 360) // [{ left: 240, top: 120, width: 160, height: 240 }]
 */
export function masks(text: string, where: string, labels: ReadonlySet<string>, frameWidth: number, frameHeight: number): Rect[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BadInputError(`${where} is not JSON: blur reads detect's sidecar <detect output>.json`, { cause: err });
  }
  const r = sidecarSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new BadInputError(`${where} is not a detect sidecar: ${i?.path.join(".") || "document"}: ${i?.message ?? "invalid"} (expected {"image": {width, height}, "detections": [{label, box: {x, y, width, height}}]})`);
  }
  const sx = r.data.image ? frameWidth / r.data.image.width : 1;
  const sy = r.data.image ? frameHeight / r.data.image.height : 1;
  const out: Rect[] = [];
  for (const d of r.data.detections) {
    if (!labels.has(d.label)) continue;
    const left = Math.max(0, Math.floor(d.box.x * sx));
    const top = Math.max(0, Math.floor(d.box.y * sy));
    const right = Math.min(frameWidth, Math.ceil((d.box.x + d.box.width) * sx));
    const bottom = Math.min(frameHeight, Math.ceil((d.box.y + d.box.height) * sy));
    if (right > left && bottom > top) out.push({ left, top, width: right - left, height: bottom - top });
  }
  return out;
}
