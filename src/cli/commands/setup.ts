/**
 * @module cli/commands/setup — `framegate setup`: creates the JetStream streams and the durable consumer
 * (idempotent), and sets MinIO bucket notifications with filters derived from the rules.
 */
import { connect } from "@nats-io/transport-node";
import { Client as MinioClient, NotificationConfig, QueueConfig } from "minio";
import { loadConfig, type Config } from "../../config/env.js";
import { ConfigError } from "../../lib/errors.js";
import { ensureIntake } from "../../triggers/jetstream-setup.js";
import { KvStateStore } from "../../flow/state-store.js";
import { notificationFilters } from "../../rules/notification-filters.js";
import { CliError, EXIT, parseFlags, type Command } from "../command.js";
import { flagPath, loadRuleSet } from "../dry-run.js";
import { ensureServiceIdentities, minioAdminFromConfig } from "../storage-identities.js";
import type { CliIo } from "../io.js";

const usage = `framegate setup [--rules DIR] [--services DIR] [--skip-minio]

Creates (or updates) what the gateway needs, and is safe to run again:
  - JetStream: stream FRAMEGATE_STREAM (MinIO subject + framegate.hooks.>), dead-letter stream
    FRAMEGATE_DLQ_STREAM (framegate.dlq.>), durable consumer FRAMEGATE_CONSUMER, and the key-value
    bucket FRAMEGATE_KV_BUCKET (dedupe marks, sample clocks, batch membership);
  - MinIO (when FRAMEGATE_MINIO_ENDPOINT is set; FRAMEGATE_MINIO_ACCESS_KEY/SECRET_KEY are its root user):
    the notification of every bucket a rule watches, sent to the NATS target FRAMEGATE_MINIO_NOTIFY_ARN,
    filtered by the rules' prefixes/suffixes; the output buckets the rules name; and the policies
    framegate-steps, framegate-gateway and framegate-artifacts derived from the rules, each attached to
    its user when FRAMEGATE_MINIO_{STEPS,GATEWAY,ARTIFACTS}_{ACCESS,SECRET}_KEY are set.
Settings come from the same FRAMEGATE_* variables as \`framegate serve\`.`;

export const command: Command = { usage, run };

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags("setup", args, {
    rules: { type: "string", default: "" },
    services: { type: "string", default: "" },
    "skip-minio": { type: "boolean", default: false },
  });
  if (values.help) {
    io.out(`${usage}\n`);
    return EXIT.ok;
  }
  let cfg: Config;
  try {
    cfg = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT.usage);
    throw e;
  }
  const rulesDir = flagPath(io, (values.rules as string) || cfg.FRAMEGATE_RULES_DIR);
  const servicesDir = flagPath(io, (values.services as string) || cfg.FRAMEGATE_SERVICES_DIR);
  const ruleSet = await loadRuleSet(io, rulesDir, servicesDir);

  let nc;
  try {
    nc = await connect({ servers: cfg.FRAMEGATE_NATS_URL.split(","), name: "framegate-setup", timeout: 5000 });
  } catch (e) {
    throw new CliError(`cannot connect to NATS at ${cfg.FRAMEGATE_NATS_URL}: ${(e as Error).message} — is nats-server running with JetStream?`);
  }
  try {
    const done = await ensureIntake(
      nc,
      { stream: cfg.FRAMEGATE_STREAM, dlqStream: cfg.FRAMEGATE_DLQ_STREAM, consumer: cfg.FRAMEGATE_CONSUMER, minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT },
      { ackWaitMs: cfg.FRAMEGATE_ACK_WAIT, maxDeliver: cfg.FRAMEGATE_MAX_DELIVER, maxAckPending: cfg.FRAMEGATE_MAX_ACK_PENDING },
    );
    for (const d of done) io.out(`jetstream: ${d}\n`);
    await KvStateStore.open(nc, cfg.FRAMEGATE_KV_BUCKET, cfg.FRAMEGATE_STATE_TTL);
    io.out(`jetstream: key-value bucket ${cfg.FRAMEGATE_KV_BUCKET} ready (marks kept ${Math.round(cfg.FRAMEGATE_STATE_TTL / 3_600_000)}h)\n`);
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
  const url = new URL(cfg.FRAMEGATE_MINIO_ENDPOINT);
  const minio = new MinioClient({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    useSSL: url.protocol === "https:",
    accessKey: cfg.FRAMEGATE_MINIO_ACCESS_KEY,
    secretKey: cfg.FRAMEGATE_MINIO_SECRET_KEY,
  });
  for (const f of notificationFilters(ruleSet.pipelines)) {
    const q = new QueueConfig(cfg.FRAMEGATE_MINIO_NOTIFY_ARN);
    for (const e of f.events) q.addEvent(e);
    if (f.prefix) q.addFilterPrefix(f.prefix);
    if (f.suffix) q.addFilterSuffix(f.suffix);
    const nconf = new NotificationConfig();
    nconf.add(q);
    try {
      if (!(await minio.bucketExists(f.bucket))) await minio.makeBucket(f.bucket);
      await minio.setBucketNotification(f.bucket, nconf);
    } catch (e) {
      throw new CliError(
        `minio: setting the notification of bucket "${f.bucket}" failed: ${(e as Error).message} — is the NATS target ${cfg.FRAMEGATE_MINIO_NOTIFY_ARN} configured (MINIO_NOTIFY_NATS_*) and online?`,
      );
    }
    io.out(`minio: bucket ${f.bucket} -> ${cfg.FRAMEGATE_MINIO_NOTIFY_ARN} events=${f.events.join(",")} prefix="${f.prefix}" suffix="${f.suffix}" (pipelines: ${f.pipelines.join(", ")})\n`);
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
