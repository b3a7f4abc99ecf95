/**
 * @module web/composer/from-document — a pipeline document (a live Pipeline as `GET /api/pipelines/:name`
 * gives it) turned into the composer's draft: every field the form shows as text, the rest kept in
 * `base` so saving writes it back unchanged. Steps are put in an order where each runs after steps above
 * it only (the list's rule), keeping the document's order where it already is one.
 */
import { emptyDraft, newId, type Draft, type DraftStep } from "./draft.js";
import { fieldsText, pairsText, placementText } from "./trigger-placement.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));
const strs = (v: unknown) => (Array.isArray(v) ? v.map(String).join(", ") : "");

/** A document as the editor opened it. */
export interface OpenedDocument {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Obj;
}

/** Steps reordered so that each one's `after` steps come before it (cycles and unknown names left where they are). */
export function topoOrder(steps: readonly DraftStep[]): DraftStep[] {
  const out: DraftStep[] = [];
  const placed = new Set<string>();
  const names = new Set(steps.map((s) => s.name));
  let rest = [...steps];
  while (rest.length) {
    const i = rest.findIndex((s) => s.after.every((a) => placed.has(a) || !names.has(a)));
    const next = rest[i < 0 ? 0 : i]!;
    out.push(next);
    placed.add(next.name);
    rest = rest.filter((s) => s !== next);
  }
  return out;
}

/** The draft of a document; `name` overrides its name (a clone). */
export function draftFromDocument(doc: OpenedDocument, name = doc.metadata.name): Draft {
  const spec = obj(doc.spec);
  const trigger = obj(spec.trigger);
  const where = obj(trigger.where);
  const select = obj(spec.select);
  const batch = obj(select.batch);
  const limits = obj(spec.limits);
  const wf = obj(spec.workflow);
  const d = emptyDraft();
  const steps: DraftStep[] = (Array.isArray(wf.steps) ? wf.steps : []).map((raw) => {
    const s = obj(raw);
    return {
      id: newId("step"),
      name: str(s.name),
      service: str(s.service),
      params: Object.fromEntries(Object.entries(obj(s.params)).map(([k, v]) => [k, str(v)])),
      pinned: Object.keys(obj(s.params)),
      after: Array.isArray(s.after) ? s.after.map(String) : [],
      ...placementText(s as Parameters<typeof placementText>[0]),
    };
  });
  const metadata: NonNullable<Draft["base"]>["metadata"] = {};
  if (doc.metadata.annotations) metadata.annotations = doc.metadata.annotations;
  return {
    ...d,
    name,
    description: str(spec.description),
    labels: pairsText(doc.metadata.labels),
    suspend: spec.suspend === true,
    source: trigger.source === "webhook" ? "webhook" : "minio",
    hook: str(trigger.hook),
    fields: fieldsText(where.fields as Record<string, string[]> | undefined),
    buckets: strs(trigger.buckets),
    bucket: str(trigger.bucket),
    key: str(trigger.key),
    prefix: str(trigger.prefix),
    suffix: str(trigger.suffix),
    events: strs(trigger.events),
    minSize: str(where.minSize),
    maxSize: str(where.maxSize),
    objectMetadata: pairsText(where.metadata as Record<string, string> | undefined),
    cameras: strs(where.camera),
    contentType: strs(where.contentType),
    by: str(select.by),
    dedupe: str(select.dedupe),
    sample: str(select.sample),
    batchSize: str(batch.size),
    batchWindow: str(batch.window),
    maxInFlight: str(limits.maxInFlight),
    ratePerSecond: str(limits.ratePerSecond),
    namespace: str(wf.namespace),
    serviceAccountName: str(wf.serviceAccountName),
    useTemplate: wf.templateRef !== undefined,
    templateRef: str(wf.templateRef),
    outputBucket: str(wf.outputBucket),
    ttlSeconds: str(wf.ttlSecondsAfterFinished),
    deadlineSeconds: str(wf.activeDeadlineSeconds),
    steps: topoOrder(steps),
    parameters: Object.entries(obj(wf.parameters)).map(([k, v]) => ({ id: newId("param"), name: k, value: str(v) })),
    base: { metadata, spec },
  };
}

