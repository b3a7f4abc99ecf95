/**
 * @module workflows/shards — which Argo controller shard (instance ID) runs a pipeline's Workflows.
 * A deployment may run several workflow-controllers, each with its own `instanceID`; a controller runs only
 * the Workflows whose label `workflows.argoproj.io/controller-instanceid` equals its ID. framegate picks a
 * pipeline's shard by rendezvous hashing (highest random weight), so a shard added to the list takes over
 * about 1/(n+1) of the pipelines and every other pipeline stays where it was.
 *
 * Argo v3.6 counts semaphore permits per controller, so a concurrency cap held by two controllers would
 * allow twice the cap. Every Workflow that takes (or may take) permits of a namespace's ConfigMap
 * `framegate-semaphores` is therefore placed by the key of that namespace, not of its pipeline: all of them
 * run on one shard, and the cap holds cluster-wide. An inline pipeline takes permits when one of its steps'
 * services has `concurrency`; a `templateRef` pipeline may (the gateway does not read the template) whenever
 * the catalog caps any service.
 */
import { createHash } from "node:crypto";
import type { Catalog, CompiledPipeline } from "../rules/types.js";

/** The label a workflow-controller with an `instanceID` selects its Workflows by. */
export const INSTANCE_ID_LABEL = "workflows.argoproj.io/controller-instanceid";

/** The key a pipeline is placed by: its namespace's semaphores when it takes permits, else its own name. */
export function shardKey(pipeline: Pick<CompiledPipeline, "name" | "spec">, catalog: Catalog): string {
  const wf = pipeline.spec.workflow;
  const capped = (service: string) => catalog.get(service)?.spec.concurrency !== undefined;
  const takesPermits =
    wf.templateRef !== undefined ? [...catalog.keys()].some(capped) : (wf.steps ?? []).some((s) => capped(s.service));
  return takesPermits ? `semaphores/${wf.namespace}` : `pipeline/${pipeline.name}`;
}

/** Rendezvous weight of `key` on `shard`: the first 48 bits of sha256(shard NUL key). */
function weight(shard: string, key: string): number {
  return createHash("sha256").update(shard).update("\0").update(key).digest().readUIntBE(0, 6);
}

/**
 * The shard with the highest weight for `key` (ties, practically impossible, go to the first listed).
 * Adding a shard moves exactly the keys whose new weight beats their old winner; removing one moves only its keys.
 * @example rendezvousShard("pipeline/people-detect", ["a", "b"]) // "a" or "b", the same on every call
 */
export function rendezvousShard(key: string, shards: readonly string[]): string {
  let best = shards[0]!;
  let bestWeight = -1;
  for (const s of shards) {
    const w = weight(s, key);
    if (w > bestWeight) [best, bestWeight] = [s, w];
  }
  return best;
}

/**
 * A deployment's shards: the label each pipeline's Workflows get. Decisions are cached per catalog (a rule
 * swap brings a new catalog object), so a Workflow costs one map lookup.
 */
export class ShardPlan {
  readonly shards: readonly string[];
  readonly #cache = new WeakMap<Catalog, Map<string, string>>();

  /** @param shards instance IDs, validated by the config (`FRAMEGATE_ARGO_SHARDS`); at least one */
  constructor(shards: readonly string[]) {
    if (shards.length === 0) throw new Error("ShardPlan needs at least one shard (without shards, render no label)");
    this.shards = [...shards];
  }

  /** The instance ID whose controller runs `pipeline`'s Workflows under `catalog`. */
  shardOf(pipeline: Pick<CompiledPipeline, "name" | "spec">, catalog: Catalog): string {
    let byPipeline = this.#cache.get(catalog);
    if (!byPipeline) this.#cache.set(catalog, (byPipeline = new Map()));
    let shard = byPipeline.get(pipeline.name);
    if (shard === undefined) {
      shard = this.shards.length === 1 ? this.shards[0]! : rendezvousShard(shardKey(pipeline, catalog), this.shards);
      byPipeline.set(pipeline.name, shard);
    }
    return shard;
  }
}
