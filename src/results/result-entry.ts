/**
 * @module results/result-entry — one processed frame as the results index keeps it and `GET /api/results`
 * returns it: the camera, pipeline, source object, every step's output, the detections, the Workflow and its
 * step timings. The zod schema is the single source of the type and checks what is read back from the stream.
 */
import { z } from "zod";

export const detectionSchema = z.object({
  label: z.string().max(128),
  score: z.number(),
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
});

export const stepTimingSchema = z.object({
  step: z.string(),
  phase: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
});

export const objectRefSchema = z.object({ bucket: z.string(), key: z.string() });

export const resultEntrySchema = z.object({
  /** `<namespace>/<workflow>#<i>`: frame `i` of the Workflow (a batch has several) */
  id: z.string().min(1),
  /** "" when the event had none */
  camera: z.string(),
  pipeline: z.string(),
  source: objectRefSchema,
  /** every step's output for this frame, in step order */
  processed: z.array(objectRefSchema.extend({ step: z.string() })),
  /** the frame the boxes are drawn on (the detector's input), else the last step's output */
  frame: objectRefSchema.optional(),
  /** the size of `frame` the detector saw: boxes are in its pixels */
  image: z.object({ width: z.number(), height: z.number() }).optional(),
  detections: z.array(detectionSchema),
  /** where the detections came from (`<bucket>/<key>` of the sidecar), when a step wrote one */
  detectionsFrom: z.string().optional(),
  workflow: z.object({ name: z.string(), namespace: z.string() }),
  createdAt: z.string(),
  finishedAt: z.string(),
  steps: z.array(stepTimingSchema),
});

export type Detection = z.infer<typeof detectionSchema>;
export type StepTiming = z.infer<typeof stepTimingSchema>;
export type ObjectRef = z.infer<typeof objectRefSchema>;
export type ResultEntry = z.infer<typeof resultEntrySchema>;

/** Frame `i` of a Workflow. */
export function resultId(namespace: string, workflow: string, i: number): string {
  return `${namespace}/${workflow}#${i}`;
}

/** The sidecar detect writes (`<output>.json`); only what the index keeps is read, the rest is ignored. */
export const detectionsSidecarSchema = z.object({
  input: objectRefSchema.optional(),
  image: z.object({ width: z.number(), height: z.number() }).optional(),
  detections: z.array(detectionSchema.passthrough()).max(1000),
});
