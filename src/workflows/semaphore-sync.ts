/**
 * @module workflows/semaphore-sync — keeps the ConfigMap `framegate-semaphores` of each Workflow namespace
 * in step with the catalog's concurrency caps (semaphores.ts), so Argo's semaphores follow the catalog. The
 * ConfigMap itself comes from k8s/base/argo; the gateway may only get and patch that one ConfigMap
 * (k8s/base/argo/gateway-rbac.yaml), so a missing one is reported with how to create it, never created.
 * Argo fails a Workflow at once (phase Error, "Sync configuration key '<service>' not found in ConfigMap")
 * when a step names a key the ConfigMap lacks, so keys are only added or changed, never removed (a
 * Workflow created before a cap was dropped may still wait on it), and {@link SemaphoreGuard} holds back
 * any Workflow whose keys are not known to be written yet.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import { RetryAfterError } from "../lib/errors.js";
import type { RuleSet } from "../rules/types.js";
import { parseStatus } from "./k8s-errors.js";
import { SEMAPHORE_CONFIGMAP, semaphoreKeys, semaphoreLimits, semaphoreNamespaces } from "./semaphores.js";
import type { SubmitOutcome, Workflow, WorkflowSubmitter } from "./types.js";

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
  /** per namespace: the data last read or written (what Argo will find), and the last failure */
  readonly #known = new Map<string, Record<string, string>>();
  readonly #errors = new Map<string, string>();
  #running?: Promise<SemaphoreSyncResult[]>;

  constructor(maps: ConfigMapPort, log: Logger, counter?: Counter<"outcome">) {
    this.#maps = maps;
    this.#log = log;
    this.#counter = counter;
  }

  /** Syncs when the caps or namespaces differ from the last successful sync (or always with `force`); one pass at a time. */
  async sync(ruleSet: Pick<RuleSet, "pipelines" | "catalog">, force = false): Promise<SemaphoreSyncResult[]> {
    while (this.#running) await this.#running.catch(() => undefined);
    this.#running = this.#pass(ruleSet, force);
    try {
      return await this.#running;
    } finally {
      this.#running = undefined;
    }
  }

  /** Whether the ConfigMap of `namespace` is known to hold every key in `keys`. */
  covers(namespace: string, keys: readonly string[]): boolean {
    const known = this.#known.get(namespace);
    return !!known && keys.every((k) => Object.hasOwn(known, k));
  }

  /** The last failure writing `namespace`'s ConfigMap, if its last attempt failed. */
  lastError(namespace: string): string | undefined {
    return this.#errors.get(namespace);
  }

  async #pass(ruleSet: Pick<RuleSet, "pipelines" | "catalog">, force: boolean): Promise<SemaphoreSyncResult[]> {
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
      // keys of dropped caps stay: Workflows created while they were set may still take their permits
      const data = { ...current.data, ...limits };
      this.#errors.delete(namespace);
      if (JSON.stringify(sorted(current.data)) === JSON.stringify(sorted(data))) {
        this.#known.set(namespace, data);
        return { namespace, outcome: "unchanged" };
      }
      await this.#maps.replaceData(namespace, SEMAPHORE_CONFIGMAP, current.resourceVersion, data);
      this.#known.set(namespace, data);
      this.#log.info({ namespace, configMap: SEMAPHORE_CONFIGMAP, limits: data }, "concurrency caps written");
      return { namespace, outcome: "written" };
    } catch (err) {
      const error = describe(err, namespace);
      const repeated = this.#errors.get(namespace) === error;
      this.#errors.set(namespace, error);
      // Workflows of capped services wait (SemaphoreGuard) until this succeeds; retried every 5 s by serve,
      // so the same failure is logged once at error level, then at debug
      this.#log[repeated ? "debug" : "error"]({ err, namespace, configMap: SEMAPHORE_CONFIGMAP }, `concurrency caps not written: ${error}`);
      return { namespace, outcome: "failed", error };
    }
  }
}

/**
 * A WorkflowSubmitter that creates a Workflow taking semaphore permits only once its keys are in the
 * namespace's ConfigMap (else Argo would fail it at once): when they are not known to be, it syncs first,
 * and if they are still missing it throws RetryAfterError, so the event waits in JetStream and comes back.
 */
export class SemaphoreGuard implements WorkflowSubmitter {
  constructor(
    private readonly inner: WorkflowSubmitter,
    private readonly semaphores: SemaphoreSync,
    private readonly ruleSet: () => Pick<RuleSet, "pipelines" | "catalog">,
    private readonly retryAfterMs = 5_000,
  ) {}

  async create(wf: Workflow, signal?: AbortSignal): Promise<SubmitOutcome> {
    const keys = semaphoreKeys(wf);
    const namespace = wf.metadata.namespace ?? "";
    if (keys.length > 0 && !this.semaphores.covers(namespace, keys)) {
      await this.semaphores.sync(this.ruleSet(), true);
      if (!this.semaphores.covers(namespace, keys)) {
        const why = this.semaphores.lastError(namespace) ?? `no pipeline of the active rules runs in ${namespace}`;
        throw new RetryAfterError(
          `Workflow ${namespace}/${wf.metadata.name} takes permits of ${keys.join(", ")} in ConfigMap ${namespace}/${SEMAPHORE_CONFIGMAP}, which does not hold them yet (${why}); the event is retried`,
          this.retryAfterMs,
          { reason: "semaphore" },
        );
      }
    }
    return this.inner.create(wf, signal);
  }
}

function sorted(data: Record<string, string>): [string, string][] {
  return Object.entries(data).sort(([a], [b]) => a.localeCompare(b));
}
