/**
 * @module cli/commands/setup — `framegate setup`: creates the JetStream streams and the durable consumer
 * (idempotent), and sets MinIO bucket notifications with filters derived from the rules.
 */
import { FramegateError } from "../../lib/errors.js";
import { formatDiff } from "../../triggers/intake-diff.js";
import { migrateIntake } from "../../triggers/intake-migration.js";
import { kvStreamName } from "../../triggers/jetstream-config.js";
import { ensureIntake, ensureStreamLimit, replicaError, verifyIntake } from "../../triggers/jetstream-setup.js";
import { intakeSettings } from "../intake-settings.js";
import { KvStateStore } from "../../flow/state-store.js";
import { KvCameraActivityStore } from "../../status/camera-activity-kv.js";
import { ensureResultsStream } from "../../results/results-stream.js";
import { resultsLimits } from "../results-wiring.js";
import { pino } from "pino";
import { notificationFilters } from "../../rules/notification-filters.js";
import { minioNotificationClient, syncBucketNotification } from "../../storage/bucket-notifications.js";
import { s3Client } from "../../storage/s3-client.js";
import { cliConfig } from "../cli-config.js";
import { CliError, EXIT, parseFlags, type Command } from "../command.js";
import { flagPath, loadRuleSet } from "../dry-run.js";
import { ensureServiceIdentities, minioAdminFromConfig } from "../storage-identities.js";
import { connectNats } from "../nats-connect.js";
import type { CliIo } from "../io.js";

const usage = `framegate setup [--rules DIR] [--services DIR] [--skip-minio] [--dry-run] [--migrate]

Creates (or updates) what the gateway needs, and is safe to run again:
  - JetStream: the intake stream FRAMEGATE_STREAM (MinIO subject + framegate.hooks.>; a work queue
    limited to FRAMEGATE_STREAM_MAX_BYTES that refuses input when full), its replay window
    <FRAMEGATE_STREAM>_HISTORY (FRAMEGATE_HISTORY_MAX_BYTES, oldest dropped), the dead-letter stream
    FRAMEGATE_DLQ_STREAM (framegate.dlq.>, FRAMEGATE_DLQ_MAX_BYTES), the durable consumer
    FRAMEGATE_CONSUMER, each with FRAMEGATE_STREAM_REPLICAS copies (raised or lowered in place on
    existing streams; more than 1 needs a JetStream cluster), the cameras' last-frame bucket FRAMEGATE_CAMERA_BUCKET, and the key-value bucket FRAMEGATE_KV_BUCKET (dedupe marks, sample clocks,
    batch membership; FRAMEGATE_KV_MAX_BYTES, marks kept FRAMEGATE_STATE_TTL);
  - MinIO (when FRAMEGATE_MINIO_ENDPOINT is set; FRAMEGATE_MINIO_ACCESS_KEY/SECRET_KEY are its root user):
    the notification of every bucket a rule watches, sent to the NATS target FRAMEGATE_MINIO_NOTIFY_ARN,
    and with FRAMEGATE_FAST_PATH=true to the store-less target FRAMEGATE_MINIO_FAST_ARN as well (removed when
    false), filtered by the rules' prefixes/suffixes (framegate's entries only: other entries of the bucket are kept); the output buckets the rules name; and the policies
    framegate-steps, framegate-gateway and framegate-artifacts derived from the rules, each attached to
    its user when FRAMEGATE_MINIO_{STEPS,GATEWAY,ARTIFACTS}_{ACCESS,SECRET}_KEY are set.
Settings come from the same FRAMEGATE_* variables as \`framegate serve\`.

  --dry-run   print what differs from these settings (and the migration plan), change nothing
  --migrate   an intake made by an older framegate (limits retention) is moved to the work queue:
              stop every gateway first; unprocessed messages move, processed ones are dropped`;

export const command: Command = { usage, run };

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags("setup", args, {
    rules: { type: "string", default: "" },
    services: { type: "string", default: "" },
    "skip-minio": { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    migrate: { type: "boolean", default: false },
  });
  if (values.help) {
    io.out(`${usage}\n`);
    return EXIT.ok;
  }
  const cfg = cliConfig();
  const rulesDir = flagPath(io, (values.rules as string) || cfg.FRAMEGATE_RULES_DIR);
  const servicesDir = flagPath(io, (values.services as string) || cfg.FRAMEGATE_SERVICES_DIR);
  const ruleSet = await loadRuleSet(io, rulesDir, servicesDir);

  let nc;
  try {
    nc = await connectNats(cfg, "framegate-setup", { timeout: 5000 });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const intake = intakeSettings(cfg);
  const ensure = { ...intake.consumer, limits: intake.limits };
  const line = (l: string) => io.out(`jetstream: ${l}\n`);
  try {
    if (values["dry-run"]) {
      const diffs = await verifyIntake(nc, intake.names, intake.limits, intake.consumer);
      for (const d of diffs) line(`${d.severity === "breaks" ? "must change" : "differs"}: ${formatDiff(d)}`);
      if (!diffs.length) line("streams and consumer are as configured");
      await migrateIntake(nc, intake.names, { ...ensure, dryRun: true, log: line });
      return EXIT.ok;
    }
    try {
      if (values.migrate) {
        const r = await migrateIntake(nc, intake.names, { ...ensure, log: line });
        if (!r.needed) for (const d of await ensureIntake(nc, intake.names, ensure)) line(d);
      } else {
        for (const d of await ensureIntake(nc, intake.names, ensure)) line(d);
      }
    } catch (e) {
      if (e instanceof FramegateError) throw new CliError(e.message);
      throw e;
    }
    const replicas = cfg.FRAMEGATE_STREAM_REPLICAS;
    const kvFailed = (bucket: string) => (e: unknown) => {
      const err = replicaError(`key-value bucket ${bucket}`, replicas, e);
      throw err instanceof FramegateError ? new CliError(err.message) : err;
    };
    await KvStateStore.open(nc, cfg.FRAMEGATE_KV_BUCKET, cfg.FRAMEGATE_STATE_TTL, cfg.FRAMEGATE_KV_MAX_BYTES, { replicas }).catch(kvFailed(cfg.FRAMEGATE_KV_BUCKET));
    line(await ensureStreamLimit(nc, kvStreamName(cfg.FRAMEGATE_KV_BUCKET), cfg.FRAMEGATE_KV_MAX_BYTES, replicas).catch(kvFailed(cfg.FRAMEGATE_KV_BUCKET)));
    line(`key-value bucket ${cfg.FRAMEGATE_KV_BUCKET} ready (marks kept ${Math.round(cfg.FRAMEGATE_STATE_TTL / 3_600_000)}h)`);
    await KvCameraActivityStore.open(nc, cfg.FRAMEGATE_CAMERA_BUCKET, cfg.FRAMEGATE_CAMERA_TTL, cfg.FRAMEGATE_CAMERA_MAX_BYTES, pino({ level: "silent" }), { replicas }).catch(
      kvFailed(cfg.FRAMEGATE_CAMERA_BUCKET),
    ); // setup only creates it: nothing is watched
    line(await ensureStreamLimit(nc, kvStreamName(cfg.FRAMEGATE_CAMERA_BUCKET), cfg.FRAMEGATE_CAMERA_MAX_BYTES, replicas).catch(kvFailed(cfg.FRAMEGATE_CAMERA_BUCKET)));
    line(`key-value bucket ${cfg.FRAMEGATE_CAMERA_BUCKET} ready (cameras' last-frame times, kept ${Math.round(cfg.FRAMEGATE_CAMERA_TTL / 86_400_000)}d)`);
    line(
      await ensureResultsStream(nc, cfg.FRAMEGATE_RESULTS_STREAM, resultsLimits(cfg), replicas).catch((e: unknown) => {
        throw e instanceof FramegateError ? new CliError(e.message) : e;
      }),
    );
  } finally {
    await nc.close();
  }

  if (values["skip-minio"]) return EXIT.ok;
  if (!cfg.FRAMEGATE_MINIO_ENDPOINT) {
    io.out("minio: FRAMEGATE_MINIO_ENDPOINT not set; bucket notifications left as they are\n");
    return EXIT.ok;
  }
  if (!cfg.FRAMEGATE_MINIO_ACCESS_KEY || !cfg.FRAMEGATE_MINIO_SECRET_KEY) {
    throw new CliError("FRAMEGATE_MINIO_ACCESS_KEY and FRAMEGATE_MINIO_SECRET_KEY are needed to set bucket notifications", EXIT.usage);
  }
  const minio = s3Client({ endpoint: cfg.FRAMEGATE_MINIO_ENDPOINT, accessKey: cfg.FRAMEGATE_MINIO_ACCESS_KEY, secretKey: cfg.FRAMEGATE_MINIO_SECRET_KEY });
  const notify = minioNotificationClient(minio);
  const targets = { arn: cfg.FRAMEGATE_MINIO_NOTIFY_ARN, fast: { arn: cfg.FRAMEGATE_MINIO_FAST_ARN, on: cfg.FRAMEGATE_FAST_PATH } };
  const to = cfg.FRAMEGATE_FAST_PATH ? `${targets.arn} + ${targets.fast.arn}` : targets.arn;
  for (const f of notificationFilters(ruleSet.pipelines)) {
    let outcome;
    try {
      outcome = await syncBucketNotification(notify, f, targets, { createBucket: () => minio.makeBucket(f.bucket) });
    } catch (e) {
      throw new CliError(`minio: ${(e as Error).message}`);
    }
    io.out(`minio: bucket ${f.bucket} -> ${to} events=${f.events.join(",")} prefix="${f.prefix}" suffix="${f.suffix}" (pipelines: ${f.pipelines.join(", ")})${outcome === "unchanged" ? " unchanged" : ""}\n`);
  }
  // the steps may write the output buckets but not create them
  for (const b of new Set(ruleSet.pipelines.map((p) => p.spec.workflow.outputBucket))) {
    if (!(await minio.bucketExists(b))) {
      await minio.makeBucket(b);
      io.out(`minio: bucket ${b} created (output bucket)\n`);
    }
  }
  await ensureServiceIdentities(minioAdminFromConfig(cfg, "setup"), cfg, ruleSet, io);
  return EXIT.ok;
}
