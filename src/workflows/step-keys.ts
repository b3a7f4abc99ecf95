/**
 * @module workflows/step-keys — the object keys each step reads and writes, computed at render time
 * (the service contract in ARCHITECTURE.md), so no step needs Argo output parameters to find its input.
 */
import type { Catalog, CompiledPipeline } from "../rules/types.js";
import { NonRetriableError } from "../lib/errors.js";

/** Objects in one bucket: a step's outputs as its successors see them. */
export interface StepOutputs {
  bucket: string;
  keys: string[];
}

/**
 * What one step reads and writes. `outputKeys[i]` is the result of `inputKeys[i]`; `inputKeys` are its
 * first `after` step's outputs (or the event's objects), and `inputs` holds every `after` step's outputs
 * by step name, in `after` order (empty for a step with no `after`).
 */
export interface StepIo {
  inputBucket: string;
  inputKeys: string[];
  outputBucket: string;
  outputKeys: string[];
  inputs: Map<string, StepOutputs>;
}

/** An object the Workflow processes: the event's bucket and key (several for a batch). */
export interface SourceObjects {
  bucket: string;
  keys: string[];
}

/** "gate-01/a.b.jpg" -> ["gate-01/a.b", "jpg"]; no extension -> [key, ""]. A leading dot is not one. */
export function splitExtension(key: string): [stem: string, ext: string] {
  const slash = key.lastIndexOf("/");
  const dot = key.lastIndexOf(".");
  if (dot <= slash + 1) return [key, ""];
  return [key.slice(0, dot), key.slice(dot + 1)];
}

/**
 * Output key of a step for one source object: `<pipeline>/<step>/<source key without extension>.<ext>`,
 * `ext` being the service's `outputExtension`, else the extension of the step's own input. The stem is
 * the event's key (not the previous step's output key), so chains stay flat:
 * `people-detect/resize/gate-01/a.jpg`, `people-detect/detect/gate-01/a.jpg`.
 */
export function outputKey(pipeline: string, step: string, sourceKey: string, inputKey: string, outputExtension?: string): string {
  const [stem] = splitExtension(sourceKey);
  const ext = outputExtension ?? splitExtension(inputKey)[1];
  return `${pipeline}/${step}/${stem}${ext ? `.${ext}` : ""}`;
}

/**
 * Plans every step's input and output keys: a step with no `after` reads the source objects, a step
 * with `after` reads the outputs of its first `after` step, and sees every `after` step's outputs in `inputs` (fan-in).
 * @throws NonRetriableError when a step names an unknown step or service, or `after` has a cycle
 *   (the loader rejects these first; this guards renders of hand-built pipelines)
 */
export function planStepKeys(pipeline: CompiledPipeline, catalog: Catalog, source: SourceObjects): Map<string, StepIo> {
  const steps = pipeline.spec.workflow.steps ?? [];
  const byName = new Map(steps.map((s) => [s.name, s]));
  const outputBucket = pipeline.spec.workflow.outputBucket;
  const plan = new Map<string, StepIo>();
  const visiting = new Set<string>();

  const visit = (name: string): StepIo => {
    const done = plan.get(name);
    if (done) return done;
    const step = byName.get(name);
    if (!step) throw new NonRetriableError(`pipeline ${pipeline.name}: a step's "after" names step "${name}", which does not exist`, pipeline.name);
    const service = catalog.get(step.service);
    if (!service) {
      throw new NonRetriableError(
        `pipeline ${pipeline.name}: step "${name}" uses service "${step.service}", which is not in the catalog — add services/${step.service}/service.yaml or fix the name`,
        pipeline.name,
      );
    }
    if (visiting.has(name)) throw new NonRetriableError(`pipeline ${pipeline.name}: steps form a cycle through "${name}" — remove one "after"`, pipeline.name);
    visiting.add(name);
    const inputs = new Map<string, StepOutputs>();
    for (const before of step.after) inputs.set(before, { bucket: outputBucket, keys: visit(before).outputKeys });
    const first = step.after[0];
    const input = first === undefined ? { bucket: source.bucket, keys: source.keys } : inputs.get(first)!;
    visiting.delete(name);
    const io: StepIo = {
      inputBucket: input.bucket,
      inputKeys: input.keys,
      outputBucket,
      outputKeys: input.keys.map((k, i) => outputKey(pipeline.name, name, source.keys[i] ?? k, k, service.spec.outputExtension)),
      inputs,
    };
    plan.set(name, io);
    return io;
  };

  for (const s of steps) visit(s.name);
  return plan;
}
