/**
 * @module rules/pipeline-view — the parts of a pipeline document that the cross-checks look at, read
 * defensively from data that may not have passed the schema, so that a document with a schema problem
 * still gets its pattern, template, service and step problems reported in the same run.
 */

/** A step as far as the checks are concerned; fields that are missing or mistyped are left out. */
export interface StepView {
  name?: string;
  service?: string;
  /** [name, value] of each param whose value is text, a number or a boolean (as text) */
  params: [string, string][];
  after: (string | undefined)[];
}

/** What the cross-checks need of one pipeline document. */
export interface PipelineView {
  name?: string;
  source: "minio" | "webhook" | undefined;
  bucket?: string;
  key?: string;
  prefix?: string;
  suffix?: string;
  minSize?: number;
  maxSize?: number;
  hasCameraFilter: boolean;
  fields: string[];
  by?: string;
  batch: boolean;
  parameters: [string, string][];
  steps: StepView[];
  outputBucket: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const scalarEntries = (v: unknown): [string, string][] =>
  Object.entries(obj(v)).flatMap(([k, x]) => (typeof x === "string" || typeof x === "number" || typeof x === "boolean" ? [[k, String(x)]] : []));

/** Reads a pipeline document (validated or not) into a {@link PipelineView}. */
export function viewPipeline(data: unknown): PipelineView {
  const spec = obj(obj(data).spec);
  const trigger = obj(spec.trigger);
  const where = obj(trigger.where);
  const select = obj(spec.select);
  const workflow = obj(spec.workflow);
  const rawSource = trigger.source ?? "minio";
  const view: PipelineView = {
    source: rawSource === "minio" || rawSource === "webhook" ? rawSource : undefined,
    hasCameraFilter: where.camera !== undefined,
    fields: Object.keys(obj(where.fields)),
    batch: select.batch !== undefined,
    parameters: scalarEntries(workflow.parameters),
    steps: (Array.isArray(workflow.steps) ? workflow.steps : []).map((s: unknown) => {
      const step = obj(s);
      const v: StepView = {
        params: scalarEntries(step.params),
        after: Array.isArray(step.after) ? step.after.map(str) : [],
      };
      if (str(step.name) !== undefined) v.name = str(step.name)!;
      if (str(step.service) !== undefined) v.service = str(step.service)!;
      return v;
    }),
    outputBucket: str(workflow.outputBucket) ?? "processed",
  };
  const set = <K extends keyof PipelineView>(k: K, v: PipelineView[K] | undefined) => {
    if (v !== undefined) view[k] = v;
  };
  set("name", str(obj(obj(data).metadata).name));
  set("bucket", str(trigger.bucket));
  set("key", str(trigger.key));
  set("prefix", str(trigger.prefix));
  set("suffix", str(trigger.suffix));
  set("minSize", num(where.minSize));
  set("maxSize", num(where.maxSize));
  set("by", str(select.by));
  return view;
}
