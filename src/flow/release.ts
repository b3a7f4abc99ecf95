/**
 * @module flow/release — what becomes of a pipeline's waiting work when a rule change suspends or deletes
 * it. The rule store reports each swap; {@link withdrawnPipelines} names the pipelines that stopped
 * running. For each, the processor submits its filling batches at once (their frames are acked with
 * the batch's Workflow) and releases its single events waiting for `maxInFlight` or the rate limit: they
 * end as skipped with the reason (`suspended` or `deleted`), are acked, counted in
 * `framegate_events_released_total` and reported in the status feed. An event still being selected for
 * a withdrawn pipeline when the change lands is released the same way when it reaches the limits or a batch.
 */
import { FramegateError } from "../lib/errors.js";
import { isSuspended } from "../rules/compile-pipeline.js";
import type { CompiledPipeline } from "../rules/types.js";

/** Why a pipeline stopped running; also the label value of the released-events counter (a bounded set). */
export type ReleaseReason = "suspended" | "deleted";

/** A pipeline that ran before a rule change and does not after it. */
export interface Withdrawal {
  pipeline: string;
  reason: ReleaseReason;
}

/** The pipelines that ran in `before` and do not in `after`: gone (deleted), or now held by `spec.suspend`. */
export function withdrawnPipelines(before: readonly CompiledPipeline[], after: readonly CompiledPipeline[]): Withdrawal[] {
  const now = new Map(after.map((p) => [p.name, p]));
  const out: Withdrawal[] = [];
  for (const p of before) {
    if (isSuspended(p)) continue;
    const next = now.get(p.name);
    if (next === undefined) out.push({ pipeline: p.name, reason: "deleted" });
    else if (isSuspended(next)) out.push({ pipeline: p.name, reason: "suspended" });
  }
  return out;
}

/** The pipelines of each rule set by name, built once per rule set (the processor asks per event). */
const byName = new WeakMap<readonly CompiledPipeline[], Map<string, CompiledPipeline>>();

/** Why `pipeline` does not run in `pipelines` (undefined: it runs). */
export function withdrawnReason(pipelines: readonly CompiledPipeline[], pipeline: string): ReleaseReason | undefined {
  let index = byName.get(pipelines);
  if (!index) byName.set(pipelines, (index = new Map(pipelines.map((p) => [p.name, p]))));
  const p = index.get(pipeline);
  if (p === undefined) return "deleted";
  return isSuspended(p) ? "suspended" : undefined;
}

/** An event waiting for a pipeline's limits was let go because the pipeline was suspended or deleted. */
export class ReleasedError extends FramegateError {
  override name = "ReleasedError";
  constructor(
    readonly pipeline: string,
    readonly reason: ReleaseReason,
  ) {
    super(`pipeline ${pipeline} was ${reason} while the event waited; the event is released (skipped, acked)`);
  }
}

/**
 * The admissions of each pipeline that are waiting now, so a withdrawal can end them. Each waiting admission
 * has its own AbortController (one listener per signal, whatever the number of waiters).
 */
export class WaitingAdmissions {
  readonly #waiting = new Map<string, Set<AbortController>>();

  /** Registers a wait for `pipeline`; call the returned function when it ends. */
  enter(pipeline: string): { signal: AbortSignal; leave(): void } {
    const ac = new AbortController();
    let set = this.#waiting.get(pipeline);
    if (!set) this.#waiting.set(pipeline, (set = new Set()));
    set.add(ac);
    return {
      signal: ac.signal,
      leave: () => {
        set.delete(ac);
        if (set.size === 0 && this.#waiting.get(pipeline) === set) this.#waiting.delete(pipeline);
      },
    };
  }

  /** Ends every wait of `pipeline` with a {@link ReleasedError}; returns how many there were. */
  release(pipeline: string, reason: ReleaseReason): number {
    const set = this.#waiting.get(pipeline);
    if (!set) return 0;
    this.#waiting.delete(pipeline);
    for (const ac of set) ac.abort(new ReleasedError(pipeline, reason));
    return set.size;
  }

  /** Admissions waiting now, all pipelines. */
  get size(): number {
    let n = 0;
    for (const s of this.#waiting.values()) n += s.size;
    return n;
  }
}
