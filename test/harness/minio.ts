/**
 * @module test/harness/minio — a real `minio server` on loopback with fresh storage, its NATS target in
 * JetStream mode (with a queue dir, so events survive a NATS outage) pointed at the harness nats-server,
 * and the buckets framegate uses.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Client, NotificationConfig, QueueConfig } from "minio";
import { HarnessError, ManagedProcess } from "./process.js";
import { HOST, freePort, httpStatus, makeTempDir, progress, retryOnPortRace, since, toolPath } from "./util.js";

/** ARN of the harness MinIO's NATS target (target id `PRIMARY`, from the `_PRIMARY` env suffix). */
export const NATS_TARGET_ARN = "arn:minio:sqs::PRIMARY:nats";
/** ARN of the store-less fast-path target (`_FAST`), configured with {@link MinioOptions.fast}. */
export const NATS_FAST_TARGET_ARN = "arn:minio:sqs::FAST:nats";

/** Buckets created by default. */
export const DEFAULT_BUCKETS = ["raw", "processed", "argo-artifacts", "models"] as const;

/** Options of {@link startMinio}. */
export interface MinioOptions {
  /** the NATS server (`host:port`) events go to; without it MinIO has no notification target */
  natsHostPort?: string;
  /** subject MinIO publishes to (default `minio.events`); a JetStream stream must cover it */
  subject?: string;
  /** the NATS user MinIO's target connects as (`nats.credentials("minio")`), as k8s/base/minio sets it */
  natsUser?: { user: string; pass: string };
  /**
   * the fast path's second NATS target `FAST`, as k8s/base/minio sets it: no queue dir, core NATS (not
   * JetStream), on `subject` (default `minio.fast`) as `user` (`nats.credentials("minio-fast")`)
   */
  fast?: { user: { user: string; pass: string }; subject?: string };
  /** buckets to create (default {@link DEFAULT_BUCKETS}) */
  buckets?: readonly string[];
  /** root credentials (defaults: `framegate` / `framegate-secret`) */
  accessKey?: string;
  secretKey?: string;
  /** readiness deadline, default 60 s */
  deadlineMs?: number;
  /**
   * more MinIO environment (overrides the defaults). With a NATS target the harness already sets
   * `MINIO_SYNC_BOOT=on` and `MINIO_API_SYNC_EVENTS=on`, as production should: without them MinIO serves
   * PUTs before it has loaded the buckets' notification rules, and queues events in memory first.
   */
  env?: Record<string, string>;
}

/** Credentials of one MinIO user. */
export interface MinioCredentials {
  accessKey: string;
  secretKey: string;
}

/**
 * The users framegate's identities get on this MinIO, as k8s/create-secrets.sh generates them. They exist
 * once `framegate setup` ran with {@link framegateEnv}'s environment (it creates them, with policies from
 * the rules); the harness's Argo gives the steps and the artifact repository their Secrets.
 */
export interface FramegateIdentities {
  steps: MinioCredentials;
  gateway: MinioCredentials;
  artifacts: MinioCredentials;
  /** the gateway's reader of pipeline outputs (the Results view) */
  results: MinioCredentials;
}

/** A running MinIO. Dispose it (or `stop()`) to kill it and delete its data. */
export interface MinioServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  readonly accessKey: string;
  readonly secretKey: string;
  /** subject of the NATS target, if configured */
  readonly subject: string | undefined;
  readonly dataDir: string;
  /** where MinIO queues events it could not deliver to NATS yet */
  readonly queueDir: string;
  /** a client for the root user */
  readonly client: Client;
  /** credentials for the steps', gateway's and Argo archive's users (created by `framegate setup`) */
  readonly identities: FramegateIdentities;
  output(): string;
  /** starts MinIO again on the same port and data (kills it first if it runs) */
  restart(): Promise<void>;
  /** kills the process and keeps the data */
  kill(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts MinIO (single drive) on 127.0.0.1. With `natsHostPort`, the stream covering `subject` must
 * already exist ({@link createIntakeStreams} in nats.ts): MinIO checks its target at start-up.
 *
 * @example
 * await using minio = await startMinio({ natsHostPort: nats.hostPort, natsUser: nats.credentials("minio") });
 * await setBucketNotification(minio.client, "raw", { prefix: "cam-1/" });
 */
export async function startMinio(opts: MinioOptions = {}): Promise<MinioServer> {
  const bin = toolPath("MINIO");
  const dir = makeTempDir("minio");
  const dataDir = join(dir.path, "data");
  const queueDir = join(dir.path, "queue");
  mkdirSync(dataDir);
  mkdirSync(queueDir);
  const accessKey = opts.accessKey ?? "framegate";
  const secretKey = opts.secretKey ?? "framegate-secret";
  const subject = opts.natsHostPort ? (opts.subject ?? "minio.events") : undefined;
  const deadlineMs = opts.deadlineMs ?? 60_000;
  let port = 0;
  let proc: ManagedProcess | undefined;

  const env = minioEnv(opts, { accessKey, secretKey, home: dir.path, queueDir, subject });

  const launch = async (fixedPort?: number) => {
    const t0 = Date.now();
    port = fixedPort ?? (await freePort());
    const consolePort = await freePort();
    const args = ["server", dataDir, "--address", `${HOST}:${port}`, "--console-address", `${HOST}:${consolePort}`, "--quiet"];
    proc = await ManagedProcess.start(
      { name: "minio", command: bin, args, env },
      async () => (await httpStatus(`http://${HOST}:${port}/minio/health/ready`)) === 200,
      deadlineMs,
    );
    progress(`minio ready on ${HOST}:${port} in ${since(t0)}`);
  };

  try {
    await retryOnPortRace("minio", () => launch());
  } catch (e) {
    dir.remove();
    throw e;
  }

  const client = new Client({ endPoint: HOST, port, useSSL: false, accessKey, secretKey, region: "us-east-1" });
  const server: MinioServer = {
    get endpoint() {
      return `http://${HOST}:${port}`;
    },
    host: HOST,
    get port() {
      return port;
    },
    accessKey,
    secretKey,
    subject,
    dataDir,
    queueDir,
    client,
    identities: {
      steps: { accessKey: "framegate-steps", secretKey: randomBytes(16).toString("hex") },
      gateway: { accessKey: "framegate-gateway", secretKey: randomBytes(16).toString("hex") },
      artifacts: { accessKey: "framegate-artifacts", secretKey: randomBytes(16).toString("hex") },
      results: { accessKey: "framegate-results", secretKey: randomBytes(16).toString("hex") },
    },
    output: () => proc?.output.toString() ?? "",
    async kill(signal = "SIGKILL") {
      if (!proc) return;
      if (signal === "SIGKILL") {
        proc.kill("SIGKILL");
        await proc.exited;
      } else await proc.stop();
    },
    async restart() {
      await server.kill("SIGTERM");
      await launch(port);
    },
    async stop() {
      await proc?.stop();
      dir.remove();
    },
    [Symbol.asyncDispose]: () => server.stop(),
  };

  try {
    for (const b of opts.buckets ?? DEFAULT_BUCKETS) await client.makeBucket(b, "us-east-1");
  } catch (e) {
    const out = server.output();
    await server.stop();
    throw new HarnessError(`minio: creating buckets failed: ${(e as Error).message}`, out, { cause: e });
  }
  return server;
}

/**
 * The environment of a harness MinIO server: root user, no browser or update checks, and with
 * `natsHostPort` the NATS target `PRIMARY` in JetStream mode with its queue dir (and with `fast` the
 * store-less target `FAST`), as k8s/base/minio sets them.
 * Shared by {@link startMinio} and the distributed servers of minio-cluster.ts.
 */
export function minioEnv(
  opts: Pick<MinioOptions, "natsHostPort" | "natsUser" | "fast" | "env">,
  o: { accessKey: string; secretKey: string; home: string; queueDir: string; subject: string | undefined },
): Record<string, string> {
  const { accessKey, secretKey, queueDir, subject } = o;
  const env: Record<string, string> = {
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: "off",
    MINIO_UPDATE: "off",
    MINIO_CI_CD: "on",
    HOME: o.home, // ~/.minio (certs dir) inside the temp dir
  };
  if (opts.natsHostPort) {
    // the _PRIMARY suffix names the target: its ARN is arn:minio:sqs::PRIMARY:nats
    Object.assign(env, {
      MINIO_NOTIFY_NATS_ENABLE_PRIMARY: "on",
      MINIO_NOTIFY_NATS_ADDRESS_PRIMARY: opts.natsHostPort,
      MINIO_NOTIFY_NATS_SUBJECT_PRIMARY: subject!,
      MINIO_NOTIFY_NATS_JETSTREAM_PRIMARY: "on",
      MINIO_NOTIFY_NATS_QUEUE_DIR_PRIMARY: queueDir,
      ...(opts.natsUser && { MINIO_NOTIFY_NATS_USERNAME_PRIMARY: opts.natsUser.user, MINIO_NOTIFY_NATS_PASSWORD_PRIMARY: opts.natsUser.pass }),
      // as k8s/base/minio runs it: no PUT is answered before the notification rules are loaded, and none
      // before its event is in the queue dir (both lost frames in the MinIO restart test without them)
      MINIO_SYNC_BOOT: "on",
      MINIO_API_SYNC_EVENTS: "on",
    });
    if (opts.fast) {
      Object.assign(env, {
        MINIO_NOTIFY_NATS_ENABLE_FAST: "on",
        MINIO_NOTIFY_NATS_ADDRESS_FAST: opts.natsHostPort,
        MINIO_NOTIFY_NATS_SUBJECT_FAST: opts.fast.subject ?? "minio.fast",
        MINIO_NOTIFY_NATS_USERNAME_FAST: opts.fast.user.user,
        MINIO_NOTIFY_NATS_PASSWORD_FAST: opts.fast.user.pass,
      });
    }
  }
  Object.assign(env, opts.env);
  return env;
}

/** What {@link setBucketNotification} subscribes to. */
export interface BucketNotification {
  /** S3 event names (default `s3:ObjectCreated:*`) */
  events?: string[];
  prefix?: string;
  suffix?: string;
  /** target ARN (default {@link NATS_TARGET_ARN}) */
  arn?: string;
}

/**
 * Replaces `bucket`'s notification configuration with one NATS queue rule. MinIO answers an error naming
 * the ARN if the target is not configured or offline (stream missing when MinIO started).
 */
export async function setBucketNotification(client: Client, bucket: string, n: BucketNotification = {}): Promise<void> {
  const q = new QueueConfig(n.arn ?? NATS_TARGET_ARN);
  for (const e of n.events ?? ["s3:ObjectCreated:*"]) q.addEvent(e);
  if (n.prefix) q.addFilterPrefix(n.prefix);
  if (n.suffix) q.addFilterSuffix(n.suffix);
  const cfg = new NotificationConfig();
  cfg.add(q);
  try {
    await client.setBucketNotification(bucket, cfg);
  } catch (e) {
    throw new HarnessError(
      `minio: setting the notification of bucket "${bucket}" to ${n.arn ?? NATS_TARGET_ARN} failed: ${(e as Error).message} — ` +
        `was MinIO started with natsHostPort, after the stream for its subject existed?`,
      "",
      { cause: e },
    );
  }
}
