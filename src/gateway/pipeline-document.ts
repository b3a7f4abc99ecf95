/**
 * @module gateway/pipeline-document — a Pipeline resource as the composer edits it: the document a rule
 * file would hold (name, labels, annotations an operator owns, spec), its YAML in one canonical key order
 * (so a diff shows changes, not reordering), the annotations each save records, and the report a refused
 * save carries when someone else changed the resource since it was opened.
 */
import { parse, stringify } from "yaml";
import { fieldChanges, lineDiff, pathsOverlap, type DiffLine, type FieldChange } from "../lib/spec-diff.js";
import type { PipelineObject } from "../rules/pipeline-client.js";
import type { RuleResource } from "../rules/resource-rules.js";
import { API_VERSION } from "../rules/schema.js";

/** When a save from the composer happened (ISO time). */
export const SAVED_AT_ANNOTATION = "framegate.io/saved-at";
/** Where it came from: the client's address and user agent (never a credential). */
export const SAVED_FROM_ANNOTATION = "framegate.io/saved-from";
/** Annotations the server sets, not the editor: the save record and kubectl's own. */
export const SERVER_ANNOTATIONS = [SAVED_AT_ANNOTATION, SAVED_FROM_ANNOTATION, "kubectl.kubernetes.io/last-applied-configuration"];

/** What the composer edits of a Pipeline. */
export interface PipelineDocument {
  apiVersion: string;
  kind: "Pipeline";
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

/** The annotations without the server's own; undefined when none are left. */
export function ownAnnotations(a: Record<string, string> | undefined): Record<string, string> | undefined {
  const own = Object.entries(a ?? {}).filter(([k]) => !SERVER_ANNOTATIONS.includes(k));
  return own.length ? Object.fromEntries(own) : undefined;
}

/** The editable document of a resource (server-owned metadata and the status left out). */
export function editableDocument(r: PipelineObject): PipelineDocument {
  const { name, labels } = r.metadata;
  const annotations = ownAnnotations(r.metadata.annotations);
  return {
    apiVersion: API_VERSION,
    kind: "Pipeline",
    metadata: { name, ...(labels && Object.keys(labels).length ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    spec: (r.spec ?? {}) as Record<string, unknown>,
  };
}

/** Keys in the order the rule format reads best; any other key follows, alphabetically. */
const ORDER = [
  "apiVersion", "kind", "metadata", "spec", "name", "namespace", "labels", "annotations", "description", "suspend", "trigger", "source", "bucket", "hook",
  "key", "prefix", "suffix", "events", "where", "fields", "buckets", "select", "by", "dedupe", "sample", "batch", "size", "window", "limits", "maxInFlight",
  "ratePerSecond", "workflow", "serviceAccountName", "templateRef", "steps", "service", "after", "params", "nodeSelector", "tolerations", "resources",
  "requests", "parameters", "outputBucket", "ttlSecondsAfterFinished", "activeDeadlineSeconds",
];
const rank = (k: string) => (ORDER.includes(k) ? ORDER.indexOf(k) : ORDER.length);

/** The value with object keys in canonical order. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
    keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(keys.map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** The document as YAML, keys in canonical order. */
export function documentYaml(doc: PipelineDocument): string {
  return stringify(canonical(doc), { lineWidth: 0 });
}

/** The save record: when, and from where (address and user agent, both capped). */
export function saveAnnotations(now: Date, from: { address?: string; userAgent?: string }): Record<string, string> {
  const where = [from.address ? `address ${from.address.slice(0, 100)}` : "address unknown", from.userAgent ? `agent ${from.userAgent.replace(/[\r\n]/g, " ").slice(0, 200)}` : ""].filter(Boolean).join("; ");
  return { [SAVED_AT_ANNOTATION]: now.toISOString(), [SAVED_FROM_ANNOTATION]: where };
}

/** Why a save was refused because the resource moved on, and what each side changed. */
export interface ConflictReport {
  /** their change: from the version the editor opened to the current one (null: the opened version is unknown) */
  theirs: FieldChange[] | null;
  /** the editor's change from the version it opened (null: unknown) */
  mine: FieldChange[] | null;
  /** fields both changed: saving either would lose the other's value */
  overlap: string[];
  /** line diff of the YAML: opened -> current (or current -> yours without the opened version) */
  lines: DiffLine[];
  truncated: boolean;
}

/**
 * What changed on the server since `opened`, what the editor changed, and where they meet.
 * @example conflictReport(opened, current, draft).overlap // ["spec.workflow.steps[1].params.confidence"]
 */
export function conflictReport(opened: PipelineDocument | undefined, current: PipelineDocument, draft: PipelineDocument): ConflictReport {
  if (!opened) {
    const d = lineDiff(documentYaml(current), documentYaml(draft));
    return { theirs: null, mine: null, overlap: [], lines: d.lines, truncated: d.truncated };
  }
  const theirs = fieldChanges(canonical(opened), canonical(current));
  const mine = fieldChanges(canonical(opened), canonical(draft));
  const overlap = mine.filter((m) => theirs.some((t) => pathsOverlap(m.path, t.path))).map((m) => m.path);
  const d = lineDiff(documentYaml(opened), documentYaml(current));
  return { theirs, mine, overlap, lines: d.lines, truncated: d.truncated };
}

/** A Pipeline opened for editing. */
export interface OpenedPipeline {
  name: string;
  resourceVersion: string;
  generation: number;
  document: PipelineDocument;
  yaml: string;
  status: RuleResource["status"] | null;
  savedAt?: string;
  savedFrom?: string;
}

/** A resource as the editor opens it. */
export function openedPipeline(r: PipelineObject): OpenedPipeline {
  const document = editableDocument(r);
  const a = r.metadata.annotations ?? {};
  const o: OpenedPipeline = {
    name: r.metadata.name,
    resourceVersion: r.metadata.resourceVersion ?? "",
    generation: r.metadata.generation ?? 0,
    document,
    yaml: documentYaml(document),
    status: r.status ?? null,
  };
  if (a[SAVED_AT_ANNOTATION]) o.savedAt = a[SAVED_AT_ANNOTATION];
  if (a[SAVED_FROM_ANNOTATION]) o.savedFrom = a[SAVED_FROM_ANNOTATION];
  return o;
}

/** A YAML document with `metadata` and `spec`, else undefined (the loader's check says why). */
export function parseDocument(text: string): PipelineDocument | undefined {
  let v: unknown;
  try {
    v = parse(text);
  } catch {
    return undefined;
  }
  const d = v as Partial<PipelineDocument> | null;
  if (!d || typeof d !== "object" || typeof d.metadata !== "object" || d.metadata === null || typeof d.spec !== "object" || d.spec === null) return undefined;
  return { apiVersion: String(d.apiVersion ?? ""), kind: "Pipeline", metadata: d.metadata, spec: d.spec };
}
