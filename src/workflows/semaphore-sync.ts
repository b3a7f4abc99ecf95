/**
 * @module workflows/semaphore-sync — keeps the ConfigMap `framegate-semaphores` of each Workflow namespace
 * equal to the catalog's concurrency caps (semaphores.ts), so Argo's semaphores follow the catalog. The
 * ConfigMap itself comes from k8s/base/argo; the gateway may only get and patch that one ConfigMap
 * (k8s/base/argo/gateway-rbac.yaml), so a missing one is reported with how to create it, never created.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import type { RuleSet } from "../rules/types.js";
import { parseStatus } from "./k8s-errors.js";
import { SEMAPHORE_CONFIGMAP, semaphoreLimits, semaphoreNamespaces } from "./semaphores.js";

/** What one namespace's ConfigMap needed. */
export interface SemaphoreSyncResult {
  namespace: string;
  outcome: "unchanged" | "written" | "failed";
  error?: string;
}

/** The ConfigMap reads and writes the sync needs: the real client or a test's. */
export interface ConfigMapPort {
  read(namespace: string, name: string): Promise<{ data: Record<string, string>; resourceVersion: string }>;
  /** replaces `data` if the object is still at `resourceVersion` */
  replaceData(namespace: string, name: string, resourceVersion: string, data: Record<string, string>): Promise<void>;
}

/** {@link ConfigMapPort} over client-node's CoreV1Api: a JSON patch that tests the resourceVersion first. */
export function kubeConfigMaps(kc: KubeConfig): ConfigMapPort {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async read(namespace, name) {
      const cm = await core.readNamespacedConfigMap({ namespace, name });
      return { data: cm.data ?? {}, resourceVersion: cm.metadata?.resourceVersion ?? "" };
    },
    async replaceData(namespace, name, resourceVersion, data) {
      await core.patchNamespacedConfigMap({
        namespace,
        name,
        body: [
          { op: "test", path: "/metadata/resourceVersion", value: resourceVersion },
          { op: "add", path: "/data", value: data },
        ],
      });
    },
  };
}

/** Why a ConfigMap call failed, in words that say what to do. */
function describe(err: unknown, namespace: string): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  const where = `ConfigMap ${namespace}/${SEMAPHORE_CONFIGMAP}`;
  if (e.code === 404) return `${where} does not exist: apply k8s/base (k8s/base/argo/semaphores.yaml creates it), or kubectl -n ${namespace} create configmap ${SEMAPHORE_CONFIGMAP}`;
  if (e.code === 403) return `the gateway may not get/patch ${where}: give its ServiceAccount the Role of k8s/base/argo/gateway-rbac.yaml in ${namespace}`;
  return `${where}: ${parseStatus(e.body).message ?? e.message ?? String(err)}`;
}

/**
 * Writes the catalog's caps into every namespace whose pipelines use a capped service. Writes only what
 * differs, so calling it after every rule change costs one read per namespace.
 * @example await new SemaphoreSync(kubeConfigMaps(kc), log).sync(rules.current().ruleSet)
 */
export class SemaphoreSync {
  readonly #maps: ConfigMapPort;
  readonly #log: Logger;
  readonly #counter?: Counter<"outcome">;
  #last = "";

  constructor(maps: ConfigMapPort, log: Logger, counter?: Counter<"outcome">) {
    this.#maps = maps;
    this.#log = log;
    this.#counter = counter;
  }

  /** Syncs when the caps or namespaces differ from the last successful sync (or always with `force`). */
  async sync(ruleSet: Pick<RuleSet, "pipelines" | "catalog">, force = false): Promise<SemaphoreSyncResult[]> {
    const limits = semaphoreLimits(ruleSet.catalog);
    const namespaces = semaphoreNamespaces(ruleSet);
    const key = JSON.stringify([limits, namespaces]);
    if (!force && key === this.#last) return [];
    const results: SemaphoreSyncResult[] = [];
    for (const namespace of namespaces) results.push(await this.#syncOne(namespace, limits));
    for (const r of results) this.#counter?.inc({ outcome: r.outcome });
    if (results.every((r) => r.outcome !== "failed")) this.#last = key;
    return results;
  }

  async #syncOne(namespace: string, limits: Record<string, string>): Promise<SemaphoreSyncResult> {
    try {
      const current = await this.#maps.read(namespace, SEMAPHORE_CONFIGMAP);
      if (JSON.stringify(sorted(current.data)) === JSON.stringify(sorted(limits))) return { namespace, outcome: "unchanged" };
      await this.#maps.replaceData(namespace, SEMAPHORE_CONFIGMAP, current.resourceVersion, limits);
      this.#log.info({ namespace, configMap: SEMAPHORE_CONFIGMAP, limits }, "concurrency caps written");
      return { namespace, outcome: "written" };
    } catch (err) {
      const error = describe(err, namespace);
      // a step of a capped service waits (Argo cannot read the limit) until this succeeds
      this.#log.error({ err, namespace, configMap: SEMAPHORE_CONFIGMAP }, `concurrency caps not written: ${error}`);
      return { namespace, outcome: "failed", error };
    }
  }
}

function sorted(data: Record<string, string>): [string, string][] {
  return Object.entries(data).sort(([a], [b]) => a.localeCompare(b));
}
