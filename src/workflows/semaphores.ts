/**
 * @module workflows/semaphores — per-service concurrency (`concurrency: N` in a catalog entry) as Argo
 * semaphores: every step template of a capped service takes one permit of the key `<service>` in the
 * ConfigMap `framegate-semaphores` of its Workflow's namespace, and the gateway keeps that ConfigMap's
 * data in step with the catalog's caps (semaphore-sync.ts). Argo v3.6 counts permits per workflow-controller:
 * the cap holds across every Workflow of the namespace that one controller manages, which is why controller
 * shards (shards.ts) put every Workflow taking permits of a namespace on one shard.
 */
import type { Catalog, RuleSet } from "../rules/types.js";
import type { Service } from "../rules/catalog-schema.js";

/** The ConfigMap Argo reads the limits from, one per Workflow namespace (k8s/base/argo/semaphores.yaml). */
export const SEMAPHORE_CONFIGMAP = "framegate-semaphores";

/**
 * The template-level `synchronization` of a step of `service`, or undefined when the service has no cap.
 * @example stepSynchronization(detect) // { semaphores: [{ configMapKeyRef: { name: "framegate-semaphores", key: "detect" } }] }
 */
export function stepSynchronization(service: Service): Record<string, unknown> | undefined {
  if (service.spec.concurrency === undefined) return undefined;
  return { semaphores: [{ configMapKeyRef: { name: SEMAPHORE_CONFIGMAP, key: service.metadata.name } }] };
}

/**
 * The semaphore keys of framegate's ConfigMap that a rendered Workflow's templates take permits of.
 * @example semaphoreKeys(wf) // ["detect"]
 */
export function semaphoreKeys(wf: { spec: Record<string, unknown> }): string[] {
  const keys = new Set<string>();
  for (const t of (wf.spec.templates ?? []) as { synchronization?: { semaphores?: { configMapKeyRef?: { name?: string; key?: string } }[] } }[]) {
    for (const s of t.synchronization?.semaphores ?? []) {
      if (s.configMapKeyRef?.name === SEMAPHORE_CONFIGMAP && s.configMapKeyRef.key) keys.add(s.configMapKeyRef.key);
    }
  }
  return [...keys].sort();
}

/**
 * The ConfigMap data for a catalog: `<service>: "<concurrency>"` for every capped service (a service name is
 * a DNS label, so it is a valid ConfigMap key). Bounded by the catalog's size.
 * @example semaphoreLimits(catalog) // { detect: "1" }
 */
export function semaphoreLimits(catalog: Catalog): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, service] of [...catalog].sort(([a], [b]) => a.localeCompare(b))) {
    if (service.spec.concurrency !== undefined) out[name] = String(service.spec.concurrency);
  }
  return out;
}

/**
 * The namespaces that need the ConfigMap with the limits: every pipeline's Workflow namespace once any service
 * is capped (a WorkflowTemplate may take the same permits, as k8s/components/detect-on-gpu makes detect's do).
 */
export function semaphoreNamespaces(ruleSet: Pick<RuleSet, "pipelines" | "catalog">): string[] {
  if ([...ruleSet.catalog.values()].every((s) => s.spec.concurrency === undefined)) return [];
  return [...new Set(ruleSet.pipelines.map((p) => p.spec.workflow.namespace))].sort();
}
