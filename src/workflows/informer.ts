/**
 * @module workflows/informer — watches the Workflows framegate created (label
 * `app.kubernetes.io/managed-by=framegate`), one client-node ListWatch per allowed namespace, into a
 * {@link WorkflowIndex}. ListWatch gives up on the first error; this restarts it with backoff, so the API
 * server going away and coming back (an upgrade, a restart) only pauses the status. The list (at start and
 * after 410 Gone) reads whole Workflows; the watch reads their metadata only (workflows/metadata-watch.ts),
 * and each Workflow the watch reports finished is fetched once, whole (workflows/status-fetch.ts).
 */
import {
  CustomObjectsApi,
  ListWatch,
  Observable,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { backoffMs } from "../lib/backoff.js";
import { describeWatchError } from "./watch-error.js";
import { isMetadataOnly, metadataWatch, withLabelledPhase } from "./metadata-watch.js";
import { StatusFetcher, type FetchOutcome } from "./status-fetch.js";
import { WorkflowIndex, type WorkflowIndexOptions } from "./workflow-index.js";
import { slimWorkflow, type WatchedWorkflow } from "./workflow-row.js";
import { MANAGED_BY_SELECTOR, type PhaseCounts, type WorkflowChange, type WorkflowQuery, type WorkflowRow, type WorkflowStatus } from "./workflow-status.js";

const GROUP = "argoproj.io";
const VERSION = "v1alpha1";
const PLURAL = "workflows";

/** Options of {@link WorkflowInformer}. */
export interface WorkflowInformerOptions extends Omit<WorkflowIndexOptions, "log"> {
  kc: KubeConfig;
  /** namespaces to watch (`FRAMEGATE_ALLOWED_NAMESPACES`); the ServiceAccount needs list and watch there */
  namespaces: string[];
  log: Logger;
  /** restart delays (lib/backoff.ts): up to `initialMs` (500) first, doubling to `maxMs` (30 s), back to the first after a watch stayed up `healthyAfterMs` (30 s) */
  retry?: { initialMs?: number; maxMs?: number; healthyAfterMs?: number };
  /** items per list request (default 500) */
  pageSize?: number;
  /** deadline of each list request (default 30 s) */
  listTimeoutMs?: number;
  /**
   * Called with the whole object (spec and node status included) of every Workflow listed or watched as
   * Succeeded, before it is slimmed: the results feeder reads its step keys and timings there.
   */
  onSucceeded?: (wf: WatchedWorkflow) => void;
  /** how each GET of a finished Workflow ended (workflows/status-fetch.ts), for the metric */
  onStatusFetch?: (outcome: FetchOutcome) => void;
}

type Obj = KubernetesObject & WatchedWorkflow;

interface NamespaceWatch {
  namespace: string;
  informer: Informer<Obj>;
  /** listed, and the watch is connected */
  synced: boolean;
  /** consecutive failed attempts */
  failures: number;
  attemptStartedAt: number;
  attemptFailed: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The {@link WorkflowStatus} of a cluster.
 * @example
 * const workflows = new WorkflowInformer({ kc, namespaces: ["argo"], log });
 * await workflows.start();           // never throws: an unreachable API server is retried in the background
 * workflows.unfinished("people-detect");
 * await workflows.stop();
 */
export class WorkflowInformer implements WorkflowStatus {
  readonly index: WorkflowIndex;
  readonly #opts: WorkflowInformerOptions;
  readonly #log: Logger;
  readonly #retry: { initialMs: number; maxMs: number; healthyAfterMs: number };
  readonly #watches: NamespaceWatch[] = [];
  readonly #waiters = new Set<() => void>();
  #fetcher?: StatusFetcher;
  /** Workflows the watch reported finished, held back until fetched (at most the fetcher's queue) */
  readonly #awaiting = new Map<string, { type: "added" | "updated"; obj: Obj }>();
  #started = false;
  #stopped = false;

  constructor(opts: WorkflowInformerOptions) {
    if (opts.namespaces.length === 0) throw new RangeError("WorkflowInformer needs at least one namespace to watch (FRAMEGATE_ALLOWED_NAMESPACES)");
    this.#opts = opts;
    this.#log = opts.log.child({ component: "workflow-informer" });
    this.#retry = { initialMs: 500, maxMs: 30_000, healthyAfterMs: 30_000, ...opts.retry };
    this.index = new WorkflowIndex({ ...opts, log: this.#log });
  }

  get synced(): boolean {
    return this.index.synced;
  }

  /**
   * Lists and starts watching every namespace. Resolves once each has synced or failed its first attempt
   * (then it keeps retrying in the background); never rejects.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error("WorkflowInformer.start() was called twice; create a new informer instead");
    this.#started = true;
    const api = this.#opts.kc.makeApiClient(CustomObjectsApi);
    const fetcher = new StatusFetcher({
      get: (namespace, name) =>
        api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name }, withSignal(AbortSignal.timeout(this.#opts.listTimeoutMs ?? 30_000))) as Promise<Obj>,
      // the finished Workflow enters the index whole: one change with its times and message (ListWatch's cache keeps the smaller)
      onFetched: (o) => {
        const key = `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
        const waiting = this.#awaiting.get(key);
        this.#awaiting.delete(key);
        if (waiting) this.index.apply(waiting.type, slimWorkflow(this.#succeeded(o)));
      },
      onOutcome: (outcome, namespace, name, err) => {
        this.#opts.onStatusFetch?.(outcome);
        // not fetched: the phase the labels gave still counts (maxInFlight stays exact)
        const waiting = outcome === "fetched" ? undefined : this.#awaiting.get(`${namespace}/${name}`);
        if (waiting) {
          this.#awaiting.delete(`${namespace}/${name}`);
          this.index.apply(waiting.type, waiting.obj);
        }
        if (outcome === "failed" || outcome === "dropped") {
          this.#log.warn({ err, namespace, workflow: name, outcome }, "could not read a finished Workflow's status: its row has no times and a Succeeded one's results are not indexed");
        }
      },
    });
    this.#fetcher = fetcher;
    const watch = metadataWatch(this.#opts.kc);
    for (const namespace of new Set(this.#opts.namespaces)) {
      const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`;
      const informer = new ListWatch<Obj>(path, watch, () => this.#list(api, namespace), false, MANAGED_BY_SELECTOR);
      const w: NamespaceWatch = { namespace, informer, synced: false, failures: 0, attemptStartedAt: 0, attemptFailed: false, timer: undefined };
      // ListWatch caches the object it passes here: slimming it in place is what bounds that cache
      informer.on("add", (o) => this.#seen("added", o));
      informer.on("update", (o) => this.#seen("updated", o));
      informer.on("delete", (o) => {
        this.#awaiting.delete(`${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`);
        this.index.apply("deleted", o);
      });
      informer.on("error", (err) => this.#failed(w, err));
      this.#watches.push(w);
    }
    await Promise.all(this.#watches.map((w) => this.#run(w)));
  }

  /** Resolves true once synced, false after `timeoutMs`. */
  whenSynced(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(this.synced);
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
    });
  }

  /** Stops every watch and pending restart. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#fetcher?.stop();
    for (const w of this.#watches) {
      clearTimeout(w.timer);
      w.timer = undefined;
      await w.informer.stop().catch(() => undefined);
    }
    this.#setSynced(false);
  }

  unfinished(pipeline: string): number {
    return this.index.unfinished(pipeline);
  }

  has(namespace: string, name: string): boolean {
    return this.index.has(namespace, name);
  }

  list(query?: WorkflowQuery): WorkflowRow[] {
    return this.index.list(query);
  }

  counts(): Record<string, PhaseCounts> {
    return this.index.counts();
  }

  onChange(listener: (change: WorkflowChange) => void): () => void {
    return this.index.onChange(listener);
  }

  /**
   * A listed Workflow (whole) goes into the index slimmed. A watched one (metadata only) gets its phase from
   * Argo's label; once finished, it is held back until fetched whole, so the change that says "finished"
   * carries its times and message (the finished log, a camera's failure) and the results feeder sees it.
   */
  #seen(type: "added" | "updated", o: Obj): void {
    if (!isMetadataOnly(o)) return this.index.apply(type, slimWorkflow(this.#succeeded(o)));
    const ns = o.metadata?.namespace ?? "";
    const name = o.metadata?.name ?? "";
    const key = `${ns}/${name}`;
    if (withLabelledPhase(o, this.index.row(ns, name)) && this.#fetcher) {
      this.#awaiting.set(key, { type: this.#awaiting.get(key)?.type ?? type, obj: slimWorkflow(o) });
      this.#fetcher.want(ns, name);
      return;
    }
    this.#awaiting.delete(key);
    this.index.apply(type, slimWorkflow(o));
  }

  /** Hands a Succeeded Workflow to `onSucceeded` (never throws into the watch). */
  #succeeded<T extends WatchedWorkflow>(o: T): T {
    if (o.status?.phase === "Succeeded" && o.spec !== undefined && this.#opts.onSucceeded) {
      try {
        this.#opts.onSucceeded(o);
      } catch (err) {
        this.#log.error({ err, workflow: o.metadata?.name }, "the onSucceeded listener threw; the watch goes on");
      }
    }
    return o;
  }

  /** One attempt: ListWatch lists when it has no resourceVersion (first time, or after 410 Gone), then watches. */
  async #run(w: NamespaceWatch): Promise<void> {
    if (this.#stopped) return;
    w.attemptFailed = false;
    w.attemptStartedAt = Date.now();
    try {
      await w.informer.start();
    } catch (e) {
      this.#failed(w, e);
      return;
    }
    if (this.#stopped || w.attemptFailed) return;
    const again = w.failures > 0;
    w.synced = true;
    this.#log[again ? "info" : "debug"]({ namespace: w.namespace, workflows: this.index.size }, again ? "watching Workflows again" : "watching Workflows");
    this.#setSynced(this.#watches.every((x) => x.synced));
  }

  /** ListWatch reports an error and stops; restart it after a backoff. */
  #failed(w: NamespaceWatch, err: unknown): void {
    if (this.#stopped) return;
    w.attemptFailed = true;
    w.synced = false;
    this.#setSynced(false);
    if (w.timer) return;
    if (Date.now() - w.attemptStartedAt >= this.#retry.healthyAfterMs) w.failures = 0;
    w.failures++;
    const delayMs = backoffMs(w.failures, this.#retry.initialMs, this.#retry.maxMs);
    this.#log.warn({ namespace: w.namespace, attempt: w.failures, retryInMs: delayMs, reason: describeWatchError(err, w.namespace, this.#opts.kc), err }, "Workflow list/watch failed; retrying");
    w.timer = setTimeout(() => {
      w.timer = undefined;
      void this.#run(w);
    }, delayMs);
  }

  #setSynced(synced: boolean): void {
    const was = this.index.synced;
    this.index.setSynced(synced);
    if (synced && !was) {
      this.#log.info({ namespaces: this.#watches.map((w) => w.namespace), workflows: this.index.size }, "Workflow informer synced");
      for (const done of [...this.#waiters]) done();
    }
  }

  /** Lists in pages (a consistent snapshot: every page has the first one's resourceVersion), slimmed as they come. */
  async #list(api: CustomObjectsApi, namespace: string): Promise<KubernetesListObject<Obj>> {
    const items: Obj[] = [];
    let resourceVersion = "";
    let cont: string | undefined;
    do {
      const page = (await api.listNamespacedCustomObject(
        { group: GROUP, version: VERSION, namespace, plural: PLURAL, labelSelector: MANAGED_BY_SELECTOR, limit: this.#opts.pageSize ?? 500, _continue: cont },
        withSignal(AbortSignal.timeout(this.#opts.listTimeoutMs ?? 30_000)),
      )) as { items?: Obj[]; metadata?: { resourceVersion?: string; continue?: string } };
      for (const item of page.items ?? []) items.push(slimWorkflow(this.#succeeded(item)));
      resourceVersion ||= page.metadata?.resourceVersion ?? "";
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return { apiVersion: `${GROUP}/${VERSION}`, kind: "WorkflowList", metadata: { resourceVersion }, items };
  }
}

/** Per-request options adding an abort signal after the client's own auth. */
function withSignal(signal: AbortSignal) {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  };
}
