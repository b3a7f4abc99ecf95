/**
 * @module workflows/workflow-status — what the rest of framegate knows about the Workflows it created:
 * the {@link WorkflowStatus} port (the informer implements it; tests and the processor use fakes), the
 * row a Workflow is reduced to, and how Argo phases group into counts.
 */

/** Label every Workflow framegate creates carries (`app.kubernetes.io/managed-by=framegate`). */
export const MANAGED_BY_SELECTOR = "app.kubernetes.io/managed-by=framegate";

/** One Workflow framegate created, as the API, the dashboard and the camera registry see it. */
export interface WorkflowRow {
  name: string;
  namespace: string;
  /** `framegate.io/pipeline` label ("" when missing: created by someone else with framegate's label) */
  pipeline: string;
  /** the raw camera id (`framegate.io/camera` annotation, else the label-safe label), when the Workflow has one */
  camera?: string;
  /** Argo's `status.phase`: Pending (also while Argo has not set one yet), Running, Succeeded, Failed, Error */
  phase: string;
  /** `metadata.creationTimestamp` (RFC 3339) */
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** events the Workflow processes (`framegate.io/count`, 1 when absent) */
  events: number;
  /** `framegate.io/event-id`: the id of its (first) event, the one the gateway's log lines carry as `event` */
  event?: string;
  /** `status.message`: why it failed, usually */
  message?: string;
}

/** Workflows of one pipeline by phase; `failed` counts Argo's Failed and Error. */
export interface PhaseCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
}

/** The group a phase is counted in. */
export type PhaseClass = keyof PhaseCounts;

/** Filters of {@link WorkflowStatus.list}. */
export interface WorkflowQuery {
  pipeline?: string;
  camera?: string;
  /**
   * Case-insensitive: an Argo phase (`Failed` matches Failed only), a count group (`failed` is Failed
   * and Error, `pending`, `running`, `succeeded`), or `unfinished` / `finished`.
   */
  phase?: string;
  /** at most this many, newest first (default 100) */
  limit?: number;
}

/** A Workflow appeared, changed or went away. `previousPhase` is set on updates. */
export interface WorkflowChange {
  type: "added" | "updated" | "deleted";
  workflow: WorkflowRow;
  previousPhase?: string;
}

/**
 * What the processor (maxInFlight), the camera registry and the API read about Workflows.
 * Counts cover every Workflow known, also those whose rows were forgotten to bound memory.
 */
export interface WorkflowStatus {
  /** true once every namespace has been listed and is being watched (false again while reconnecting) */
  readonly synced: boolean;
  /**
   * Workflows of `pipeline` not yet Succeeded, Failed or Error, as the watch reported them (the ones this
   * gateway created that the watch has not reported yet are counted by flow/limits.ts). Before `synced` it
   * is a lower bound.
   */
  unfinished(pipeline: string): number;
  /** whether the watch has reported this Workflow */
  has(namespace: string, name: string): boolean;
  /** newest (by creation) first */
  list(query?: WorkflowQuery): WorkflowRow[];
  /** per pipeline, Workflows by phase group */
  counts(): Record<string, PhaseCounts>;
  /** calls `listener` for every change; returns the unsubscribe function */
  onChange(listener: (change: WorkflowChange) => void): () => void;
}

export const PHASE_CLASSES: readonly PhaseClass[] = ["pending", "running", "succeeded", "failed"];

/** `status.phase` as framegate shows it: "" (not picked up by the controller yet) is Pending. */
export function normalizePhase(phase: unknown): string {
  return typeof phase === "string" && phase !== "" ? phase : "Pending";
}

/** The count group of a phase; unknown phases (a newer Argo) count as running, i.e. unfinished. */
export function phaseClass(phase: string): PhaseClass {
  switch (phase) {
    case "":
    case "Pending":
      return "pending";
    case "Succeeded":
      return "succeeded";
    case "Failed":
    case "Error":
      return "failed";
    default:
      return "running";
  }
}

/** Succeeded, Failed and Error are final (until someone runs `argo retry`). */
export function isFinished(phase: string): boolean {
  const c = phaseClass(phase);
  return c === "succeeded" || c === "failed";
}

/** Values {@link WorkflowQuery.phase} accepts (case-insensitive). */
export const PHASE_FILTERS = ["pending", "running", "succeeded", "failed", "error", "unfinished", "finished"] as const;

/** Whether a row's phase passes a {@link WorkflowQuery.phase} filter. */
export function phaseMatches(phase: string, filter: string): boolean {
  const f = filter.toLowerCase();
  if (f === "unfinished") return !isFinished(phase);
  if (f === "finished") return isFinished(phase);
  return phase.toLowerCase() === f || phaseClass(phase) === f;
}

/** An empty {@link PhaseCounts}. */
export function zeroCounts(): PhaseCounts {
  return { pending: 0, running: 0, succeeded: 0, failed: 0 };
}
