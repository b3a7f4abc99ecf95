/**
 * @module rules/status-writer — the `status` of Pipelines and ProcessingServices from the verdicts of
 * resource-rules.ts: `observedGeneration`, the `Accepted` condition, and for Pipelines the one-line
 * trigger and select shown by `kubectl get pipelines`, and the conditions other parts report (the
 * bucket notifications' `NotificationsReady`), so one writer writes the whole status. Writes only what differs from the stored status
 * (a JSON patch of the status subresource), so a verdict is written once; `lastTransitionTime` moves only
 * when the condition's status does.
 */
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { SERVICE_KIND } from "./catalog-schema.js";
import { ACCEPTED_CONDITION, CRD_VERSION } from "./crds.js";
import type { Condition, ResourceStatus, RuleResource, Verdict } from "./resource-rules.js";
import { API_GROUP } from "./schema.js";

/** A condition another part of the gateway reports for a resource (e.g. `NotificationsReady`). */
export type ReportedCondition = Pick<Condition, "type" | "status" | "reason" | "message">;

/**
 * Conditions besides `Accepted` to write for one resource: `conditions` replace those of their types, and
 * a stored condition of a `managed` type that is not among them is removed. Undefined: leave them as stored.
 */
export interface ReportedConditions {
  managed: readonly string[];
  conditions: readonly ReportedCondition[];
}

/**
 * The status a verdict asks for, keeping the transition time of each unchanged condition and the order
 * of the stored ones (a new type goes last), so an unchanged status compares equal.
 */
export function desiredStatus(v: Verdict, current: ResourceStatus | undefined, now: Date, reported?: ReportedConditions): ResourceStatus {
  const stored = new Map((current?.conditions ?? []).map((c) => [c.type, c]));
  const condition = (c: ReportedCondition): Condition => ({
    ...c,
    observedGeneration: v.generation,
    lastTransitionTime: stored.get(c.type)?.status === c.status ? stored.get(c.type)!.lastTransitionTime : now.toISOString(),
  });
  const wanted = new Map<string, Condition>([[ACCEPTED_CONDITION, condition({ type: ACCEPTED_CONDITION, status: v.accepted ? "True" : "False", reason: v.reason, message: v.message })]]);
  for (const c of reported?.conditions ?? []) wanted.set(c.type, condition(c));
  const managed = new Set(reported?.managed ?? []);
  const conditions: Condition[] = [];
  for (const c of current?.conditions ?? []) {
    const w = wanted.get(c.type);
    if (w) {
      conditions.push(w);
      wanted.delete(c.type);
    } else if (!managed.has(c.type)) conditions.push(c);
  }
  conditions.push(...wanted.values());
  const out: ResourceStatus = { observedGeneration: v.generation, conditions };
  if (v.summary) Object.assign(out, v.summary);
  return out;
}

/** Whether the stored status already says what `desired` says (transition times and the conditions' order aside). */
export function sameStatus(current: ResourceStatus | undefined, desired: ResourceStatus): boolean {
  const strip = (s: ResourceStatus | undefined) =>
    canonical({ ...s, conditions: (s?.conditions ?? []).map(({ lastTransitionTime: _, ...c }) => c).sort((a, b) => a.type.localeCompare(b.type)) });
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
  async write(verdicts: readonly Verdict[], resources: ReadonlyMap<string, RuleResource>, now = new Date(), reported?: (v: Verdict) => ReportedConditions | undefined): Promise<void> {
    for (const v of verdicts) {
      const key = `${v.kind}:${v.name}`;
      const cached = resources.get(key);
      const current = cached?.status;
      const desired = desiredStatus(v, current, now, reported?.(v));
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
