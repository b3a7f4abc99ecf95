/**
 * @module web/api/types — the JSON the dashboard reads, as the gateway's own types (type-only imports
 * from src/, erased by the bundler), so the page and the API cannot drift apart unnoticed.
 */
import type { PipelineSummary } from "../../../src/gateway/pipeline-summary.js";
import type { RecentEvent, RecentMatch as RecentMatchItem } from "../../../src/status/recent-events.js";
import type { PipelineStats, StatsBody } from "../../../src/gateway/stats.js";
import type { DraftMiss } from "../../../src/gateway/rule-drafts.js";
import type { DryRunMatch } from "../../../src/workflows/dry-run.js";
import type { Issue } from "../../../src/lib/errors.js";
import type { ServiceParamSummary, ServiceSummary } from "../../../src/gateway/service-summary.js";
import type { WorkflowView } from "../../../src/gateway/status.js";
import type { CameraRow } from "../../../src/status/cameras.js";
import type { PhaseCounts } from "../../../src/workflows/workflow-status.js";
import type { NormalizedEvent } from "../../../src/triggers/event.js";
import type { LiveDiff, OpenedPipeline, PipelineResourceSummary } from "../../../src/gateway/live-pipelines.js";
import type { ConflictReport } from "../../../src/gateway/pipeline-document.js";
import type { DiffLine, FieldChange } from "../../../src/lib/spec-diff.js";

export type { LiveDiff, OpenedPipeline, PipelineResourceSummary, ConflictReport, DiffLine, FieldChange };
export type { PipelineSummary, PipelineStats, RecentEvent, RecentMatchItem, StatsBody, ServiceSummary, ServiceParamSummary, DryRunMatch, DraftMiss, NormalizedEvent };

/** An issue as the API returns it: the fields plus the formatted `FILE:LINE:COL: path: message`. */
export type ApiIssue = Issue & { text: string };

/** `GET /api/pipelines` */
export interface PipelinesBody {
  pipelines: PipelineSummary[];
  issues: ApiIssue[];
  loadedAt: string | null;
  /** where the rules come from; with "kubernetes", `resources` lists every Pipeline resource with its status */
  source?: "files" | "kubernetes";
  resources?: PipelineResourceSummary[];
}

/** An answer of the live pipeline writes (`PUT`, `DELETE`, `POST .../suspend|resume`). */
export type LiveWriteBody =
  | { ok: true; created?: boolean; pipeline?: OpenedPipeline; deleted?: string }
  | ({ ok: false; reason: "conflict"; error: string; current: OpenedPipeline } & ConflictReport)
  | { ok: false; reason: string; error: string; issues?: ApiIssue[] };

/** `GET /api/dashboard` */
export interface DashboardSettings {
  argoUiUrl: string | null;
  ruleWrites: boolean;
  /** "kubernetes": the composer edits Pipeline resources */
  rulesSource?: "files" | "kubernetes";
  composer: boolean;
  validate: boolean;
}

/** One Workflow of `GET /api/workflows` (and of the stream's `workflow` event). */
export type WorkflowItem = WorkflowView;

/** Workflow counts of one pipeline, by phase. */
export type { PhaseCounts };

/** `GET /api/workflows` */
export interface WorkflowsBody {
  workflows: WorkflowItem[];
  counts: Record<string, PhaseCounts>;
  synced: boolean;
}

/** One camera of `GET /api/cameras` (and of the stream's `camera` event). */
export type CameraItem = CameraRow;

/** `POST /api/validate` */
export interface ValidateBody {
  ok: boolean;
  issues: ApiIssue[];
}

/** `POST /api/match/draft` */
export type DraftMatchBody =
  | { ok: false; error: string; issues: ApiIssue[] }
  | { ok: true; events: NormalizedEvent[]; matches: DryRunMatch[]; misses: DraftMiss[] };

/** `PUT /api/pipelines/:name` */
export type SaveBody =
  | { ok: true; file: string; created: boolean; reload: { changed: boolean; issues: ApiIssue[] } | null }
  | { ok: false; reason: "invalid" | "disabled" | "bad-name" | "exists" | "unwritable"; error: string; issues?: ApiIssue[] };

/** One result of `GET /api/results`. */
export type ResultItem = import("../../../src/gateway/results-route.js").ResultView;

/** `GET /api/results` */
export interface ResultsBody {
  results: ResultItem[];
  index: { entries: number; cameras: number; bytes: number; limits: { perCamera: number; maxBytes: number; maxAgeMs: number }; labels: Record<string, number> };
  /** whether the gateway can serve frames (its results identity is configured) */
  frames: boolean;
}

/** `POST /api/pipelines/:name/run` */
export type RunBody = import("../../../src/flow/run-object.js").RunResult;
