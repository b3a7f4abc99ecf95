/**
 * @module workflows/workflow-index — the in-memory view of framegate's Workflows that the informer feeds:
 * per-pipeline counts by phase (O(1) `unfinished()` for maxInFlight), rows for listing, change
 * notifications. Memory is bounded: every unfinished Workflow keeps its row, finished ones only the
 * newest `maxFinished`; a forgotten Workflow still counts, through a small entry, until it is deleted.
 */
import type { Logger } from "pino";
import { workflowRowOf, type WatchedWorkflow } from "./workflow-row.js";
import {
  isFinished,
  phaseClass,
  phaseMatches,
  zeroCounts,
  type PhaseCounts,
  type WorkflowChange,
  type WorkflowQuery,
  type WorkflowRow,
  type WorkflowStatus,
} from "./workflow-status.js";

/** Options of {@link WorkflowIndex}. */
export interface WorkflowIndexOptions {
  /** finished Workflows whose rows are kept for `list()` (default 10,000); older ones are only counted */
  maxFinished?: number;
  /** `list()` limit when none is given (default 100) */
  defaultLimit?: number;
  log?: Logger;
}

/** What is kept for every known Workflow, forgotten rows included. */
interface Known {
  pipeline: string;
  phase: string;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * Workflows by key, fed with watch events through {@link apply}.
 * @example
 * const index = new WorkflowIndex({ maxFinished: 1000 });
 * index.apply("added", workflowObject);
 * index.unfinished("people-detect"); // 1
 */
export class WorkflowIndex implements WorkflowStatus {
  readonly maxFinished: number;
  readonly #defaultLimit: number;
  readonly #log: Logger | undefined;
  readonly #known = new Map<string, Known>();
  readonly #rows = new Map<string, WorkflowRow>();
  /** keys of finished rows, the earliest finished first (Set keeps insertion order) */
  readonly #finished = new Set<string>();
  readonly #counts = new Map<string, PhaseCounts>();
  readonly #listeners = new Set<(c: WorkflowChange) => void>();
  #synced = false;

  constructor(opts: WorkflowIndexOptions = {}) {
    this.maxFinished = opts.maxFinished ?? 10_000;
    this.#defaultLimit = opts.defaultLimit ?? 100;
    this.#log = opts.log;
    if (!Number.isInteger(this.maxFinished) || this.maxFinished < 0) throw new RangeError(`maxFinished must be a whole number >= 0, got ${this.maxFinished}`);
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Set by the informer: every namespace listed and watched. */
  setSynced(synced: boolean): void {
    this.#synced = synced;
  }

  /** Workflows known (rows kept or not). */
  get size(): number {
    return this.#known.size;
  }

  /** Rows kept for `list()`. */
  get rowCount(): number {
    return this.#rows.size;
  }

  /** Applies one watch event (or a listed item, as "added"/"updated"). */
  apply(type: "added" | "updated" | "deleted", obj: WatchedWorkflow): void {
    const row = workflowRowOf(obj);
    if (!row) return;
    const key = keyOf(row.namespace, row.name);
    const prev = this.#known.get(key);
    if (type === "deleted") {
      if (prev) this.#forget(key, prev, row);
      return;
    }
    if (prev) this.#count(prev, -1);
    const now: Known = { pipeline: row.pipeline, phase: row.phase };
    this.#count(now, +1);
    this.#known.set(key, now);
    const forgotten = prev !== undefined && !this.#rows.has(key);
    if (!isFinished(row.phase)) {
      this.#finished.delete(key);
      this.#rows.set(key, row);
    } else if (!(forgotten && isFinished(prev.phase))) {
      // a forgotten finished Workflow that changes (an archive label, say) stays forgotten
      this.#rows.set(key, row);
      if (!this.#finished.has(key)) this.#finished.add(key);
      this.#evict();
    }
    this.#emit(prev ? { type: "updated", workflow: row, previousPhase: prev.phase } : { type: "added", workflow: row });
  }

  unfinished(pipeline: string): number {
    const c = this.#counts.get(pipeline);
    return c ? c.pending + c.running : 0;
  }

  has(namespace: string, name: string): boolean {
    return this.#known.has(keyOf(namespace, name));
  }

  /** The row kept for a Workflow (none for one unknown or forgotten). */
  row(namespace: string, name: string): WorkflowRow | undefined {
    return this.#rows.get(keyOf(namespace, name));
  }

  counts(): Record<string, PhaseCounts> {
    const out: Record<string, PhaseCounts> = {};
    for (const [p, c] of this.#counts) out[p] = { ...c };
    return out;
  }

  list(query: WorkflowQuery = {}): WorkflowRow[] {
    const limit = Math.max(1, Math.trunc(query.limit ?? this.#defaultLimit));
    const hits: [number, WorkflowRow][] = [];
    for (const row of this.#rows.values()) {
      if (query.pipeline !== undefined && row.pipeline !== query.pipeline) continue;
      if (query.camera !== undefined && row.camera !== query.camera) continue;
      if (query.phase !== undefined && !phaseMatches(row.phase, query.phase)) continue;
      hits.push([Date.parse(row.createdAt) || 0, row]);
    }
    hits.sort((a, b) => b[0] - a[0] || (a[1].name < b[1].name ? -1 : a[1].name > b[1].name ? 1 : 0));
    return hits.slice(0, limit).map((h) => h[1]);
  }

  onChange(listener: (change: WorkflowChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #forget(key: string, prev: Known, row: WorkflowRow): void {
    this.#count(prev, -1);
    this.#known.delete(key);
    this.#rows.delete(key);
    this.#finished.delete(key);
    this.#emit({ type: "deleted", workflow: row, previousPhase: prev.phase });
  }

  #evict(): void {
    while (this.#finished.size > this.maxFinished) {
      const oldest = this.#finished.values().next().value as string;
      this.#finished.delete(oldest);
      this.#rows.delete(oldest);
    }
  }

  #count(k: Known, delta: 1 | -1): void {
    let c = this.#counts.get(k.pipeline);
    if (!c) {
      if (delta < 0) return;
      c = zeroCounts();
      this.#counts.set(k.pipeline, c);
    }
    c[phaseClass(k.phase)] += delta;
    if (c.pending + c.running + c.succeeded + c.failed === 0) this.#counts.delete(k.pipeline);
  }

  #emit(change: WorkflowChange): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch (e) {
        this.#log?.error({ err: e, workflow: change.workflow.name }, "a Workflow change listener threw; it keeps receiving changes");
      }
    }
  }
}
