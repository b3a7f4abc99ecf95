/**
 * @module config/env — the gateway's environment configuration, parsed once at start-up.
 * A bad value is reported as `NAME: message` (ConfigError); defaults are visible here and in README.
 */
import { z } from "zod";
import { ConfigError } from "../lib/errors.js";
import { DURATION_RE, durationMs } from "../lib/duration.js";
import { DEFAULT_MINIO_FAST_SUBJECT, DEFAULT_MINIO_SUBJECT } from "../triggers/wire.js";
import { BYTES_RE, parseBytes } from "../lib/bytes.js";

const int = (def: number, min = 1, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(min).max(max).default(def);
const dur = (def: string) =>
  z.string().regex(DURATION_RE, "must be a duration such as 500ms, 30s, 5m").default(def).transform(durationMs);
const bytes = (def: string) =>
  z.string().regex(BYTES_RE, "must be a size such as 512MiB, 1GiB, 4GB").default(def).transform(parseBytes).pipe(z.number().min(64 * 1024, "must be at least 64KiB"));
const bool = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");
const minioAccessKey = z.string().min(3, "must be a MinIO access key (3-20 characters)").max(20, "must be a MinIO access key (3-20 characters)").regex(/^[^=,\s]+$/, "may not contain '=', ',' or spaces").optional();
const minioSecretKey = z.string().min(8, "must be a MinIO secret key (at least 8 characters; generate one with `openssl rand -hex 24`)").optional();
const optionalSecret = z.string().min(16, "must be at least 16 characters (generate one with `openssl rand -hex 32`)").optional();

/** Argo controller shards a deployment may declare: each is a workflow-controller Deployment, more is a mistake. */
export const MAX_ARGO_SHARDS = 32;
/** A non-empty Kubernetes label value (an instanceID becomes one). */
const INSTANCE_ID_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** `FRAMEGATE_ARGO_SHARDS` (and `framegate render --shards`): instance IDs, comma separated. */
export const argoShards = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined) return undefined;
    const ids = s.split(",").map((x) => x.trim());
    const fail = (message: string) => (ctx.addIssue({ code: "custom", message }), z.NEVER);
    if (ids.some((x) => x === "")) return fail(`"${s}" has an empty entry: list the controllers' instanceIDs separated by commas, such as a,b`);
    const bad = ids.find((x) => !INSTANCE_ID_RE.test(x));
    if (bad !== undefined) return fail(`"${bad}" is not a valid instanceID: it becomes a label value (at most 63 of A-Z a-z 0-9 . _ -, a letter or digit at both ends)`);
    const twice = ids.find((x, i) => ids.indexOf(x) !== i);
    if (twice !== undefined) return fail(`"${twice}" is listed twice: each shard is one controller instanceID`);
    if (ids.length > MAX_ARGO_SHARDS) return fail(`${ids.length} shards, at most ${MAX_ARGO_SHARDS}: each is a workflow-controller Deployment`);
    return ids;
  });

export const envSchema = z.object({
  FRAMEGATE_NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** a NATS credentials file (JWT + NKey seed, as `nsc` writes it); instead of a user and password */
  FRAMEGATE_NATS_CREDS: z.string().optional(),
  /** the NATS user (k8s/base/nats/authorization.conf: `gateway` for serve, `setup` for setup and replay) */
  FRAMEGATE_NATS_USER: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a NATS user name (letters, digits, '_', '-')").optional(),
  FRAMEGATE_NATS_PASSWORD: z.string().optional(),
  /** reply subjects are `<prefix>.<id>`; default `_INBOX_<FRAMEGATE_NATS_USER>` (`_INBOX` without a user), which the user must be allowed to subscribe to */
  FRAMEGATE_NATS_INBOX_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be one subject token (letters, digits, '_', '-'), such as _INBOX_gateway").optional(),
  FRAMEGATE_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a JetStream stream name (letters, digits, '_', '-')").default("FRAMEGATE"),
  FRAMEGATE_DLQ_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a JetStream stream name (letters, digits, '_', '-')").default("FRAMEGATE_DLQ"),
  FRAMEGATE_CONSUMER: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a consumer name (letters, digits, '_', '-')").default("framegate"),
  FRAMEGATE_KV_BUCKET: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a KV bucket name (letters, digits, '_', '-')").default("framegate-state"),
  /**
   * copies JetStream keeps of every stream and KV bucket framegate uses (and of the consumer): 1 on a single
   * nats-server, 3 on the ha overlay's cluster (survives the loss of one server). `framegate setup` raises
   * (or lowers) it on existing streams in place.
   */
  FRAMEGATE_STREAM_REPLICAS: int(1, 1, 5),
  /**
   * Byte limits of what framegate keeps in JetStream. The defaults (2.75 GiB together) fit the k3s
   * overlay's max_file_store of 4GB; nats-server reserves each limit when the stream is created.
   * HISTORY is `<FRAMEGATE_STREAM>_HISTORY`, the replay window (processed messages, oldest dropped first).
   */
  FRAMEGATE_STREAM_MAX_BYTES: bytes("768MiB"),
  FRAMEGATE_HISTORY_MAX_BYTES: bytes("256MiB"),
  FRAMEGATE_DLQ_MAX_BYTES: bytes("256MiB"),
  // the KV bucket gets the largest share: when it is full, processing stops (marks are refused), while a full
  // replay window only reaches back less far. 1.5 GiB holds one pipeline's marks at 40 frames/s for the 24 h TTL.
  FRAMEGATE_KV_MAX_BYTES: bytes("1536MiB"),
  /** how long flow-control marks (dedupe, sample, batch membership) are kept: at least the longest dedupe window */
  FRAMEGATE_STATE_TTL: dur("24h"),
  /** cameras' last-frame times (KV bucket shared by replicas, kept across restarts): the camera-silent metrics and alert */
  FRAMEGATE_CAMERA_BUCKET: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a KV bucket name (letters, digits, '_', '-')").default("framegate-cameras"),
  FRAMEGATE_CAMERA_MAX_BYTES: bytes("16MiB"),
  /** a camera silent this long is forgotten (its alert has fired long before) */
  FRAMEGATE_CAMERA_TTL: dur("30d"),
  /** silent: quiet for longer than FACTOR times its usual gap between frames, and at least SILENCE_MIN */
  FRAMEGATE_CAMERA_SILENCE_FACTOR: int(3, 2, 1000),
  FRAMEGATE_CAMERA_SILENCE_MIN: dur("5m"),
  /** per-camera series of framegate_camera_last_frame_timestamp_seconds (the most recently seen cameras) */
  FRAMEGATE_CAMERA_SERIES_MAX: int(10_000, 0, 100_000),
  /**
   * The results index (processed frames and their detections, the Results view): a stream with one subject per
   * camera, keeping each camera's newest PER_CAMERA results, MAX_BYTES in all and nothing older than MAX_AGE;
   * every replica mirrors it in memory (about 2-3 times its bytes).
   */
  FRAMEGATE_RESULTS_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a JetStream stream name (letters, digits, '_', '-')").default("FRAMEGATE_RESULTS"),
  FRAMEGATE_RESULTS_PER_CAMERA: int(8, 1, 1000),
  FRAMEGATE_RESULTS_MAX_BYTES: bytes("32MiB"),
  FRAMEGATE_RESULTS_MAX_AGE: dur("7d"),
  /** frames and thumbnails the gateway keeps in memory for the Results view */
  FRAMEGATE_RESULTS_FRAME_CACHE_BYTES: bytes("32MiB"),
  /** how often the gauges read from JetStream (stream usage, consumer backlog) and camera silence are refreshed */
  FRAMEGATE_METRICS_REFRESH: dur("15s"),
  FRAMEGATE_MINIO_SUBJECT: z.string().min(1).default(DEFAULT_MINIO_SUBJECT),
  /** the subject of MinIO's store-less fast target (core NATS publishes the intake stream stores) */
  FRAMEGATE_MINIO_FAST_SUBJECT: z.string().min(1).default(DEFAULT_MINIO_FAST_SUBJECT),
  FRAMEGATE_RULES_DIR: z.string().default("pipelines"),
  FRAMEGATE_SERVICES_DIR: z.string().default("services"),
  /** where `serve` reads pipelines and the catalog: the two folders, or the Pipeline/ProcessingService resources of FRAMEGATE_NAMESPACE */
  FRAMEGATE_RULES_SOURCE: z.enum(["files", "kubernetes"]).default("files"),
  /** the gateway's namespace (rules source kubernetes); default: the kubeconfig context's, in a pod its own */
  FRAMEGATE_NAMESPACE: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a namespace name (a DNS-1123 label)").optional(),
  /** this replica's name in the status Lease (in a pod: metadata.name via the downward API); default: the host name */
  FRAMEGATE_POD_NAME: z.string().min(1).optional(),
  FRAMEGATE_HTTP_HOST: z.string().default("127.0.0.1"),
  FRAMEGATE_HTTP_PORT: int(8080, 0, 65535),
  FRAMEGATE_ALLOW_UNAUTHENTICATED_API: bool(false),
  FRAMEGATE_MINIO_WEBHOOK_TOKEN: optionalSecret,
  /** serves `POST /hooks/minio` without a token: only where nothing but MinIO can reach the gateway */
  FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK: bool(false),
  FRAMEGATE_HOOK_SECRETS: z.string().optional(),
  FRAMEGATE_API_TOKEN: optionalSecret,
  FRAMEGATE_MAX_BODY_BYTES: int(1 << 20, 1024, 64 << 20),
  FRAMEGATE_MAX_IN_FLIGHT: int(64, 1, 10_000),
  /** deliveries before a failing message is dead-lettered; counted by the gateway (the consumer's own max_deliver is unlimited) */
  FRAMEGATE_MAX_DELIVER: int(10, 2, 1000),
  /** messages a gateway may hold unacked (waiting in batches or for limits): the backpressure bound, and its memory */
  FRAMEGATE_MAX_ACK_PENDING: int(10_000, 100, 1_000_000),
  FRAMEGATE_ACK_WAIT: dur("30s"),
  FRAMEGATE_KUBE_TIMEOUT: dur("10s"),
  /** create Workflows over one HTTP/2 session when the API server offers h2 in ALPN (false: HTTP/1.1 on kept-alive connections) */
  FRAMEGATE_KUBE_HTTP2: bool(true),
  FRAMEGATE_ALLOWED_NAMESPACES: z
    .string()
    .default("argo")
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
  /**
   * Argo controller shards: the `instanceID`s of the workflow-controllers that run framegate's Workflows, comma
   * separated. Each Workflow gets the label workflows.argoproj.io/controller-instanceid of its pipeline's shard
   * (workflows/shards.ts). Unset: no label, for the one controller without an instanceID.
   */
  FRAMEGATE_ARGO_SHARDS: argoShards,
  FRAMEGATE_SHUTDOWN_TIMEOUT: dur("20s"),
  FRAMEGATE_ARGO_UI_URL: z.string().url("must be a URL such as https://argo.example.com").optional(),
  FRAMEGATE_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  FRAMEGATE_WATCH_RULES: bool(true),
  /** lets the dashboard's composer save pipelines: files into FRAMEGATE_RULES_DIR, or with FRAMEGATE_RULES_SOURCE=kubernetes the Pipeline resources (create, replace, delete, suspend) */
  FRAMEGATE_ALLOW_RULE_WRITES: bool(false),
  /** MinIO admin access for `framegate setup` (bucket notifications); the gateway itself never reads objects */
  FRAMEGATE_MINIO_ENDPOINT: z.string().url("must be a URL such as http://minio:9000").optional(),
  FRAMEGATE_MINIO_ACCESS_KEY: z.string().optional(),
  FRAMEGATE_MINIO_SECRET_KEY: z.string().optional(),
  FRAMEGATE_MINIO_NOTIFY_ARN: z.string().default("arn:minio:sqs::PRIMARY:nats"),
  /** MinIO's second NATS target, without queue_dir, on FRAMEGATE_MINIO_FAST_SUBJECT: the fast path's */
  FRAMEGATE_MINIO_FAST_ARN: z.string().default("arn:minio:sqs::FAST:nats"),
  /** identities `framegate setup` creates with the root key above (each pair optional: without it only the policy is written) */
  FRAMEGATE_MINIO_STEPS_ACCESS_KEY: minioAccessKey,
  FRAMEGATE_MINIO_STEPS_SECRET_KEY: minioSecretKey,
  FRAMEGATE_MINIO_GATEWAY_ACCESS_KEY: minioAccessKey,
  FRAMEGATE_MINIO_GATEWAY_SECRET_KEY: minioSecretKey,
  /** the results identity: reads the pipelines' outputs (frames, detection sidecars) for the Results view, nothing else */
  FRAMEGATE_MINIO_RESULTS_ACCESS_KEY: minioAccessKey,
  FRAMEGATE_MINIO_RESULTS_SECRET_KEY: minioSecretKey,
  FRAMEGATE_MINIO_ARTIFACTS_ACCESS_KEY: minioAccessKey,
  FRAMEGATE_MINIO_ARTIFACTS_SECRET_KEY: minioSecretKey,
  /** buckets in the identities' policies that the rules do not name */
  FRAMEGATE_MINIO_MODELS_BUCKET: z.string().min(3).default("models"),
  FRAMEGATE_MINIO_ARTIFACTS_BUCKET: z.string().min(3).default("argo-artifacts"),
  /** the reconciliation sweep (lists trigger buckets with the FRAMEGATE_MINIO_* identity: s3:ListBucket, and s3:GetObject for metadata) */
  FRAMEGATE_SWEEP: bool(true),
  FRAMEGATE_SWEEP_INTERVAL: dur("5m"),
  /** objects newer than this wait for the next sweep: live notifications get the time to arrive first */
  FRAMEGATE_SWEEP_MARGIN: dur("2m"),
  /** how far back a bucket with no checkpoint yet is swept (first start, a new trigger bucket) */
  FRAMEGATE_SWEEP_LOOKBACK: dur("1h"),
  /** list requests (pages of 1,000 objects) per sweep, every bucket together; the rest waits for the next sweep */
  FRAMEGATE_SWEEP_MAX_PAGES: int(200, 1, 1_000_000),
  FRAMEGATE_SWEEP_PAGES_PER_SECOND: int(5, 1, 1000),
  /**
   * the fast path: every trigger bucket also notifies MinIO's store-less NATS target FRAMEGATE_MINIO_FAST_ARN,
   * which publishes at once on FRAMEGATE_MINIO_FAST_SUBJECT, ahead of the durable target's copy (0-3 s later);
   * `framegate setup` and the gateway's notification sync add (or, off, remove) that entry, and the gateway
   * checks the durable copies against done marks. The same on setup and every replica.
   */
  FRAMEGATE_FAST_PATH: bool(false),
  /**
   * with the fast path on: how many fast copies' Workflows each replica remembers (for 30 s at most), so their
   * durable copies are absorbed without a state read; past it the oldest go first (0: always read the state)
   */
  FRAMEGATE_RECENT_DONE_LIMIT: int(20_000, 0, 1_000_000),
});

export type Config = z.infer<typeof envSchema>;

/**
 * Parses the environment; throws ConfigError listing every bad variable.
 * @example loadConfig({ FRAMEGATE_HTTP_PORT: "9090" }).FRAMEGATE_HTTP_PORT // 9090
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith("FRAMEGATE_") && v !== ""));
  const r = envSchema.safeParse(cleaned);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => ({ name: String(i.path[0] ?? "env"), message: i.message })));
  }
  const cfg = r.data;
  const natsAuth = natsAuthIssues(cfg);
  if (natsAuth.length) throw new ConfigError(natsAuth);
  const loopback = ["127.0.0.1", "::1", "localhost"].includes(cfg.FRAMEGATE_HTTP_HOST);
  if (!loopback && !cfg.FRAMEGATE_API_TOKEN && !cfg.FRAMEGATE_ALLOW_UNAUTHENTICATED_API) {
    throw new ConfigError([
      {
        name: "FRAMEGATE_API_TOKEN",
        message: `required when FRAMEGATE_HTTP_HOST (${cfg.FRAMEGATE_HTTP_HOST}) is not loopback: set a token, or FRAMEGATE_ALLOW_UNAUTHENTICATED_API=true to serve /api without one`,
      },
    ]);
  }
  if (cfg.FRAMEGATE_MINIO_WEBHOOK_TOKEN && cfg.FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK) {
    throw new ConfigError([
      {
        name: "FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK",
        message: "contradicts FRAMEGATE_MINIO_WEBHOOK_TOKEN, which is set: unset one of them (with a token, POST /hooks/minio requires it)",
      },
    ]);
  }
  if (cfg.FRAMEGATE_ALLOW_RULE_WRITES && !loopback && !cfg.FRAMEGATE_API_TOKEN) {
    throw new ConfigError([
      {
        name: "FRAMEGATE_ALLOW_RULE_WRITES",
        message: `needs FRAMEGATE_API_TOKEN when FRAMEGATE_HTTP_HOST (${cfg.FRAMEGATE_HTTP_HOST}) is not loopback: anyone reaching the gateway could change the pipelines — set a token or turn rule writes off`,
      },
    ]);
  }
  const subjects = minioSubjectIssues(cfg);
  if (subjects.length) throw new ConfigError(subjects);
  return cfg;
}

/** MinIO's two targets must differ: one ARN (or subject) for both would make every copy look like the other. */
function minioSubjectIssues(cfg: Config): { name: string; message: string }[] {
  const out: { name: string; message: string }[] = [];
  if (cfg.FRAMEGATE_MINIO_FAST_SUBJECT === cfg.FRAMEGATE_MINIO_SUBJECT) {
    out.push({ name: "FRAMEGATE_MINIO_FAST_SUBJECT", message: `is FRAMEGATE_MINIO_SUBJECT (${cfg.FRAMEGATE_MINIO_SUBJECT}): the fast target needs a subject of its own, e.g. ${DEFAULT_MINIO_FAST_SUBJECT}` });
  }
  if (cfg.FRAMEGATE_MINIO_FAST_ARN === cfg.FRAMEGATE_MINIO_NOTIFY_ARN) {
    out.push({ name: "FRAMEGATE_MINIO_FAST_ARN", message: `is FRAMEGATE_MINIO_NOTIFY_ARN (${cfg.FRAMEGATE_MINIO_NOTIFY_ARN}): the fast path needs MinIO's second, store-less NATS target (MINIO_NOTIFY_NATS_*_FAST), e.g. arn:minio:sqs::FAST:nats` });
  }
  return out;
}

function natsAuthIssues(cfg: Config): { name: string; message: string }[] {
  if (cfg.FRAMEGATE_NATS_USER && !cfg.FRAMEGATE_NATS_PASSWORD) {
    return [{ name: "FRAMEGATE_NATS_PASSWORD", message: `required with FRAMEGATE_NATS_USER (${cfg.FRAMEGATE_NATS_USER}): set the user's password (Secret framegate-nats)` }];
  }
  if (cfg.FRAMEGATE_NATS_PASSWORD && !cfg.FRAMEGATE_NATS_USER) {
    return [{ name: "FRAMEGATE_NATS_USER", message: "required with FRAMEGATE_NATS_PASSWORD: set the NATS user the password belongs to" }];
  }
  if (cfg.FRAMEGATE_NATS_CREDS && cfg.FRAMEGATE_NATS_USER) {
    return [{ name: "FRAMEGATE_NATS_CREDS", message: "set either FRAMEGATE_NATS_CREDS or FRAMEGATE_NATS_USER/FRAMEGATE_NATS_PASSWORD, not both" }];
  }
  return [];
}
