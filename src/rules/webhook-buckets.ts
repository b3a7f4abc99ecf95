/**
 * @module rules/webhook-buckets — which buckets a webhook body may name in its `bucket` field: a
 * pipeline's `spec.trigger.buckets`, else the buckets the minio rules trigger on and `models` (what the
 * steps' identity may read). The gateway refuses a body naming any other bucket, so an integration cannot
 * point Workflows at objects no rule was written for.
 */
import type { Pipeline } from "./schema.js";

/** The bucket models are read from (the steps may always read it). */
export const MODELS_BUCKET = "models";

/** The `bucket` a webhook body names, if it names one (a string field at the top level). */
export function bodyBucket(body: unknown): string | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const b = (body as Record<string, unknown>)["bucket"];
  return typeof b === "string" ? b : undefined;
}

/** The buckets one webhook pipeline allows, given every pipeline of the rule set. */
export function pipelineBuckets(p: Pick<Pipeline, "spec">, all: readonly Pick<Pipeline, "spec">[]): string[] {
  const t = p.spec.trigger;
  if (t.source === "webhook" && t.buckets) return [...t.buckets];
  return [...new Set([...all.flatMap((x) => (x.spec.trigger.source === "minio" ? [x.spec.trigger.bucket] : [])), MODELS_BUCKET])].sort();
}

/**
 * Checks a webhook body's bucket against the pipelines of its hook.
 * @returns undefined when allowed (or no bucket named), else the message for the client
 * @example checkWebhookBucket("motion", { bucket: "secrets" }, pipelines) // 'hook "motion": body.bucket "secrets" is not ...'
 */
export function checkWebhookBucket(hook: string, body: unknown, all: readonly (Pick<Pipeline, "spec"> & { name: string })[]): string | undefined {
  const bucket = bodyBucket(body);
  if (bucket === undefined) return undefined;
  const mine = all.filter((p) => p.spec.trigger.source === "webhook" && p.spec.trigger.hook === hook);
  const allowed = [...new Set(mine.flatMap((p) => pipelineBuckets(p, all)))].sort();
  if (allowed.includes(bucket)) return undefined;
  const fix = mine.length
    ? `name one of them, or add "${bucket}" to spec.trigger.buckets of ${mine.map((p) => p.name).join(", ")} (and run \`framegate setup\` so the steps may read it)`
    : `no pipeline listens on hook "${hook}": add one with source: webhook, hook: ${hook}`;
  return `hook "${hook}": body.bucket "${bucket.slice(0, 63)}" is not a bucket its pipelines allow (${allowed.join(", ") || "none"}); ${fix}`;
}
