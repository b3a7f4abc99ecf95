/**
 * @module flow/limits — `maxInFlight` (unfinished Workflows of a pipeline, as the informer sees them,
 * plus the ones this gateway created that the informer has not reported yet) and `ratePerSecond`
 * (a token bucket: smooth, bursts of at most a tenth of a second's worth). Waiting is in-process: the message
 * stays unacked in JetStream and its ack deadline is extended, so nothing is lost or redelivered early.
 * A pipeline's waits end early with a {@link ReleasedError} when it is suspended or deleted ({@link Limits.release}).
 */
import { WaitingAdmissions, type ReleaseReason } from "./release.js";

/** What the limiter needs from the Workflow informer. */
export interface UnfinishedCounter {
  unfinished(pipeline: string): number;
  /** names of Workflows the informer knows, to retire local reservations */
  has?(namespace: string, name: string): boolean;
}

interface Pending {
  namespace: string;
  name: string;
  at: number;
}

/** Reservations of one pipeline, by `namespace/name` (O(1) add and remove at any volume). */
type PendingSet = Map<string, Pending>;

/** A pipeline's `spec.limits`. */
export interface PipelineLimits {
  maxInFlight?: number;
  ratePerSecond?: number;
}

/** Why a create waits. */
export type WaitReason = "in-flight" | "rate";

export class Limits {
  readonly #pending = new Map<string, PendingSet>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #waiters = new Set<() => void>();
  readonly #admissions = new WaitingAdmissions();
  #timer?: NodeJS.Timeout;

  constructor(private readonly status?: UnfinishedCounter, private readonly reservationTtlMs = 30_000) {}

  /** Unfinished Workflows of the pipeline as this gateway counts them. */
  inFlight(pipeline: string): number {
    return (this.status?.unfinished(pipeline) ?? 0) + (this.#pending.get(pipeline)?.size ?? 0);
  }

  /** Admissions waiting now (for a slot or a token), all pipelines. */
  get waiting(): number {
    return this.#admissions.size;
  }

  /**
   * Ends every admission of `pipeline` that waits now: each {@link admit} rejects with a ReleasedError
   * (the pipeline was suspended or deleted). Returns how many were released.
   */
  release(pipeline: string, reason: ReleaseReason): number {
    return this.#admissions.release(pipeline, reason);
  }

  /** Waits until the pipeline is under `max` unfinished Workflows, then reserves one slot. */
  async acquireSlot(pipeline: string, max: number | undefined, signal?: AbortSignal): Promise<void> {
    if (max === undefined) return;
    while (this.inFlight(pipeline) >= max) await this.wait(250, signal);
  }

  /**
   * Waits until `pipeline` is under its `maxInFlight` and has a token of its `ratePerSecond`, then, when it
   * has a `maxInFlight`, reserves the slot for `workflow` (give it back with {@link unreserve} when the
   * create does not create). `onWait` is called as each wait starts and what it returns as the wait ends
   * (release the consumer's slot, count the waiters). Returns whether it reserved.
   * @throws ReleasedError when {@link release} ends the wait (the pipeline was suspended or deleted)
   * @example
   * const reserved = await limits.admit("people", { maxInFlight: 20 }, { namespace, name });
   */
  async admit(
    pipeline: string,
    limits: PipelineLimits,
    workflow: { namespace: string; name: string },
    onWait?: (reason: WaitReason) => () => void,
  ): Promise<boolean> {
    const { maxInFlight, ratePerSecond } = limits;
    const full = () => maxInFlight !== undefined && this.inFlight(pipeline) >= maxInFlight;
    let token = ratePerSecond === undefined;
    // The slot is checked again after every wait and reserved with no await in between: waiters woken
    // together for one free slot (or a slot taken while this one waited for a rate token) must not all take it.
    while (full() || !token) {
      const reason: WaitReason = full() ? "in-flight" : "rate";
      const done = onWait?.(reason);
      const admission = this.#admissions.enter(pipeline);
      try {
        if (reason === "in-flight") await this.acquireSlot(pipeline, maxInFlight, admission.signal);
        else {
          await this.acquireToken(pipeline, ratePerSecond, admission.signal);
          token = true;
        }
      } finally {
        admission.leave();
        done?.();
      }
    }
    // only pipelines with an in-flight limit need their fresh Workflows counted before the informer sees them
    if (maxInFlight === undefined) return false;
    this.reserve(pipeline, workflow.namespace, workflow.name);
    return true;
  }

  /** Records a Workflow this gateway created, counted until the informer reports it. */
  reserve(pipeline: string, namespace: string, name: string): void {
    const l = this.pendingOf(pipeline);
    const k = `${namespace}/${name}`;
    if (!l.has(k)) l.set(k, { namespace, name, at: Date.now() });
  }

  /** Gives a reservation back (the create failed). */
  unreserve(pipeline: string, namespace: string, name: string): void {
    if (this.#pending.get(pipeline)?.delete(`${namespace}/${name}`)) this.wake();
  }

  /** Waits for a token of the pipeline's rate. */
  async acquireToken(pipeline: string, ratePerSecond: number | undefined, signal?: AbortSignal): Promise<void> {
    if (ratePerSecond === undefined) return;
    const cap = Math.max(1, ratePerSecond / 10);
    for (;;) {
      const now = Date.now();
      const b = this.#buckets.get(pipeline) ?? { tokens: cap, at: now };
      b.tokens = Math.min(cap, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
      b.at = now;
      this.#buckets.set(pipeline, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return;
      }
      await this.wait(Math.ceil(((1 - b.tokens) / ratePerSecond) * 1000), signal);
    }
  }

  /** Call when the informer reports a change: retires reservations it now counts, wakes waiters. */
  changed(): void {
    const now = Date.now();
    for (const l of this.#pending.values()) {
      for (const [k, p] of l) if (this.status?.has?.(p.namespace, p.name) || now - p.at > this.reservationTtlMs) l.delete(k);
    }
    this.wake();
  }

  private pendingOf(pipeline: string): PendingSet {
    let l = this.#pending.get(pipeline);
    if (!l) this.#pending.set(pipeline, (l = new Map()));
    return l;
  }

  private wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  private wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const done = () => {
        clearTimeout(t);
        this.#waiters.delete(done);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        clearTimeout(t);
        this.#waiters.delete(done);
        reject(signal!.reason);
      };
      const t = setTimeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener("abort", onAbort, { once: true });
      // periodic re-check so reservation TTLs expire even without informer events
      if (!this.#timer) {
        this.#timer = setInterval(() => (this.#waiters.size ? this.changed() : undefined), 1000);
        this.#timer.unref();
      }
    });
  }
}
