/**
 * @module resize/blur/inputs — which objects blur reads: the frame from one `after` step and the
 * detections sidecar from another, both taken from `FRAMEGATE_INPUTS` (the contract's fan-in map).
 */
import { z } from "zod";
import { BadInputError } from "../contract.js";

/** One predecessor's outputs, as `FRAMEGATE_INPUTS` lists them. */
export interface StepObjects {
  bucket: string;
  keys: string[];
}

/** What to read for input `i`: the frame, and the detector's output key (its sidecar is that key + `.json`). */
export interface BlurSources {
  frameStep: string;
  frame: StepObjects;
  regions: StepObjects;
}

const inputsSchema = z.record(z.string(), z.object({ bucket: z.string().min(1), keys: z.array(z.string().min(1)) }));

/**
 * Picks the frame and the regions from `FRAMEGATE_INPUTS`: the regions are the outputs of the step named
 * `regionsFrom` (its `.json` sidecars), the frame is the first other `after` step's output (never the
 * detector's annotated copy). Every list must have one key per output key.
 * @throws BadInputError naming the variable, what is wrong and how to fix the pipeline
 * @example pickSources('{"resize":{...},"detect":{...}}', "detect", 1) // { frameStep: "resize", ... }
 */
export function pickSources(raw: string | undefined, regionsFrom: string, outputs: number): BlurSources {
  const fix = `run blur after the frame's step and "${regionsFrom}", e.g. after: [resize, ${regionsFrom}]`;
  if (raw === undefined || raw === "") throw new BadInputError(`FRAMEGATE_INPUTS is not set: blur reads two predecessors' outputs (fan-in); ${fix}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new BadInputError(`FRAMEGATE_INPUTS must be a JSON object {"<step>": {"bucket", "keys"}}, got ${JSON.stringify(raw.slice(0, 80))}`, { cause: err });
  }
  const r = inputsSchema.safeParse(parsed);
  if (!r.success) throw new BadInputError(`FRAMEGATE_INPUTS must map each step to {"bucket": "...", "keys": ["..."]}: ${r.error.issues[0]?.message ?? "invalid"}`);
  const steps = Object.keys(r.data);
  const regions = r.data[regionsFrom];
  if (!regions) {
    throw new BadInputError(`FRAMEGATE_INPUTS has no step "${regionsFrom}" (the regionsFrom param), only ${steps.join(", ") || "none"}: ${fix}, or set regionsFrom to the detector's step`);
  }
  const frameStep = steps.find((s) => s !== regionsFrom);
  if (frameStep === undefined) throw new BadInputError(`blur runs only after "${regionsFrom}", so it has no clean frame to mask (the detector's output is its annotated copy): ${fix}`);
  const frame = r.data[frameStep]!;
  for (const [name, o] of [[frameStep, frame], [regionsFrom, regions]] as const) {
    if (o.keys.length !== outputs) {
      throw new BadInputError(`FRAMEGATE_INPUTS.${name} has ${o.keys.length} keys but FRAMEGATE_OUTPUT_KEYS has ${outputs}: key i of every step belongs to output i`);
    }
  }
  return { frameStep, frame, regions };
}
