/**
 * @module web/composer/draft — the composer's model of a pipeline being written: what the form edits
 * (every value as the text the operator typed), and its translation into the rule file's shape
 * (`pipelines/*.yaml`). Nothing is validated here: the gateway validates the YAML with the same code as
 * `framegate validate`, and its issues come back by path ({@link fieldPath}).
 */
import type { ServiceParamSummary, ServiceSummary } from "../api/types.js";
import { minioTrigger, parsePairs, placementOf, webhookTrigger } from "./trigger-placement.js";
import { toYaml, type YamlValue } from "./yaml.js";

/** A catalog service as `GET /api/services` lists it; its parameters become form fields. */
export type CatalogService = Pick<ServiceSummary, "name" | "description" | "category" | "params">;

/** The declaration of parameter `name` of `service`, if it has one. */
export function paramOf(service: CatalogService | undefined, name: string): ServiceParamSummary | undefined {
  return service?.params.find((p) => p.name === name);
}

/** One step of the DAG: a catalog service, its parameter values (as typed) and the steps it runs after. */
export interface DraftStep {
  /** stable id for the UI (keys, ids); not written */
  id: string;
  name: string;
  service: string;
  /** only values the operator set; a missing name means the service default */
  params: Record<string, string>;
  after: string[];
  /** parameters the opened document sets: written even when equal to the default (no drift against Git) */
  pinned?: string[];
  /** placement, as typed: `key=value, ...` */
  nodeSelector: string;
  /** one toleration per line: `key=value:Effect`, `key:Effect` (operator Exists), `key=value` */
  tolerations: string;
  /** `cpu=500m, memory=1Gi, nvidia.com/gpu=1` */
  requests: string;
  limits: string;
}

/** A Workflow argument row. */
export interface DraftParameter {
  id: string;
  name: string;
  value: string;
}

/** The whole draft; every field is text as typed ("" = not set). */
export interface Draft {
  name: string;
  description: string;
  /** `metadata.labels` as `key=value, ...` */
  labels: string;
  /** `spec.suspend`: matches nothing while true */
  suspend: boolean;
  source: "minio" | "webhook";
  /** webhook: the `<name>` of `POST /hooks/<name>` */
  hook: string;
  /** webhook: one `dot.path = glob, glob` per line (`where.fields`) */
  fields: string;
  /** webhook: comma-separated buckets a body may name */
  buckets: string;
  bucket: string;
  key: string;
  prefix: string;
  suffix: string;
  /** comma-separated MinIO event names; empty: object creations */
  events: string;
  minSize: string;
  maxSize: string;
  /** `where.metadata`: user metadata the object must carry, `key=value, ...` */
  objectMetadata: string;
  /** comma-separated camera globs ("gate-*, lobby-*") */
  cameras: string;
  contentType: string;
  by: string;
  dedupe: string;
  sample: string;
  batchSize: string;
  batchWindow: string;
  maxInFlight: string;
  ratePerSecond: string;
  namespace: string;
  serviceAccountName: string;
  /** `templateRef` (a WorkflowTemplate) instead of steps when set */
  useTemplate: boolean;
  templateRef: string;
  outputBucket: string;
  /** `ttlSecondsAfterFinished` */
  ttlSeconds: string;
  /** `activeDeadlineSeconds` */
  deadlineSeconds: string;
  steps: DraftStep[];
  parameters: DraftParameter[];
  /** the document it was opened from: what the form does not show (annotations, fields of a newer format) is kept from it */
  base?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
}

let nextId = 0;
/** A fresh id for steps and rows. */
export function newId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** The draft the composer opens with: MinIO uploads under `raw/<camera>/...`, no steps yet. */
export function emptyDraft(): Draft {
  return {
    name: "",
    description: "",
    labels: "",
    suspend: false,
    source: "minio",
    hook: "",
    fields: "",
    buckets: "",
    bucket: "raw",
    key: "{camera}/**/*.jpg",
    prefix: "",
    suffix: "",
    events: "",
    minSize: "",
    maxSize: "",
    objectMetadata: "",
    cameras: "",
    contentType: "",
    by: "",
    dedupe: "24h",
    sample: "",
    batchSize: "",
    batchWindow: "",
    maxInFlight: "",
    ratePerSecond: "",
    namespace: "argo",
    serviceAccountName: "",
    useTemplate: false,
    templateRef: "",
    outputBucket: "",
    ttlSeconds: "",
    deadlineSeconds: "",
    steps: [],
    parameters: [
      { id: newId("param"), name: "camera", value: "{camera}" },
      { id: newId("param"), name: "key", value: "{key}" },
    ],
  };
}

/** A step name not used yet: the service name, else `<service>-2`, `-3`, ... */
export function uniqueStepName(steps: readonly DraftStep[], service: string): string {
  const taken = new Set(steps.map((s) => s.name));
  if (!taken.has(service)) return service;
  for (let i = 2; ; i++) if (!taken.has(`${service}-${i}`)) return `${service}-${i}`;
}

/** A step's placement fields, unset. */
export const NO_PLACEMENT = { nodeSelector: "", tolerations: "", requests: "", limits: "" } as const;

/** Adds a step for `service`, after the previous last step (a chain is the common case). */
export function addStep(d: Draft, service: string): Draft {
  const last = d.steps[d.steps.length - 1];
  const step: DraftStep = { id: newId("step"), name: uniqueStepName(d.steps, service), service, params: {}, after: last ? [last.name] : [], ...NO_PLACEMENT };
  return { ...d, steps: [...d.steps, step] };
}

/** Removes a step and every `after` reference to it. */
export function removeStep(d: Draft, id: string): Draft {
  const gone = d.steps.find((s) => s.id === id);
  return { ...d, steps: d.steps.filter((s) => s.id !== id).map((s) => ({ ...s, after: s.after.filter((a) => a !== gone?.name) })) };
}

/** Renames a step and the `after` references to it. */
export function renameStep(d: Draft, id: string, name: string): Draft {
  const old = d.steps.find((s) => s.id === id)?.name;
  return { ...d, steps: d.steps.map((s) => (s.id === id ? { ...s, name } : { ...s, after: s.after.map((a) => (a === old ? name : a)) })) };
}

/**
 * Moves a step up or down. A step may only run after steps above it (so the list order is a valid
 * order and there are no cycles): moving drops `after` entries that would point down.
 */
export function moveStep(d: Draft, id: string, by: -1 | 1): Draft {
  const i = d.steps.findIndex((s) => s.id === id);
  const j = i + by;
  if (i < 0 || j < 0 || j >= d.steps.length) return d;
  const steps = d.steps.slice();
  [steps[i], steps[j]] = [steps[j]!, steps[i]!];
  const cleaned = steps.map((s, k) => {
    const above = new Set(steps.slice(0, k).map((x) => x.name));
    return { ...s, after: s.after.filter((a) => above.has(a)) };
  });
  return { ...d, steps: cleaned };
}

export const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** A number field: a number when it reads as one, else the text (so the validator names the field). */
export function num(s: string): number | string | undefined {
  const t = s.trim();
  if (t === "") return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/**
 * Only set values that differ from the service default; the renderer fills defaults in. Values stay
 * text (the YAML quotes `"640"`): the Pipeline resource keeps parameter values as strings.
 */
export function effectiveParams(step: DraftStep, service: CatalogService | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(step.params)) {
    const p = paramOf(service, name);
    if (p && p.default !== undefined && value === p.default && !step.pinned?.includes(name)) continue;
    if (value === "" && !p?.required) continue;
    out[name] = value;
  }
  return out;
}

/** The draft as the rule file's document (empty sections left out; what the form does not show kept from `base`). */
export function toPipeline(d: Draft, catalog: readonly CatalogService[]): { [k: string]: YamlValue } {
  const base = (d.base?.spec ?? {}) as { trigger?: { source?: string }; workflow?: Record<string, YamlValue> };
  const batch = d.batchSize.trim() || d.batchWindow.trim() ? { size: num(d.batchSize) ?? "", window: d.batchWindow.trim() } : undefined;
  const select = { by: d.by.trim() || undefined, dedupe: d.dedupe.trim() || undefined, sample: d.sample.trim() || undefined, batch };
  const limits = { maxInFlight: num(d.maxInFlight), ratePerSecond: num(d.ratePerSecond) };
  const parameters = Object.fromEntries(d.parameters.filter((p) => p.name.trim() !== "").map((p) => [p.name.trim(), p.value]));
  const byName = new Map(catalog.map((s) => [s.name, s]));
  // fields the form does not know (a newer rule format) are kept as opened
  const { namespace: _n, serviceAccountName: _s, templateRef: _t, steps: _st, parameters: _p, outputBucket: _o, ttlSecondsAfterFinished: _ttl, activeDeadlineSeconds: _a, ...keptWorkflow } = base.workflow ?? {};
  const meta = d.base?.metadata ?? {};
  return {
    apiVersion: "framegate.io/v1alpha1",
    kind: "Pipeline",
    metadata: { name: d.name.trim(), labels: parsePairs(d.labels), annotations: meta.annotations },
    spec: {
      description: d.description.trim() || undefined,
      suspend: d.suspend ? true : undefined,
      trigger: d.source === "webhook" ? webhookTrigger(d) : minioTrigger(d, !d.base || base.trigger?.source !== undefined),
      select: Object.values(select).some((v) => v !== undefined) ? select : undefined,
      limits: Object.values(limits).some((v) => v !== undefined) ? limits : undefined,
      workflow: {
        namespace: d.namespace.trim() || undefined,
        serviceAccountName: d.serviceAccountName.trim() || undefined,
        templateRef: d.useTemplate ? d.templateRef.trim() : undefined,
        steps: d.useTemplate
          ? undefined
          : d.steps.map((s) => {
              const params = effectiveParams(s, byName.get(s.service));
              return { name: s.name, service: s.service, after: s.after.length ? s.after : undefined, params: Object.keys(params).length ? params : undefined, ...placementOf(s) };
            }),
        parameters: Object.keys(parameters).length ? parameters : undefined,
        outputBucket: d.outputBucket.trim() || undefined,
        ttlSecondsAfterFinished: num(d.ttlSeconds),
        activeDeadlineSeconds: num(d.deadlineSeconds),
        ...keptWorkflow,
      },
    },
  };
}

/** The YAML text of the draft, with a header saying where it came from. */
export function draftYaml(d: Draft, catalog: readonly CatalogService[]): string {
  return toYaml(toPipeline(d, catalog), "Written with the framegate dashboard's composer.\nCheck it with: framegate validate --rules <folder with this file>");
}
