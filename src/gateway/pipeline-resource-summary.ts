/**
 * @module gateway/pipeline-resource-summary — what `GET /api/pipelines` lists of each Pipeline resource
 * (`resources`, with FRAMEGATE_RULES_SOURCE=kubernetes): its stored status, whether this replica runs its
 * current generation, suspended, and the last save from the dashboard. Refused ones are listed too.
 */
import { selectSummary, triggerSummary, type Condition, type RuleResource, type Verdict } from "../rules/resource-rules.js";
import { SAVED_AT_ANNOTATION, SAVED_FROM_ANNOTATION } from "./pipeline-document.js";

/** A Pipeline resource as `GET /api/pipelines` lists it (`resources`), refused ones included. */
export interface PipelineResourceSummary {
  name: string;
  description?: string;
  generation: number;
  resourceVersion: string;
  /** the generation the status was written for (null: no status yet) */
  observedGeneration: number | null;
  /** the stored `Accepted` condition (null: not judged yet) */
  accepted: Pick<Condition, "status" | "reason" | "message"> | null;
  /** this replica runs the resource's current generation */
  running: boolean;
  suspended: boolean;
  trigger: string;
  select: string;
  savedAt?: string;
  savedFrom?: string;
  createdAt?: string;
}

const created = (r: RuleResource) => new Date(r.metadata.creationTimestamp ?? 0).getTime();

/** Every resource, oldest first, with this replica's verdicts. */
export function summarizeResources(pipelines: readonly RuleResource[], verdicts: readonly Verdict[]): PipelineResourceSummary[] {
  return [...pipelines]
    .sort((a, b) => created(a) - created(b) || a.metadata.name.localeCompare(b.metadata.name))
    .map((r) => {
      const spec = (r.spec ?? {}) as { description?: unknown; suspend?: unknown };
      const cond = r.status?.conditions?.find((c) => c.type === "Accepted");
      const generation = r.metadata.generation ?? 0;
      const v = verdicts.find((x) => x.kind === "Pipeline" && x.name === r.metadata.name);
      const s: PipelineResourceSummary = {
        name: r.metadata.name,
        generation,
        resourceVersion: r.metadata.resourceVersion ?? "",
        observedGeneration: r.status?.observedGeneration ?? null,
        accepted: cond ? { status: cond.status, reason: cond.reason, message: cond.message } : null,
        running: v?.accepted === true && v.generation === generation,
        suspended: spec.suspend === true,
        trigger: triggerSummary(r.spec),
        select: selectSummary(r.spec),
      };
      if (typeof spec.description === "string") s.description = spec.description;
      const a = r.metadata.annotations ?? {};
      if (a[SAVED_AT_ANNOTATION]) s.savedAt = a[SAVED_AT_ANNOTATION];
      if (a[SAVED_FROM_ANNOTATION]) s.savedFrom = a[SAVED_FROM_ANNOTATION];
      if (r.metadata.creationTimestamp) s.createdAt = new Date(r.metadata.creationTimestamp).toISOString();
      return s;
    });
}
