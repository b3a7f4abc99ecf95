/**
 * @module rules/status-writer — the `status` of Pipelines and ProcessingServices from the verdicts of
 * resource-rules.ts: `observedGeneration`, the `Accepted` condition, and for Pipelines the one-line
 * trigger and select shown by `kubectl get pipelines`. Writes only what differs from the stored status
 * (a JSON patch of the status subresource), so a verdict is written once; `lastTransitionTime` moves only
 * when the condition's status does.
 */
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { SERVICE_KIND } from "./catalog-schema.js";
import { ACCEPTED_CONDITION, CRD_VERSION } from "./crds.js";
import type { Condition, ResourceStatus, RuleResource, Verdict } from "./resource-rules.js";
import { API_GROUP } from "./schema.js";

/** The status a verdict asks for, keeping the transition time of an unchanged condition. */
export function desiredStatus(v: Verdict, current: ResourceStatus | undefined, now: Date): ResourceStatus {
  const before = current?.conditions?.find((c) => c.type === ACCEPTED_CONDITION);
  const status: Condition["status"] = v.accepted ? "True" : "False";
  const condition: Condition = {
    type: ACCEPTED_CONDITION,
    status,
    reason: v.reason,
    message: v.message,
    observedGeneration: v.generation,
    lastTransitionTime: before?.status === status ? before.lastTransitionTime : now.toISOString(),
  };
  const out: ResourceStatus = { observedGeneration: v.generation, conditions: [...(current?.conditions ?? []).filter((c) => c.type !== ACCEPTED_CONDITION), condition] };
  if (v.summary) Object.assign(out, v.summary);
  return out;
}

/** Whether the stored status already says what `desired` says (transition times aside). */
export function sameStatus(current: ResourceStatus | undefined, desired: ResourceStatus): boolean {
  const strip = (s: ResourceStatus | undefined) => canonical({ ...s, conditions: (s?.conditions ?? []).map(({ lastTransitionTime: _, ...c }) => c) });
  return strip(current) === strip(desired);
}

/** JSON with object keys sorted: the API server returns a stored status with its keys in its own order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

const PLURAL = { Pipeline: "pipelines", [SERVICE_KIND]: "processingservices" } as const;

/** Writes the status of the resources whose stored status differs from their verdict. */
export class StatusWriter {
  readonly #api: CustomObjectsApi;
  readonly #namespace: string;
  readonly #log: Logger;
  /** writes done, for tests and the log */
  writes = 0;
  /**
   * What was written per resource, and the resourceVersion the cache had then: until the watch delivers
   * the written version, the cache still shows the old status, which must not cause a second write.
   */
  readonly #sent = new Map<string, { before: string | undefined; status: string }>();

  constructor(kc: KubeConfig, namespace: string, log: Logger) {
    this.#api = kc.makeApiClient(CustomObjectsApi);
    this.#namespace = namespace;
    this.#log = log.child({ component: "status-writer" });
  }

  /** `resources` are the objects the verdicts judged (kind:name -> object, with their stored status). */
  async write(verdicts: readonly Verdict[], resources: ReadonlyMap<string, RuleResource>, now = new Date()): Promise<void> {
    for (const v of verdicts) {
      const key = `${v.kind}:${v.name}`;
      const cached = resources.get(key);
      const current = cached?.status;
      const desired = desiredStatus(v, current, now);
      if (sameStatus(current, desired)) continue;
      const version = (cached?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
      const sent = this.#sent.get(key);
      if (sent && sent.before === version && sameStatus(JSON.parse(sent.status) as ResourceStatus, desired)) continue; // written; the watch has not caught up
      if (this.#sent.size > 10_000) this.#sent.clear();
      try {
        await this.#api.patchNamespacedCustomObjectStatus({
          group: API_GROUP,
          version: CRD_VERSION,
          namespace: this.#namespace,
          plural: PLURAL[v.kind],
          name: v.name,
          body: [{ op: "add", path: "/status", value: desired }],
        });
        this.writes++;
        this.#sent.set(key, { before: version, status: JSON.stringify(desired) });
        this.#log[v.accepted ? "info" : "warn"]({ kind: v.kind, name: v.name, generation: v.generation, reason: v.reason, message: v.message }, v.accepted ? "accepted" : "refused");
      } catch (err) {
        // deleted in between, or the API server is away: the next change or resync writes it
        this.#log.warn({ err, kind: v.kind, name: v.name }, "could not write the status");
      }
    }
  }
}
