/**
 * @module rules/compile-pipeline — a validated pipeline turned into what the hot path needs:
 * its compiled key pattern, its effective partition template and its `select:` durations in milliseconds.
 */
import { compileTriggerPattern } from "./pattern.js";
import { durationMs } from "../lib/duration.js";
import type { Pipeline, Select, Trigger } from "./schema.js";
import type { CompiledPattern, CompiledPipeline, SelectDurations } from "./types.js";

/**
 * The partition template when `select.by` is not set.
 *
 * Object events: `"{camera}"`, always. Every MinIO trigger can name a camera — from a `{camera}`
 * capture, or else from the object's user metadata `camera` — and per-camera partitions are what
 * sampling and batching are for. An object with no camera renders `""`, so all of a pipeline's
 * camera-less objects share one partition; a pipeline watches one bucket, so that is exactly the
 * `"{bucket}"` partition. Webhook events: `"{hook}"` (one partition per hook); partition by a body
 * field with e.g. `by: "{body.camera}"`.
 */
export function defaultPartition(trigger: Trigger): string {
  return trigger.source === "webhook" ? "{hook}" : "{camera}";
}

/**
 * The `select:` durations in milliseconds, parsed once (the schema has checked their form).
 * @example selectDurations({ sample: "5s" }) // { sampleMs: 5000 }
 */
export function selectDurations(select: Select): SelectDurations {
  const d: SelectDurations = {};
  if (select.dedupe !== undefined) d.dedupeMs = durationMs(select.dedupe);
  if (select.sample !== undefined) d.sampleMs = durationMs(select.sample);
  if (select.batch !== undefined) d.batchWindowMs = durationMs(select.batch.window);
  return d;
}

/**
 * Whether `spec.suspend` holds the pipeline: it then matches nothing. Absent means false; this is the
 * one place that default is applied (the CRD has none, so GitOps sees no drift).
 */
export function isSuspended(p: Pick<CompiledPipeline, "spec">): boolean {
  return p.spec.suspend === true;
}

/**
 * Compiles one validated pipeline. `pattern` may be passed when the caller compiled it already;
 * otherwise it is compiled here and an invalid key pattern throws {@link PatternError}.
 * @example compilePipeline(pipelineSchema.parse(doc), "pipelines/people.yaml")
 */
export function compilePipeline(pipeline: Pipeline, file: string, opts: { line?: number; pattern?: CompiledPattern } = {}): CompiledPipeline {
  const trigger = pipeline.spec.trigger;
  const compiled: CompiledPipeline = {
    name: pipeline.metadata.name,
    file,
    spec: pipeline.spec,
    pipeline,
    by: pipeline.spec.select.by ?? defaultPartition(trigger),
    durations: selectDurations(pipeline.spec.select),
  };
  if (opts.line !== undefined) compiled.line = opts.line;
  if (trigger.source === "minio") compiled.pattern = opts.pattern ?? compileTriggerPattern(trigger);
  return compiled;
}
