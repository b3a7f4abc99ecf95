/**
 * @module workflows/workflow-row — a Workflow object from the API server reduced to a {@link WorkflowRow},
 * and the slimming that keeps a watched Workflow to the few fields framegate reads.
 */
import { normalizePhase, type WorkflowRow } from "./workflow-status.js";

/** The parts of an `argoproj.io/v1alpha1` Workflow the status code reads. */
export interface WatchedWorkflow {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: unknown;
  status?: { phase?: string; startedAt?: string | null; finishedAt?: string | null; message?: string; [k: string]: unknown };
}

const ANNOTATION_PREFIX = "framegate.io/";

function iso(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().replace(/\.000Z$/, "Z");
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The row of a Workflow. Returns undefined for objects without a name (never sent by a sane API server).
 * @example workflowRowOf(obj) // { name: "people-detect-gate-01-4be1c0d2a7", pipeline: "people-detect", phase: "Running", ... }
 */
export function workflowRowOf(obj: WatchedWorkflow): WorkflowRow | undefined {
  const m = obj.metadata;
  if (!m?.name) return undefined;
  const labels = m.labels ?? {};
  const ann = m.annotations ?? {};
  const count = Number(ann["framegate.io/count"]);
  const row: WorkflowRow = {
    name: m.name,
    namespace: m.namespace ?? "",
    pipeline: labels["framegate.io/pipeline"] ?? "",
    phase: normalizePhase(obj.status?.phase),
    createdAt: iso(m.creationTimestamp) ?? "",
    events: Number.isInteger(count) && count > 0 ? count : 1,
  };
  if (ann["framegate.io/event-id"]) row.event = ann["framegate.io/event-id"];
  const camera = ann["framegate.io/camera"] || labels["framegate.io/camera"];
  if (camera) row.camera = camera;
  const startedAt = iso(obj.status?.startedAt);
  if (startedAt) row.startedAt = startedAt;
  const finishedAt = iso(obj.status?.finishedAt);
  if (finishedAt) row.finishedAt = finishedAt;
  if (obj.status?.message) row.message = obj.status.message;
  return row;
}

/**
 * Cuts a watched Workflow down, in place, to metadata (identity, resourceVersion, labels, framegate's
 * annotations) and the status summary. In place on purpose: client-node's ListWatch caches the very
 * object it hands to the callbacks, and a Workflow's spec and `status.nodes` are most of its size.
 */
export function slimWorkflow<T extends WatchedWorkflow>(obj: T): T {
  const m = obj.metadata;
  if (m) {
    for (const k of Object.keys(m)) {
      if (!["name", "namespace", "uid", "resourceVersion", "creationTimestamp", "labels", "annotations"].includes(k)) delete m[k];
    }
    if (m.annotations) {
      const kept: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.annotations)) if (k.startsWith(ANNOTATION_PREFIX)) kept[k] = v;
      m.annotations = kept;
    }
  }
  delete obj.spec;
  const s = obj.status;
  if (s) {
    const slim: NonNullable<WatchedWorkflow["status"]> = {};
    if (s.phase !== undefined) slim.phase = s.phase;
    if (s.startedAt) slim.startedAt = s.startedAt;
    if (s.finishedAt) slim.finishedAt = s.finishedAt;
    if (s.message !== undefined) slim.message = String(s.message).slice(0, 1000);
    obj.status = slim;
  }
  return obj;
}
