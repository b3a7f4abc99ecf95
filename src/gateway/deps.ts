/**
 * @module gateway/deps — everything the HTTP gateway needs, as small interfaces, so tests pass fakes
 * and `serve` passes the real publisher, rule store, matcher and processor state.
 */
import type { Logger } from "pino";
import type { CameraRow } from "../status/cameras.js";
import type { StatusSource } from "../status/status-feed.js";
import type { Issue } from "../lib/errors.js";
import type { Metrics } from "../lib/metrics.js";
import type { RuleSet } from "../rules/types.js";
import type { NormalizedEvent } from "../triggers/event.js";
import type { EventPublisher } from "../triggers/stream.js";
import { DEFAULT_MINIO_SUBJECT } from "../triggers/wire.js";
import type { DryRunMatch } from "../workflows/dry-run.js";
import type { WorkflowStatus } from "../workflows/workflow-status.js";
import type { DashboardOptions } from "./dashboard.js";
import type { RecentEvents } from "../status/recent-events.js";
import type { RuleDraftsApi } from "./rule-drafts.js";
import type { LivePipelines } from "./live-pipelines.js";

/** How one integration proves it is itself: an HMAC-SHA256 signature of the body, or a bearer token. */
export interface HookConfig {
  name: string;
  auth: "hmac" | "bearer";
  /** the HMAC key or the bearer token; never logged, never echoed */
  secret: string;
}

/** Looks up the hooks integrations may POST to (`/hooks/<name>`). */
export interface HookRegistry {
  get(name: string): HookConfig | undefined;
}

/** The active rules and the problems of the last load (a refused reload keeps the previous rule set). */
export interface RulesState {
  ruleSet?: RuleSet;
  issues: Issue[];
  /** ISO time the active rule set was loaded */
  loadedAt?: string;
}

/** The dry run's output, the same JSON `framegate match` prints. */
export interface MatchResult {
  events: NormalizedEvent[];
  matches: DryRunMatch[];
}

/** One readiness check (`nats`, `rules`, `kubernetes`, ...). */
export interface ReadinessCheck {
  ok: boolean;
  /** ready, but something needs attention soon (a stream near its byte limit) */
  warn?: boolean;
  detail?: string;
}

/** The gateway is ready when every check is. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

/** Collaborators and settings of {@link createGatewayApp}; `serve` builds the real ones. */
export interface GatewayDeps {
  /** stores accepted webhook bodies in the FRAMEGATE stream */
  publisher: EventPublisher;
  /** subject for MinIO webhook-target notifications (default `minio.events`) */
  minioSubject?: string;
  /** integrations POST to `/hooks/<name>`; published on `framegate.hooks.<name>` */
  hooks: HookRegistry;
  /** the `auth_token` of MinIO's webhook target; unset: `/hooks/minio` is refused (403) unless the next is on */
  minioWebhookToken?: string;
  /** FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK: without a token, `/hooks/minio` takes anyone's notifications */
  allowUnauthenticatedMinioWebhook?: boolean;
  /** `FRAMEGATE_API_TOKEN`; when set every `/api/*` request needs `Authorization: Bearer <token>` */
  apiToken?: string;
  /** largest request body accepted (default 1 MiB) */
  maxBodyBytes?: number;
  /** largest total size of request headers (default 16 KiB, Node's own default) */
  maxHeaderBytes?: number;
  log: Logger;
  metrics: Metrics;
  /** the active rules and the last load's issues */
  rules(): RulesState;
  /**
   * The dry run of `framegate match` on event JSON text.
   * @throws BadEventError when the text is not an event (answered 400 with its message)
   */
  match(text: string): MatchResult | Promise<MatchResult>;
  /** checks rule YAML text without activating it (the dashboard's composer); `POST /api/validate` when set */
  validateRules?(text: string): Issue[] | Promise<Issue[]>;
  /** the composer's drafts (dry run, save); `POST /api/match/draft`, `PUT /api/pipelines/:name` when set */
  drafts?: RuleDraftsApi;
  /**
   * FRAMEGATE_RULES_SOURCE=kubernetes: the Pipeline resources (list with status, open, diff, save, delete,
   * suspend); `GET /api/pipelines` then lists them as `resources`, and `PUT /api/pipelines/:name` writes them
   */
  livePipelines?: LivePipelines;
  /** the web dashboard at `/`: where its bundle is (default dist/web of this package) */
  dashboard?: DashboardOptions;
  /** what the processor did with the latest events */
  recentEvents: Pick<RecentEvents, "list">;
  readiness(): Promise<Readiness>;
  /** re-drives dead letters or a stream range (`POST /api/replay`); the route exists when set */
  replay?(filter: import("../triggers/replay.js").ReplayFilter): Promise<import("../triggers/replay.js").ReplayResult>;
  /** `POST /api/pipelines/:name/run`; unset (no MinIO identity to look objects up with): the route answers 503 */
  runObject?(req: import("../flow/run-object.js").RunRequest): Promise<import("../flow/run-object.js").RunResult>;
  /** framegate's Workflows from the informer, for `GET /api/workflows` (503 when unset) */
  workflows?: Pick<WorkflowStatus, "list" | "counts" | "synced">;
  /** the camera registry, for `GET /api/cameras` (503 when unset) */
  cameras?: CameraRegistryView;
  /** live updates (`event`, `camera`, `workflow`) for `GET /api/stream` (503 when unset) */
  status?: StatusSource;
  /** `FRAMEGATE_ARGO_UI_URL`: Workflow rows then carry `argoUrl` = `<url>/workflows/<namespace>/<name>` */
  argoUiUrl?: string;
  /** the results index and frames, for `GET /api/results` and `/api/results/frame` (503 when unset) */
  results?: import("./results-route.js").ResultsApi;
  /** `GET /api/stream` limits */
  stream?: StreamSettings;
}

/** What the API reads of the camera registry (status/cameras.ts). */
export interface CameraRegistryView {
  /** rows, the latest seen first */
  list(limit?: number): CameraRow[];
  readonly size: number;
}

/** Limits of `GET /api/stream`. */
export interface StreamSettings {
  /** interval of the `: heartbeat` comment that keeps proxies from closing an idle stream (default 15 s) */
  heartbeatMs?: number;
  /** messages buffered for a client that reads slower than they come; past it the client is dropped (default 1,000) */
  maxQueue?: number;
  /** concurrent streams; more are answered 503 (default 100) */
  maxClients?: number;
}

/** Defaults for the optional settings. */
export const GATEWAY_DEFAULTS = {
  minioSubject: DEFAULT_MINIO_SUBJECT,
  maxBodyBytes: 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
} as const;

/** {@link GatewayDeps} with every default filled in. */
export type ResolvedGatewayDeps = GatewayDeps & {
  minioSubject: string;
  maxBodyBytes: number;
  maxHeaderBytes: number;
};

/** Fills in the defaults and checks the limits. */
export function resolveGatewayDeps(deps: GatewayDeps): ResolvedGatewayDeps {
  const resolved = {
    ...deps,
    minioSubject: deps.minioSubject ?? GATEWAY_DEFAULTS.minioSubject,
    maxBodyBytes: deps.maxBodyBytes ?? GATEWAY_DEFAULTS.maxBodyBytes,
    maxHeaderBytes: deps.maxHeaderBytes ?? GATEWAY_DEFAULTS.maxHeaderBytes,
  };
  for (const k of ["maxBodyBytes", "maxHeaderBytes"] as const) {
    if (!Number.isInteger(resolved[k]) || resolved[k] < 1) throw new RangeError(`gateway ${k} must be a positive integer, got ${resolved[k]}`);
  }
  return resolved;
}
