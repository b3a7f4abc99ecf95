/**
 * @module web/composer/field-paths — which document path each composer field edits, so a validation
 * issue's `path` finds its field (see issues.ts).
 */
import type { CatalogService, Draft } from "./draft.js";
// the gateway's own formatter (a module that imports nothing), so a field's path and an issue's path agree
import { formatPath } from "../../../src/lib/format-path.js";

/** Paths of the fields that are always there. */
export const PATHS = {
  name: "metadata.name",
  description: "spec.description",
  labels: "metadata.labels",
  objectMetadata: "spec.trigger.where.metadata",
  outputBucket: "spec.workflow.outputBucket",
  ttlSeconds: "spec.workflow.ttlSecondsAfterFinished",
  deadlineSeconds: "spec.workflow.activeDeadlineSeconds",
  suspend: "spec.suspend",
  source: "spec.trigger.source",
  hook: "spec.trigger.hook",
  fields: "spec.trigger.where.fields",
  buckets: "spec.trigger.buckets",
  bucket: "spec.trigger.bucket",
  key: "spec.trigger.key",
  prefix: "spec.trigger.prefix",
  suffix: "spec.trigger.suffix",
  events: "spec.trigger.events",
  minSize: "spec.trigger.where.minSize",
  maxSize: "spec.trigger.where.maxSize",
  cameras: "spec.trigger.where.camera",
  contentType: "spec.trigger.where.contentType",
  by: "spec.select.by",
  dedupe: "spec.select.dedupe",
  sample: "spec.select.sample",
  batchSize: "spec.select.batch.size",
  batchWindow: "spec.select.batch.window",
  maxInFlight: "spec.limits.maxInFlight",
  ratePerSecond: "spec.limits.ratePerSecond",
  namespace: "spec.workflow.namespace",
  serviceAccountName: "spec.workflow.serviceAccountName",
  templateRef: "spec.workflow.templateRef",
  workflow: "spec.workflow",
  steps: "spec.workflow.steps",
  parameters: "spec.workflow.parameters",
} as const;

/** Path of a step's field: `spec.workflow.steps[1].params.width`. */
export function stepPath(index: number, ...rest: string[]): string {
  return formatPath(["spec", "workflow", "steps", index, ...rest]);
}

/** Path of a Workflow argument's value: `spec.workflow.parameters.camera`. */
export function parameterPath(name: string): string {
  return formatPath(["spec", "workflow", "parameters", name]);
}

/** Every field path the form shows for `d`. */
export function draftFieldPaths(d: Draft, catalog: readonly CatalogService[]): Set<string> {
  const paths = new Set<string>(Object.values(PATHS));
  d.steps.forEach((s, i) => {
    for (const f of ["name", "service", "after", "params", "nodeSelector", "tolerations", "resources"]) paths.add(stepPath(i, f));
    for (const p of catalog.find((c) => c.name === s.service)?.params ?? []) paths.add(stepPath(i, "params", p.name));
  });
  for (const p of d.parameters) if (p.name.trim()) paths.add(parameterPath(p.name.trim()));
  // a problem with the batch as a whole belongs next to its size
  paths.delete("spec.select.batch");
  return paths;
}
