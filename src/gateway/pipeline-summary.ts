/** @module gateway/pipeline-summary — what `GET /api/pipelines` shows of a compiled pipeline. */
import { isSuspended } from "../rules/compile-pipeline.js";
import type { Pipeline } from "../rules/schema.js";
import type { CompiledPipeline } from "../rules/types.js";

/** A pipeline as the API and dashboard list it: the rule's settings, the workflow in brief. */
export interface PipelineSummary {
  name: string;
  description?: string;
  file: string;
  /** present (true) only while `spec.suspend` holds the pipeline: it matches nothing */
  suspended?: true;
  trigger: Pipeline["spec"]["trigger"];
  /** `by` is the effective partition key, defaults applied */
  select: Pipeline["spec"]["select"] & { by: string };
  limits: Pipeline["spec"]["limits"];
  workflow: {
    namespace: string;
    serviceAccountName?: string;
    templateRef?: string;
    steps?: { name: string; service: string; after: string[] }[];
    parameters: Record<string, string>;
  };
}

/** Summarizes one compiled pipeline. */
export function summarizePipeline(p: CompiledPipeline): PipelineSummary {
  const { trigger, select, limits, workflow: wf } = p.spec;
  const workflow: PipelineSummary["workflow"] = { namespace: wf.namespace, parameters: wf.parameters };
  if (wf.serviceAccountName !== undefined) workflow.serviceAccountName = wf.serviceAccountName;
  if (wf.templateRef !== undefined) workflow.templateRef = wf.templateRef;
  if (wf.steps !== undefined) workflow.steps = wf.steps.map((s) => ({ name: s.name, service: s.service, after: s.after }));
  const summary: PipelineSummary = { name: p.name, file: p.file, trigger, select: { ...select, by: p.by }, limits, workflow };
  const description = p.pipeline.spec.description;
  if (description !== undefined) summary.description = description;
  if (isSuspended(p)) summary.suspended = true;
  return summary;
}
