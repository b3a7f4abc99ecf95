/**
 * @module workflows/status-fetch — GETs the whole Workflow once it is finished, for what the metadata watch
 * (workflows/metadata-watch.ts) does not carry: its start and finish times and message for the rows, and, when
 * it Succeeded, the spec and node status the results feeder reads. A few at a time, each Workflow once while
 * queued, a bounded queue (past it a finished Workflow keeps the row the labels give, without times, and
 * misses its results: counted as `dropped`), and retries with backoff for anything but 404 (deleted since:
 * `gone`).
 */
import { backoffMs } from "../lib/backoff.js";
import type { WatchedWorkflow } from "./workflow-row.js";

export type FetchOutcome = "fetched" | "gone" | "failed" | "dropped";

export interface StatusFetchOptions {
  /** GETs the Workflow (client-node's getNamespacedCustomObject); rejects with an ApiException-like `code` */
  get: (namespace: string, name: string) => Promise<WatchedWorkflow>;
  /** called with each Workflow fetched */
  onFetched: (wf: WatchedWorkflow) => void;
  /** called once per Workflow asked for, with how it ended (for the metric) */
  onOutcome?: (outcome: FetchOutcome, namespace: string, name: string, err?: unknown) => void;
  /** GETs at once (default 4) */
  concurrency?: number;
  /** Workflows waiting (default 10,000) */
  maxQueued?: number;
  /** attempts per Workflow (default 3), `retryMs` (default 500) doubling between them */
  attempts?: number;
  retryMs?: number;
}

export class StatusFetcher {
  readonly #o: Required<Omit<StatusFetchOptions, "onOutcome">> & Pick<StatusFetchOptions, "onOutcome">;
  /** keys waiting or being fetched */
  readonly #keys = new Set<string>();
  /** waiting, oldest first */
  #waiting: { key: string; namespace: string; name: string }[] = [];
  #running = 0;
  #stopped = false;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(opts: StatusFetchOptions) {
    this.#o = { concurrency: 4, maxQueued: 10_000, attempts: 3, retryMs: 500, ...opts };
  }

  /** Workflows waiting or being fetched. */
  get pending(): number {
    return this.#keys.size;
  }

  /** Asks for the Workflow's status; a second ask while it is queued is the same one. */
  want(namespace: string, name: string): void {
    if (this.#stopped) return;
    const key = `${namespace}/${name}`;
    if (this.#keys.has(key)) return;
    if (this.#keys.size >= this.#o.maxQueued) return this.#o.onOutcome?.("dropped", namespace, name);
    this.#keys.add(key);
    this.#waiting.push({ key, namespace, name });
    this.#pump();
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#keys.clear();
    this.#waiting = [];
  }

  #pump(): void {
    while (!this.#stopped && this.#running < this.#o.concurrency && this.#waiting.length > 0) {
      const { key, namespace, name } = this.#waiting.shift()!;
      this.#running++;
      void this.#fetch(key, namespace, name, 1);
    }
  }

  async #fetch(key: string, namespace: string, name: string, attempt: number): Promise<void> {
    try {
      const wf = await this.#o.get(namespace, name);
      if (this.#stopped) return;
      this.#done(key, "fetched", namespace, name);
      this.#o.onFetched(wf);
    } catch (err) {
      if (this.#stopped) return;
      const code = (err as { code?: unknown })?.code;
      if (code === 404) return this.#done(key, "gone", namespace, name, err);
      if (attempt >= this.#o.attempts) return this.#done(key, "failed", namespace, name, err);
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (!this.#stopped) void this.#fetch(key, namespace, name, attempt + 1);
      }, backoffMs(attempt, this.#o.retryMs, 30_000));
      this.#timers.add(t);
    }
  }

  #done(key: string, outcome: FetchOutcome, namespace: string, name: string, err?: unknown): void {
    this.#keys.delete(key);
    this.#running--;
    this.#o.onOutcome?.(outcome, namespace, name, err);
    this.#pump();
  }
}
