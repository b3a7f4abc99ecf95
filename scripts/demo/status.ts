/**
 * @module scripts/demo/status — what the demo shows, read from the real things: frames uploaded (the
 * fleet), events matched and Workflows submitted (the gateway's `/metrics` and `/api/events`), and
 * Workflow phases (the API server, every Workflow labelled `app.kubernetes.io/managed-by=framegate`).
 */
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { byLabel, histogramMean, parsePrometheusText, sumOf, type Sample } from "../../test/harness/prometheus-text.js";

/** Workflow phases, grouped as the demo shows them. */
export interface PhaseCounts {
  /** created, not started yet (no phase, or Pending) */
  pending: number;
  running: number;
  succeeded: number;
  /** Failed or Error */
  failed: number;
}

/** One pipeline's line. */
export interface PipelineStatus {
  name: string;
  /** events that matched the pipeline */
  matched: number;
  /** sampled out or duplicates */
  skipped: number;
  /** held back now: a batch filling, an in-flight or rate limit */
  waiting: number;
  /** Workflows the gateway created */
  submitted: number;
  /** Workflows in the API server, by phase */
  phases: PhaseCounts;
}

/** A recent event as `/api/events` reports it, in one line. */
export interface RecentLine {
  time: string;
  key: string;
  outcomes: string;
}

/** Everything one refresh of the display shows. */
export interface DemoStatus {
  elapsedMs: number;
  cameras: number;
  fps: number;
  uploaded: number;
  uploadErrors: number;
  /** frames per second over the last refresh */
  uploadRate: number;
  received: number;
  unmatched: number;
  deadLettered: number;
  /** messages handed back to JetStream for a retry */
  retries: number;
  /** mean time from the event in JetStream to its Workflow existing, ms (NaN before the first) */
  meanLatencyMs: number;
  pipelines: PipelineStatus[];
  recent: RecentLine[];
  /** the gateway or the API server could not be read this time */
  problems: string[];
  /** the gateway's last warning or error log line */
  lastWarning?: string;
  /** steps run for real by the pod runner (absent with kwok's simulated pods) */
  steps?: { started: number; succeeded: number; failed: number; running: number };
}

/** Where the status comes from. */
export interface StatusSources {
  gatewayUrl: string;
  /** admin client config of the harness API server */
  kubeConfig: KubeConfig;
  namespace: string;
  /** the gateway's output (pino JSON lines) */
  gatewayOutput(): string;
  fleet: { uploads: unknown[]; errors: number; cameras: string[] };
  fps: number;
  startedAt: number;
  /** the pod runner's counts, when steps run for real */
  steps?(): { started: number; succeeded: number; failed: number; running: number };
}

interface WorkflowItem {
  metadata: { labels?: Record<string, string> };
  status?: { phase?: string };
}

interface RecentEventsBody {
  events: { receivedAt: string; key?: string; hook?: string; error?: string; matches: { pipeline: string; workflow?: string; outcome: string }[] }[];
}

const emptyPhases = (): PhaseCounts => ({ pending: 0, running: 0, succeeded: 0, failed: 0 });

/** Reads the gateway, the API server and the fleet once; never throws (problems are listed instead). */
export class StatusReader {
  readonly #s: StatusSources;
  readonly #api: CustomObjectsApi;
  #lastUploads = 0;
  #lastAt = 0;
  readonly #startupWarnings: Set<string>;

  constructor(sources: StatusSources) {
    this.#s = sources;
    this.#api = sources.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#lastAt = sources.startedAt;
    // the gateway's own start-up warnings (open API on loopback) are expected in a demo: show later ones only
    this.#startupWarnings = new Set(warnings(sources.gatewayOutput()));
  }

  async read(): Promise<DemoStatus> {
    const problems: string[] = [];
    const now = Date.now();
    const [metrics, recent, workflows, pipelineNames] = await Promise.all([
      this.#metrics().catch((e: Error) => (problems.push(`gateway /metrics: ${e.message}`), [] as Sample[])),
      this.#recent().catch((e: Error) => (problems.push(`gateway /api/events: ${e.message}`), [] as RecentLine[])),
      this.#phases().catch((e: Error) => (problems.push(`API server: ${e.message}`), new Map<string, PhaseCounts>())),
      this.#pipelineNames().catch(() => [] as string[]),
    ]);

    const matched = byLabel(metrics, "framegate_events_matched_total", "pipeline");
    const skipped = byLabel(metrics, "framegate_events_skipped_total", "pipeline");
    const waiting = byLabel(metrics, "framegate_events_waiting", "pipeline");
    const submitted = byLabel(metrics, "framegate_workflows_total", "pipeline", { outcome: "created" });
    const names = new Set([...pipelineNames, ...Object.keys(matched), ...Object.keys(submitted), ...workflows.keys()]);
    const pipelines = [...names].sort().map((name) => ({
      name,
      matched: matched[name] ?? 0,
      skipped: skipped[name] ?? 0,
      waiting: waiting[name] ?? 0,
      submitted: submitted[name] ?? 0,
      phases: workflows.get(name) ?? emptyPhases(),
    }));

    const uploaded = this.#s.fleet.uploads.length;
    const dt = (now - this.#lastAt) / 1000;
    const uploadRate = dt > 0 ? (uploaded - this.#lastUploads) / dt : 0;
    this.#lastUploads = uploaded;
    this.#lastAt = now;
    const lastWarning = warnings(this.#s.gatewayOutput())
      .filter((w) => !this.#startupWarnings.has(w))
      .at(-1);
    return {
      elapsedMs: now - this.#s.startedAt,
      cameras: this.#s.fleet.cameras.length,
      fps: this.#s.fps,
      uploaded,
      uploadErrors: this.#s.fleet.errors,
      uploadRate,
      received: sumOf(metrics, "framegate_events_received_total"),
      unmatched: sumOf(metrics, "framegate_events_unmatched_total"),
      deadLettered: sumOf(metrics, "framegate_dead_lettered_total"),
      retries: sumOf(metrics, "framegate_messages_naked_total"),
      meanLatencyMs: histogramMean(metrics, "framegate_event_to_workflow_seconds") * 1000,
      pipelines,
      recent,
      problems,
      ...(lastWarning ? { lastWarning } : {}),
      ...(this.#s.steps ? { steps: this.#s.steps() } : {}),
    };
  }

  async #get(path: string): Promise<Response> {
    const res = await fetch(this.#s.gatewayUrl + path, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) throw new Error(`${path} answered ${res.status}`);
    return res;
  }

  async #metrics(): Promise<Sample[]> {
    return parsePrometheusText(await (await this.#get("/metrics")).text());
  }

  async #recent(): Promise<RecentLine[]> {
    const body = (await (await this.#get("/api/events?limit=5")).json()) as RecentEventsBody;
    return body.events.map((e) => ({
      time: e.receivedAt.slice(11, 19),
      key: e.key ?? `hook ${e.hook ?? "?"}`,
      outcomes: e.error ? `error: ${e.error}` : e.matches.length ? e.matches.map((m) => `${m.pipeline}: ${m.outcome}`).join(", ") : "no pipeline matched",
    }));
  }

  async #pipelineNames(): Promise<string[]> {
    const body = (await (await this.#get("/api/pipelines")).json()) as { pipelines: { name: string }[] };
    return body.pipelines.map((p) => p.name);
  }

  /** Workflow phases per pipeline, from the API server's watch cache (`resourceVersion=0`: cheap). */
  async #phases(): Promise<Map<string, PhaseCounts>> {
    const list = (await this.#api.listNamespacedCustomObject({
      group: "argoproj.io",
      version: "v1alpha1",
      plural: "workflows",
      namespace: this.#s.namespace,
      labelSelector: "app.kubernetes.io/managed-by=framegate",
      resourceVersion: "0",
    })) as { items: WorkflowItem[] };
    const out = new Map<string, PhaseCounts>();
    for (const w of list.items) {
      const p = w.metadata.labels?.["framegate.io/pipeline"] ?? "?";
      let c = out.get(p);
      if (!c) out.set(p, (c = emptyPhases()));
      const phase = w.status?.phase ?? "";
      if (phase === "Succeeded") c.succeeded++;
      else if (phase === "Failed" || phase === "Error") c.failed++;
      else if (phase === "Running") c.running++;
      else c.pending++;
    }
    return out;
  }
}

/** The `msg` (and `err`/`reason`) of every warn-or-worse line of pino output. */
function warnings(output: string): string[] {
  const out: string[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string; err?: string; reason?: string; pipeline?: string };
      if ((j.level ?? 0) < 40) continue;
      const detail = j.err ?? j.reason;
      out.push(`${j.pipeline ? `${j.pipeline}: ` : ""}${j.msg ?? ""}${detail ? ` — ${detail}` : ""}`);
    } catch {
      /* a partial line */
    }
  }
  return out;
}
