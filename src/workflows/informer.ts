/**
 * @module workflows/informer — watches the Workflows framegate created (label
 * `app.kubernetes.io/managed-by=framegate`), one client-node ListWatch per allowed namespace, into a
 * {@link WorkflowIndex}. ListWatch gives up on the first error; this restarts it with backoff, so the API
 * server going away and coming back (an upgrade, a restart) only pauses the status.
 */
import {
  CustomObjectsApi,
  makeInformer,
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
import { parseStatus } from "./k8s-errors.js";
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
    for (const namespace of new Set(this.#opts.namespaces)) {
      const path = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`;
      const informer = makeInformer<Obj>(this.#opts.kc, path, () => this.#list(api, namespace), MANAGED_BY_SELECTOR);
      const w: NamespaceWatch = { namespace, informer, synced: false, failures: 0, attemptStartedAt: 0, attemptFailed: false, timer: undefined };
      // ListWatch caches the object it passes here: slimming it in place is what bounds that cache
      informer.on("add", (o) => this.index.apply("added", slimWorkflow(this.#succeeded(o))));
      informer.on("update", (o) => this.index.apply("updated", slimWorkflow(this.#succeeded(o))));
      informer.on("delete", (o) => this.index.apply("deleted", o));
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

/**
 * What went wrong with a list or watch, and what to do: list errors are client-node ApiExceptions (`code`,
 * JSON `body`), watch errors carry `statusCode`, connection failures neither.
 */
export function describeWatchError(err: unknown, namespace: string, kc?: KubeConfig): string {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: string } | undefined;
  const code = typeof e?.code === "number" ? e.code : typeof e?.statusCode === "number" ? e.statusCode : undefined;
  const what = `listing/watching Workflows in namespace "${namespace}"`;
  if (code !== undefined) {
    const detail = parseStatus(e?.body).message ?? e?.message ?? `HTTP ${code}`;
    if (code === 401 || code === 403) {
      return `Kubernetes refused ${what} (${code}): ${detail} — grant the gateway's ServiceAccount get, list and watch on workflows.argoproj.io in "${namespace}"`;
    }
    if (code === 404) return `Kubernetes has no Workflows in "${namespace}" (404): ${detail} — are Argo's CRDs installed and does the namespace exist?`;
    return `Kubernetes failed ${what} (${code}): ${detail}`;
  }
  const server = kc?.getCurrentCluster()?.server ?? "the Kubernetes API";
  return `cannot reach ${server} ${what}: ${e?.message ?? String(err)}`;
}
