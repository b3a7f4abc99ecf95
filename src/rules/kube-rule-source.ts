/**
 * @module rules/kube-rule-source — the rules from the API server (`FRAMEGATE_RULES_SOURCE=kubernetes`):
 * a ListWatch on Pipelines and one on ProcessingServices in the gateway's namespace. Every change is
 * judged in full (resource-rules.ts) and handed on as one rule set, which the RuleStore swaps in with one
 * assignment, as a file change would be. The replica holding the status Lease writes each resource's
 * verdict into its status. A watch that fails is restarted with backoff; the last rules keep running.
 */
import { createHash } from "node:crypto";
import { CustomObjectsApi, makeInformer, type Informer, type KubeConfig, type KubernetesListObject, type ObjectCache } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { backoffMs } from "../lib/backoff.js";
import type { Metrics } from "../lib/metrics.js";
import { SERVICE_KIND } from "./catalog-schema.js";
import { CRD_VERSION } from "./crds.js";
import { judgeResources, type ResourceJudgement, type RuleResource } from "./resource-rules.js";
import { API_GROUP } from "./schema.js";
import type { StatusLease } from "./status-lease.js";
import { StatusWriter, type ReportedCondition } from "./status-writer.js";

export interface KubeRuleSourceOptions {
  kc: KubeConfig;
  namespace: string;
  log: Logger;
  /** the replica's hold on the status Lease; without one this source writes no status */
  lease?: StatusLease;
  /** called with every new judgement (its rule set is what should run) */
  onChange(judgement: ResourceJudgement & { hash: string }): void;
  /** debounce of bursts of changes, default 100 ms */
  settleMs?: number;
  metrics?: Metrics;
}

interface Watch {
  plural: string;
  informer: Informer<RuleResource> & ObjectCache<RuleResource>;
  synced: boolean;
  /** set by an error during an attempt: ListWatch reports a failed list as an event, not by rejecting */
  failed: boolean;
  failures: number;
  timer?: NodeJS.Timeout;
}

/** Pipelines and the catalog from the API server, judged on every change. */
export class KubeRuleSource {
  readonly #o: KubeRuleSourceOptions;
  readonly #log: Logger;
  readonly #writer: StatusWriter;
  readonly #watches: Watch[] = [];
  #timer?: NodeJS.Timeout;
  #hash = "";
  #last?: ResourceJudgement;
  #stopped = false;
  #writing: Promise<void> = Promise.resolve();
  #syncWaiters: (() => void)[] = [];
  #reported?: { managed: string[]; byPipeline: ReadonlyMap<string, ReportedCondition> };

  constructor(o: KubeRuleSourceOptions) {
    this.#o = o;
    this.#log = o.log.child({ component: "kube-rule-source", namespace: o.namespace });
    this.#writer = new StatusWriter(o.kc, o.namespace, o.log);
  }

  /** The last judgement (undefined before the first sync). */
  get judgement(): ResourceJudgement | undefined {
    return this.#last;
  }

  /**
   * The resources as the watches last saw them (with their stored status and resourceVersion); empty
   * before the first list.
   */
  resources(): { pipelines: readonly RuleResource[]; services: readonly RuleResource[] } {
    const [pipelines, services] = this.#watches.map((w) => w.informer.list());
    return { pipelines: pipelines ?? [], services: services ?? [] };
  }

  /** Status writes done by this replica. */
  get statusWrites(): number {
    return this.#writer.writes;
  }

  /** Starts both watches; resolves once both listed (a failed first list is retried in the background). */
  async start(): Promise<void> {
    const api = this.#o.kc.makeApiClient(CustomObjectsApi);
    for (const plural of ["pipelines", "processingservices"]) {
      const path = `/apis/${API_GROUP}/${CRD_VERSION}/namespaces/${encodeURIComponent(this.#o.namespace)}/${plural}`;
      const list = () =>
        api.listNamespacedCustomObject({ group: API_GROUP, version: CRD_VERSION, namespace: this.#o.namespace, plural }) as Promise<KubernetesListObject<RuleResource>>;
      const w: Watch = { plural, informer: makeInformer<RuleResource>(this.#o.kc, path, list), synced: false, failed: false, failures: 0 };
      for (const ev of ["add", "update", "delete"] as const) w.informer.on(ev, () => this.#changed());
      w.informer.on("error", (err) => this.#failed(w, err));
      this.#watches.push(w);
    }
    await Promise.all(this.#watches.map((w) => this.#run(w)));
  }

  /** Resolves true once both kinds are listed and judged, false after `timeoutMs`. */
  whenSynced(timeoutMs: number): Promise<boolean> {
    if (this.#last) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.#last !== undefined), timeoutMs);
      this.#syncWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const w of this.#watches) {
      clearTimeout(w.timer);
      await w.informer.stop().catch(() => undefined);
    }
    await this.#writing;
  }

  /**
   * Conditions of type `type` that another part of the gateway judged per Pipeline (the bucket
   * notifications): written with the verdicts by the Lease holder; a running Pipeline missing from
   * `byPipeline` loses its condition of that type, and so does a refused one.
   */
  reportPipelineConditions(type: string, byPipeline: ReadonlyMap<string, ReportedCondition>): void {
    this.#reported = { managed: [type], byPipeline };
    this.#changed();
  }

  /** Writes the statuses again if this replica holds the Lease (after it took it over). */
  resync(): void {
    this.#changed();
  }

  async #run(w: Watch): Promise<void> {
    if (this.#stopped) return;
    w.failed = false;
    try {
      await w.informer.start();
      if (w.failed || this.#stopped) return;
      w.synced = true;
      w.failures = 0;
      this.#changed();
    } catch (err) {
      this.#failed(w, err);
    }
  }

  #failed(w: Watch, err: unknown): void {
    w.failed = true;
    w.synced = false;
    if (this.#stopped || w.timer) return;
    w.failures++;
    const delayMs = backoffMs(w.failures, 500, 30_000);
    this.#log.warn({ err, plural: w.plural, attempt: w.failures, retryInMs: delayMs }, "list/watch of framegate resources failed; the last rules keep running, retrying");
    w.timer = setTimeout(() => {
      w.timer = undefined;
      void this.#run(w);
    }, delayMs);
  }

  #changed(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#judge(), this.#o.settleMs ?? 100);
    this.#timer.unref();
  }

  #judge(): void {
    if (this.#stopped || !this.#watches.every((w) => w.synced)) return;
    const [pipelines, services] = this.#watches.map((w) => w.informer.list());
    const judgement = judgeResources(pipelines!, services!);
    const hash = createHash("sha256")
      .update(JSON.stringify([pipelines, services].map((rs) => rs!.map((r) => [r.metadata.name, r.metadata.generation, r.metadata.labels, r.metadata.annotations, r.spec]))))
      .digest("hex");
    const gauge = this.#o.metrics?.ruleResources;
    if (gauge) {
      gauge.reset();
      for (const v of judgement.verdicts) gauge.inc({ kind: v.kind, accepted: String(v.accepted) });
    }
    // the same gauge as a refused file change (alert FramegateRuleReloadRefused): 0 while any resource is refused
    const refused = judgement.verdicts.filter((v) => !v.accepted);
    this.#o.metrics?.rulesValid.set(refused.length === 0 ? 1 : 0);
    if (refused.length > 0 && hash !== this.#hash) {
      this.#o.metrics?.rulesReloads.inc({ result: "invalid" });
      this.#log.warn({ refused: refused.map((v) => `${v.kind}/${v.name}`) }, "resources refused; they do not run (kubectl get pipelines,processingservices shows why)");
    }
    const first = this.#last === undefined;
    this.#last = judgement;
    if (hash !== this.#hash) {
      this.#hash = hash;
      this.#o.onChange({ ...judgement, hash });
    }
    if (first) for (const done of this.#syncWaiters.splice(0)) done();
    if (this.#o.lease?.leader) {
      // the stored statuses as the cache has them when the write starts (an earlier write may still run)
      const stored = () => {
        const [ps, ss] = this.#watches.map((w) => w.informer.list());
        return new Map<string, RuleResource>([...ps!.map((r) => [`Pipeline:${r.metadata.name}`, r] as const), ...ss!.map((r) => [`${SERVICE_KIND}:${r.metadata.name}`, r] as const)]);
      };
      const reported = this.#reported;
      const extra = reported && ((v: { kind: string; name: string; accepted: boolean }) => {
        if (v.kind !== "Pipeline") return undefined;
        const c = v.accepted ? reported.byPipeline.get(v.name) : undefined;
        return { managed: reported.managed, conditions: c ? [c] : [] };
      });
      this.#writing = this.#writing.then(() => this.#writer.write(judgement.verdicts, stored(), new Date(), extra)).catch((err) => this.#log.warn({ err }, "status write failed"));
    }
  }
}
