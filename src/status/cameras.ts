/**
 * @module status/cameras — every camera the gateway has seen, with its traffic: first and last seen, frames,
 * frames in the last minute, Workflows and failures. Fed by the processor's reports and the Workflow
 * informer's changes; a camera appears the moment its first event is processed. Bounded: past
 * `capacity` cameras the one seen longest ago is forgotten.
 */
import type { WorkflowChange } from "../workflows/workflow-status.js";
import { phaseClass } from "../workflows/workflow-status.js";
import type { ProcessedEvent } from "./processed-event.js";

/** One camera as `GET /api/cameras` and the dashboard show it. */
export interface CameraRow {
  camera: string;
  /** ISO time of the first event (or Workflow) seen for it by this gateway */
  firstSeen: string;
  /** ISO time of the latest */
  lastSeen: string;
  /** events processed (each event once, however often it was redelivered) */
  frames: number;
  /** events in the last minute (counted in 5-second steps) */
  framesPerMinute: number;
  /** Workflows created for it */
  workflows: number;
  /** its Workflows that ended Failed or Error, plus its events that were dead-lettered */
  failures: number;
  /** object key of its latest MinIO event */
  lastKey?: string;
}

/** Options of {@link CameraRegistry}. */
export interface CameraRegistryOptions {
  /** cameras kept (default 100,000); the one seen longest ago goes first */
  capacity?: number;
  /** event ids remembered to count a redelivered event once (default 10,000) */
  recentIds?: number;
  now?: () => number;
}

const SLOT_MS = 5_000;
const SLOTS = 12; // 12 x 5 s = the last minute

interface Camera {
  camera: string;
  firstSeenMs: number;
  lastSeenMs: number;
  frames: number;
  workflows: number;
  failures: number;
  lastKey?: string;
  /** events per 5-second slot, a ring indexed by slot number mod SLOTS */
  slots: Uint32Array;
  /** slot number (ms / SLOT_MS) the ring was last advanced to */
  slot: number;
}

/**
 * @example
 * const cameras = new CameraRegistry();
 * cameras.recordEvent(processedEvent);   // from the processor's onEvent
 * cameras.recordWorkflow(change);        // from workflowStatus.onChange
 * cameras.list();                        // latest seen first
 */
export class CameraRegistry {
  readonly capacity: number;
  readonly #recentIdsMax: number;
  readonly #now: () => number;
  /** Map order is least recently seen first: every update moves the camera to the end */
  readonly #cameras = new Map<string, Camera>();
  readonly #recentIds = new Set<string>();
  readonly #listeners = new Set<(row: CameraRow) => void>();

  constructor(opts: CameraRegistryOptions = {}) {
    this.capacity = opts.capacity ?? 100_000;
    this.#recentIdsMax = opts.recentIds ?? 10_000;
    this.#now = opts.now ?? Date.now;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError(`CameraRegistry capacity must be a positive integer, got ${this.capacity}`);
  }

  /** Cameras held. */
  get size(): number {
    return this.#cameras.size;
  }

  /**
   * Takes one processor report. Counts the frame once per event id (redeliveries are reported again),
   * and a failure per pipeline the event was dead-lettered for (`dead-lettered`, or an undecodable event).
   * @returns the camera's row, or undefined when the event has no camera
   */
  recordEvent(e: ProcessedEvent): CameraRow | undefined {
    if (!e.camera) return undefined;
    const now = this.#now();
    const cam = this.#touch(e.camera, now, now);
    if (this.#firstTime(e.id)) {
      cam.frames++;
      this.#advance(cam, now);
      cam.slots[cam.slot % SLOTS]!++;
    }
    if (e.key) cam.lastKey = e.key;
    cam.failures += e.error ? 1 : e.matches.filter((m) => m.outcome === "dead-lettered" || m.outcome === "rejected").length;
    return this.#changed(cam);
  }

  /**
   * Takes one Workflow change: an added Workflow counts for its camera, one entering Failed or Error is a failure.
   * @returns the camera's row, or undefined when the Workflow has no camera or changed nothing here
   */
  recordWorkflow(change: WorkflowChange): CameraRow | undefined {
    const wf = change.workflow;
    if (!wf.camera || change.type === "deleted") return undefined;
    const failedNow = phaseClass(wf.phase) === "failed" && (change.previousPhase === undefined || phaseClass(change.previousPhase) !== "failed");
    if (change.type === "updated" && !failedNow) return undefined;
    const now = this.#now();
    const created = Date.parse(wf.createdAt);
    const cam = this.#touch(wf.camera, Number.isFinite(created) ? Math.min(created, now) : now, now);
    if (change.type === "added") cam.workflows++;
    if (failedNow) cam.failures++;
    return this.#changed(cam);
  }

  /** One camera's row. */
  get(camera: string): CameraRow | undefined {
    const cam = this.#cameras.get(camera);
    return cam && this.#row(cam);
  }

  /** Rows, the latest seen first; at most `limit`. */
  list(limit = this.capacity): CameraRow[] {
    const all = [...this.#cameras.values()];
    const out: CameraRow[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) out.push(this.#row(all[i]!));
    return out;
  }

  /** Calls `listener` with a camera's row whenever it changes; returns the unsubscribe function. */
  onChange(listener: (row: CameraRow) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The camera, created when new, moved to the most-recently-seen end. */
  #touch(id: string, seenMs: number, now: number): Camera {
    let cam = this.#cameras.get(id);
    if (cam) {
      this.#cameras.delete(id);
      cam.firstSeenMs = Math.min(cam.firstSeenMs, seenMs);
      cam.lastSeenMs = Math.max(cam.lastSeenMs, seenMs);
    } else {
      cam = { camera: id, firstSeenMs: seenMs, lastSeenMs: seenMs, frames: 0, workflows: 0, failures: 0, slots: new Uint32Array(SLOTS), slot: Math.floor(now / SLOT_MS) };
      if (this.#cameras.size >= this.capacity) this.#cameras.delete(this.#cameras.keys().next().value as string);
    }
    this.#cameras.set(id, cam);
    return cam;
  }

  /** Zeroes the slots that passed since the camera's ring was last advanced. */
  #advance(cam: Camera, now: number): void {
    const slot = Math.floor(now / SLOT_MS);
    if (slot - cam.slot >= SLOTS) cam.slots.fill(0);
    else for (let s = cam.slot + 1; s <= slot; s++) cam.slots[s % SLOTS] = 0;
    if (slot > cam.slot) cam.slot = slot;
  }

  #firstTime(id: string): boolean {
    if (this.#recentIds.has(id)) return false;
    this.#recentIds.add(id);
    if (this.#recentIds.size > this.#recentIdsMax) this.#recentIds.delete(this.#recentIds.values().next().value as string);
    return true;
  }

  #row(cam: Camera): CameraRow {
    this.#advance(cam, this.#now());
    const row: CameraRow = {
      camera: cam.camera,
      firstSeen: new Date(cam.firstSeenMs).toISOString(),
      lastSeen: new Date(cam.lastSeenMs).toISOString(),
      frames: cam.frames,
      framesPerMinute: cam.slots.reduce((a, b) => a + b, 0),
      workflows: cam.workflows,
      failures: cam.failures,
    };
    if (cam.lastKey !== undefined) row.lastKey = cam.lastKey;
    return row;
  }

  #changed(cam: Camera): CameraRow {
    const row = this.#row(cam);
    for (const l of this.#listeners) {
      try {
        l(row);
      } catch {
        /* a listener's failure is its own; the registry keeps counting */
      }
    }
    return row;
  }
}
