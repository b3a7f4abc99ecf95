/**
 * @module gateway/stats — `GET /api/stats`: per-pipeline event counts for the dashboard's overview,
 * read from the Prometheus registry the processor already updates (one source of truth with `/metrics`;
 * counters start at zero when the gateway starts).
 */
import { Hono } from "hono";
import type { Metrics } from "../lib/metrics.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import type { GatewayEnv } from "./request-context.js";

/** What happened to one pipeline's events since the gateway started. */
export interface PipelineStats {
  matched: number;
  /** intentionally not processed, by reason (`duplicate`, `sampled`, ...) */
  skipped: Record<string, number>;
  /** held back right now, by reason (`batch`, `in-flight`, `rate`, ...) */
  waiting: Record<string, number>;
  batched: number;
  /** Workflow submissions by outcome (`created`, `exists`, `failed`) */
  workflows: Record<string, number>;
}

/** The body of `GET /api/stats`. */
export interface StatsBody {
  pipelines: Record<string, PipelineStats>;
  /** events taken from the stream, by source */
  received: Record<string, number>;
  unmatched: number;
  deadLettered: number;
  inFlight: number;
}

type Values = { labels: Partial<Record<string, string | number>>; value: number }[];

const empty = (): PipelineStats => ({ matched: 0, skipped: {}, waiting: {}, batched: 0, workflows: {} });
const sum = (v: Values) => v.reduce((n, x) => n + x.value, 0);

/** Reads the counters and gauges into {@link StatsBody}. */
export async function collectStats(m: Metrics): Promise<StatsBody> {
  const pipelines: Record<string, PipelineStats> = {};
  const of = (labels: Values[number]["labels"]) => (pipelines[String(labels.pipeline ?? "")] ??= empty());
  const by = async (metric: { get(): Promise<{ values: Values }> }, add: (p: PipelineStats, labels: Values[number]["labels"], value: number) => void) => {
    for (const { labels, value } of (await metric.get()).values) if (labels.pipeline !== undefined) add(of(labels), labels, value);
  };
  const bump = (rec: Record<string, number>, key: unknown, value: number) => {
    rec[String(key ?? "other")] = (rec[String(key ?? "other")] ?? 0) + value;
  };
  await by(m.eventsMatched, (p, _l, v) => (p.matched += v));
  await by(m.eventsSkipped, (p, l, v) => bump(p.skipped, l.reason, v));
  await by(m.eventsWaiting, (p, l, v) => bump(p.waiting, l.reason, v));
  await by(m.eventsBatched, (p, _l, v) => (p.batched += v));
  await by(m.workflows, (p, l, v) => bump(p.workflows, l.outcome, v));
  const received: Record<string, number> = {};
  for (const { labels, value } of (await m.eventsReceived.get()).values) bump(received, labels.source, value);
  return {
    pipelines,
    received,
    unmatched: sum((await m.eventsUnmatched.get()).values),
    deadLettered: sum((await m.deadLettered.get()).values),
    inFlight: sum((await m.inFlight.get()).values),
  };
}

/** `GET /stats` under `/api`. */
export function statsRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get("/stats", async (c) => c.json(await collectStats(deps.metrics)));
  return app;
}
