/**
 * @module results/results-feeder — turns Workflows that succeeded into result entries: the frames and keys from
 * the Workflow (workflow-result.ts), the detections from the sidecar a step wrote (detect's `<output>.json`, read
 * with the results identity), published into the results stream. Every replica feeds (JetStream keeps one copy
 * per id); a Workflow the index already has, or one it would drop at once, is skipped, so the informer listing
 * old Workflows again after a restart writes nothing. Work is queued, bounded and done a few at a time.
 */
import type { Logger } from "pino";
import type { Metrics } from "../lib/metrics.js";
import { detectionsSidecarSchema, resultId, type ResultEntry } from "./result-entry.js";
import type { ResultsIndex } from "./results-index.js";
import { workflowResult, type FullWorkflow, type WorkflowResult } from "./workflow-result.js";

/** Reads a small object (a sidecar) with the results identity. */
export interface SidecarReader {
  readJson(bucket: string, key: string): Promise<unknown>;
}

/** Options of {@link ResultsFeeder}. */
export interface ResultsFeederOptions {
  index: ResultsIndex;
  publish(entry: ResultEntry): Promise<"stored" | "duplicate">;
  /** unset: entries carry no detections (no results identity configured) */
  sidecars?: SidecarReader;
  /** the suffix of the detections sidecar a step of a pipeline writes (its service's `detections`), if any */
  detectionsSuffix(pipeline: string, step: string): string | undefined;
  /** resolves once the index holds what the stream held at start: only then can the feeder tell old from new */
  ready: Promise<void>;
  log: Logger;
  metrics?: Pick<Metrics, "resultsPublished">;
  /** Workflows waiting to be written; more are dropped with a warning (default 1,000) */
  maxQueue?: number;
  /** Workflows written at once (default 4) */
  concurrency?: number;
}

/**
 * @example
 * const feeder = new ResultsFeeder({ index, publish: (e) => stream.publish(e), sidecars, detectionsSuffix, ready, log });
 * informer option onSucceeded: (wf) => feeder.offer(wf)
 */
export class ResultsFeeder {
  readonly #o: ResultsFeederOptions;
  readonly #log: Logger;
  readonly #queue: WorkflowResult[] = [];
  readonly #pending = new Set<string>();
  #running = 0;
  #closed = false;
  readonly #idle = new Set<() => void>();

  constructor(o: ResultsFeederOptions) {
    this.#o = o;
    this.#log = o.log.child({ component: "results-feeder" });
  }

  /** Takes a full Workflow object (before the informer slims it); anything but a new success is ignored. */
  offer(wf: FullWorkflow): void {
    if (this.#closed) return;
    const r = workflowResult(wf);
    if (!r) return;
    const key = `${r.namespace}/${r.name}`;
    if (this.#pending.has(key)) return;
    if (this.#queue.length >= (this.#o.maxQueue ?? 1000)) {
      this.#log.warn({ workflow: r.name, queued: this.#queue.length }, "results queue full: this Workflow's result is not indexed (raise the limit or check the results stream)");
      this.#o.metrics?.resultsPublished.inc({ outcome: "failed" });
      return;
    }
    this.#pending.add(key);
    this.#queue.push(r);
    void this.#o.ready.then(() => this.#pump());
  }

  /** Resolves when nothing is queued or being written (tests). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && this.#running === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.add(r));
  }

  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
  }

  #pump(): void {
    while (this.#running < (this.#o.concurrency ?? 4) && this.#queue.length > 0) {
      const r = this.#queue.shift()!;
      this.#running++;
      void this.#write(r).finally(() => {
        this.#running--;
        this.#pending.delete(`${r.namespace}/${r.name}`);
        this.#pump();
        if (this.#queue.length === 0 && this.#running === 0) for (const done of [...this.#idle]) (this.#idle.delete(done), done());
      });
    }
  }

  async #write(r: WorkflowResult): Promise<void> {
    const { index } = this.#o;
    const finishedMs = Date.parse(r.finishedAt) || 0;
    for (let i = 0; i < r.sources.length; i++) {
      const id = resultId(r.namespace, r.name, i);
      if (index.has(id) || !index.wouldKeep(r.camera, finishedMs)) continue;
      const entry = await this.#entry(r, i, id);
      try {
        const outcome = await this.#o.publish(entry);
        this.#o.metrics?.resultsPublished.inc({ outcome });
      } catch (err) {
        this.#o.metrics?.resultsPublished.inc({ outcome: "failed" });
        this.#log.warn({ err, workflow: r.name, id }, "writing a result into the results stream failed; the frame is missing from the Results view");
      }
    }
  }

  async #entry(r: WorkflowResult, i: number, id: string): Promise<ResultEntry> {
    const processed = r.steps.filter((s) => s.keys[i]).map((s) => ({ step: s.step, bucket: s.bucket, key: s.keys[i]! }));
    const entry: ResultEntry = {
      id,
      camera: r.camera,
      pipeline: r.pipeline,
      source: r.sources[i]!,
      processed,
      detections: [],
      workflow: { name: r.name, namespace: r.namespace },
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      steps: r.timings,
    };
    const last = processed.at(-1);
    if (last) entry.frame = { bucket: last.bucket, key: last.key };
    const sidecars = this.#o.sidecars;
    const withSidecar = processed.find((p) => this.#o.detectionsSuffix(r.pipeline, p.step) !== undefined);
    if (!sidecars || !withSidecar) return entry;
    const key = `${withSidecar.key}${this.#o.detectionsSuffix(r.pipeline, withSidecar.step)}`;
    try {
      const sidecar = detectionsSidecarSchema.parse(await sidecars.readJson(withSidecar.bucket, key));
      entry.detections = sidecar.detections.map((d) => ({ label: d.label, score: d.score, box: d.box }));
      entry.detectionsFrom = `${withSidecar.bucket}/${key}`;
      if (sidecar.image) entry.image = sidecar.image;
      // the boxes belong to the detector's input; show them on it (detect's own output has them burnt in)
      if (sidecar.input && processed.some((p) => p.bucket === sidecar.input!.bucket && p.key === sidecar.input!.key)) entry.frame = sidecar.input;
      else entry.frame = { bucket: withSidecar.bucket, key: withSidecar.key };
    } catch (err) {
      // missing: the step wrote none (kwok-simulated steps, a lifecycle rule that already removed it); quietly
      const missing = (err as { reason?: string }).reason === "missing";
      this.#log[missing ? "debug" : "warn"]({ err, workflow: r.name, bucket: withSidecar.bucket, key }, "reading the detections sidecar failed; the result is indexed without detections");
    }
    return entry;
  }
}
