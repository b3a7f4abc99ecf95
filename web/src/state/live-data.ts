/**
 * @module web/state/live-data — what the overview, cameras and activity pages show, kept current:
 * one load of every endpoint, then the gateway's server-sent events (`/api/stream`: `event`, `camera`,
 * `workflow`) for what changes, and a slow refresh of the counters. Without a stream (an older gateway,
 * a proxy that buffers) it polls instead, and says so in the header.
 */
import { ApiError, api } from "../api/client.js";
import { getToken } from "../api/token.js";
import type { CameraItem, DashboardSettings, PipelinesBody, RecentEvent, StatsBody, WorkflowItem, WorkflowsBody } from "../api/types.js";
import { camerasFromEvents } from "./cameras-from-events.js";
import { Store } from "./store.js";

/** How the page gets its updates. */
export type Connection = "connecting" | "live" | "polling" | "offline";

export interface LiveState {
  settings?: DashboardSettings;
  pipelines?: PipelinesBody;
  stats?: StatsBody;
  /** undefined until loaded, null when the gateway has no `/api/workflows` */
  workflows?: WorkflowsBody | null;
  cameras: CameraItem[];
  /** `api` from /api/cameras, `events` computed from recent events when that is missing */
  camerasFrom: "api" | "events";
  /** newest first */
  events: RecentEvent[];
  connection: Connection;
  /** the gateway wants a token (401), or the one stored was refused */
  needToken: boolean;
  /** the last load error worth showing (gateway unreachable, 500 ...) */
  error?: string;
}

/** Events kept in the page (the gateway keeps its own ring buffer; this is just the view). */
export const MAX_EVENTS = 500;
const COUNTER_REFRESH_MS = 5_000;
const POLL_MS = 3_000;
const STREAM_RETRY_MS = 15_000;

export const live = new Store<LiveState>({ cameras: [], camerasFrom: "api", events: [], connection: "connecting", needToken: false });

/** The gateway has no such route (404), or it was started without what serves it (503). */
const missing = (e: unknown) => e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 503);

function upsert<T>(list: readonly T[], item: T, same: (a: T) => boolean): T[] {
  const i = list.findIndex(same);
  if (i === -1) return [item, ...list];
  const copy = list.slice();
  copy[i] = item;
  return copy;
}

/** Applies a camera row (new or updated), keeping the list latest-seen first. */
function putCamera(c: CameraItem): void {
  live.set((s) => ({ cameras: upsert(s.cameras, c, (x) => x.camera === c.camera).sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1)) }));
}

function putEvent(e: RecentEvent): void {
  live.set((s) => {
    if (s.events.some((x) => x.id === e.id && x.seq === e.seq && x.receivedAt === e.receivedAt)) return {};
    const events = [e, ...s.events].slice(0, MAX_EVENTS);
    return s.camerasFrom === "events" ? { events, cameras: camerasFromEvents(events) } : { events };
  });
}

function putWorkflow(w: WorkflowItem): void {
  live.set((s) => {
    if (!s.workflows) return {};
    return { workflows: { ...s.workflows, workflows: upsert(s.workflows.workflows, w, (x) => x.name === w.name && x.namespace === w.namespace) } };
  });
}

async function loadCameras(): Promise<void> {
  try {
    const { cameras } = await api<{ cameras: CameraItem[] }>("/cameras");
    live.set({ cameras, camerasFrom: "api" });
  } catch (e) {
    if (!missing(e)) throw e;
    live.set((s) => ({ camerasFrom: "events", cameras: camerasFromEvents(s.events) }));
  }
}

async function loadEvents(): Promise<void> {
  const { events } = await api<{ events: RecentEvent[] }>(`/events?limit=${MAX_EVENTS}`);
  live.set((s) => (s.camerasFrom === "events" ? { events, cameras: camerasFromEvents(events) } : { events }));
}

async function loadWorkflows(): Promise<void> {
  try {
    live.set({ workflows: await api<WorkflowsBody>("/workflows?limit=500") });
  } catch (e) {
    if (!missing(e)) throw e;
    live.set({ workflows: null });
  }
}

async function loadCounters(): Promise<void> {
  const [pipelines, stats] = await Promise.all([api<PipelinesBody>("/pipelines"), api<StatsBody>("/stats")]);
  live.set({ pipelines, stats });
}

/** Reloads the pipelines and counters now (after the composer saved a file). */
export async function refreshPipelines(): Promise<void> {
  await attempt([loadCounters()]);
}

/** Runs loads, recording the first failure for the banner; a 401 turns into the token prompt. */
async function attempt(loads: Promise<void>[]): Promise<boolean> {
  const results = await Promise.allSettled(loads);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (!failed) {
    live.set({ error: undefined });
    return true;
  }
  const e = failed.reason as unknown;
  if (e instanceof ApiError && e.status === 401) live.set({ needToken: true });
  else live.set({ error: e instanceof Error ? e.message : String(e) });
  return false;
}

let stream: EventSource | undefined;
let timers: number[] = [];
let streamRetry: number | undefined;
let pollTimer: number | undefined;

function startPolling(): void {
  if (pollTimer !== undefined) return;
  live.set({ connection: "polling" });
  pollTimer = window.setInterval(() => void attempt([loadCameras(), loadEvents(), loadWorkflows()]), POLL_MS);
}

function stopPolling(): void {
  window.clearInterval(pollTimer);
  pollTimer = undefined;
}

function openStream(): void {
  stream?.close();
  const token = getToken();
  const es = new EventSource(`/api/stream${token ? `?token=${encodeURIComponent(token)}` : ""}`);
  stream = es;
  const parse = <T>(fn: (v: T) => void) => (m: MessageEvent<string>) => {
    try {
      fn(JSON.parse(m.data) as T);
    } catch {
      // a malformed message is skipped; the next refresh corrects the view
    }
  };
  es.addEventListener("open", () => {
    stopPolling();
    live.set({ connection: "live" });
    // catch up on what happened while disconnected
    void attempt([loadCameras(), loadEvents()]);
  });
  es.addEventListener("event", parse<RecentEvent>(putEvent));
  es.addEventListener("camera", parse<CameraItem>(putCamera));
  es.addEventListener("workflow", parse<WorkflowItem>(putWorkflow));
  es.addEventListener("error", () => {
    // CONNECTING: the browser retries by itself; CLOSED: no stream here (404, 401): poll, try again later
    if (es.readyState !== EventSource.CLOSED) return;
    startPolling();
    window.clearTimeout(streamRetry);
    streamRetry = window.setTimeout(openStream, STREAM_RETRY_MS);
  });
}

/** Loads everything and starts the updates; again after a new token. */
export async function startLive(): Promise<void> {
  stopLive();
  live.set({ needToken: false, connection: "connecting" });
  try {
    live.set({ settings: await api<DashboardSettings>("/dashboard") });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      live.set({ needToken: true, connection: "offline" });
      return;
    }
    live.set({ error: e instanceof Error ? e.message : String(e), connection: "offline" });
  }
  await attempt([loadCounters(), loadEvents(), loadWorkflows()]);
  await attempt([loadCameras()]);
  if (live.state.needToken) return;
  openStream();
  timers.push(window.setInterval(() => void attempt([loadCounters(), loadWorkflows()]), COUNTER_REFRESH_MS));
}

/** Stops the stream and every timer. */
export function stopLive(): void {
  stream?.close();
  stream = undefined;
  stopPolling();
  window.clearTimeout(streamRetry);
  for (const t of timers) window.clearInterval(t);
  timers = [];
}

/** The Argo UI link of a Workflow: its own `argoUrl`, else built from the configured base. */
export function argoLink(w: { name: string; namespace?: string; argoUrl?: string }, fallbackNamespace = "argo"): string | undefined {
  if (w.argoUrl) return w.argoUrl;
  const base = live.state.settings?.argoUiUrl;
  return base ? `${base}/workflows/${encodeURIComponent(w.namespace ?? fallbackNamespace)}/${encodeURIComponent(w.name)}` : undefined;
}
