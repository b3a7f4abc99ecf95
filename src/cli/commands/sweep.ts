/**
 * @module cli/commands/sweep — `framegate sweep --since`: an operator's sweep after an outage. Lists every
 * trigger bucket of the rules for objects modified in a time range and publishes each one a rule wants into
 * the intake as MinIO would have notified it; the gateway's dedupe skips what was processed already.
 */
import { connectNats } from "../nats-connect.js";
import { DURATION_RE, durationMs } from "../../lib/duration.js";
import { compileMatcher } from "../../rules/matcher.js";
import { JetStreamPublisher } from "../../triggers/jetstream-publisher.js";
import type { EventPublisher } from "../../triggers/stream.js";
import { sweepOnce } from "../../sweep/sweeper.js";
import { cliConfig, minioLister } from "../cli-config.js";
import { CliError, EXIT, parseFlags, type Command } from "../command.js";
import { flagPath, loadRuleSet } from "../dry-run.js";
import type { CliIo } from "../io.js";

const usage = `framegate sweep --since DURATION|TIME [--until TIME] [--max-pages N] [--dry-run] [--rules DIR] [--services DIR]

Publishes into the intake every object of the rules' trigger buckets that was modified in the range and
that a rule wants, as MinIO would have notified it (header Framegate-Sweep: cli). Use it after an outage
in which MinIO may have dropped notifications (its queue_dir full, a node lost) or when the gateway's
own sweep (FRAMEGATE_SWEEP) was off. Objects processed before are skipped by the gateway (dedupe marks,
Workflow names), so a range that is too wide costs listing and publishing, never duplicate work.

  --since D|TIME   start of the range: a duration back from now (6h, 2d) or RFC 3339 (2026-11-28T10:00:00Z)
  --until TIME     end of the range (default: now)
  --max-pages N    list requests (1,000 objects each) at most, all buckets together (default 1000000)
  --dry-run        list and count, publish nothing

Listing costs one request per 1,000 objects under each trigger prefix, at FRAMEGATE_SWEEP_PAGES_PER_SECOND;
MinIO lists by key, not by time, so the whole prefix is read whatever the range. Needs FRAMEGATE_MINIO_ENDPOINT,
FRAMEGATE_MINIO_ACCESS_KEY, FRAMEGATE_MINIO_SECRET_KEY (s3:ListBucket) and FRAMEGATE_NATS_URL with a NATS user
that may publish MinIO's subject (FRAMEGATE_NATS_USER=setup, as for replay). Prints a JSON
summary on stdout; exit 1 when a bucket could not be swept to the end.`;

export const command: Command = { usage, run };

function time(flag: string, v: string, now: number): number {
  if (DURATION_RE.test(v)) return now - durationMs(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new CliError(`framegate sweep: --${flag} "${v}" is neither a duration (6h, 2d) nor a time (RFC 3339, e.g. 2026-11-28T10:00:00Z)`, EXIT.usage);
  return t;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags("sweep", args, {
    since: { type: "string" },
    until: { type: "string" },
    "max-pages": { type: "string", default: "1000000" },
    "dry-run": { type: "boolean", default: false },
    rules: { type: "string", default: "" },
    services: { type: "string", default: "" },
  });
  if (values.help) {
    io.out(`${usage}\n`);
    return EXIT.ok;
  }
  const now = Date.now();
  if (values.since === undefined) throw new CliError('framegate sweep: --since is required: how far back to look, e.g. --since 6h or --since 2026-11-28T10:00:00Z', EXIT.usage);
  const since = time("since", values.since as string, now);
  const until = values.until === undefined ? now : time("until", values.until as string, now);
  if (until <= since) throw new CliError(`framegate sweep: the range is empty: --until (${new Date(until).toISOString()}) is not after --since (${new Date(since).toISOString()})`, EXIT.usage);
  const maxPages = Number(values["max-pages"]);
  if (!Number.isInteger(maxPages) || maxPages < 1) throw new CliError("framegate sweep: --max-pages must be a positive whole number", EXIT.usage);
  const dryRun = values["dry-run"] as boolean;

  const cfg = cliConfig();
  const lister = minioLister(cfg);
  if (!lister) {
    throw new CliError("framegate sweep: set FRAMEGATE_MINIO_ENDPOINT, FRAMEGATE_MINIO_ACCESS_KEY and FRAMEGATE_MINIO_SECRET_KEY (an identity that may list the trigger buckets)", EXIT.usage);
  }
  const ruleSet = await loadRuleSet(io, flagPath(io, (values.rules as string) || cfg.FRAMEGATE_RULES_DIR), flagPath(io, (values.services as string) || cfg.FRAMEGATE_SERVICES_DIR));

  let nc;
  if (!dryRun) {
    try {
      nc = await connectNats(cfg, "framegate-sweep", { timeout: 5000 });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  const publisher: EventPublisher = nc ? new JetStreamPublisher(nc) : { publish: async () => ({ seq: 0, duplicate: false }) };
  try {
    const report = await sweepOnce(
      { lister, publisher, minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT, rules: () => ({ ruleSet, matcher: compileMatcher(ruleSet.pipelines) }), origin: "cli" },
      { marginMs: 0, maxPages, pagesPerSecond: cfg.FRAMEGATE_SWEEP_PAGES_PER_SECOND },
      // the operator's range, not the gateway's checkpoints: those are neither read nor moved
      { load: async () => ({ since }), save: async () => undefined },
      {
        now: until,
        onTarget: (t, r) =>
          io.err(`sweep: ${t.bucket}/${t.prefix}: listed ${r.listed}, ${r.inWindow} in range, ${dryRun ? "would publish" : "published"} ${r.published}${r.complete ? "" : " — not finished"}\n`),
      },
    );
    const { errors, ...counts } = report;
    io.out(`${JSON.stringify({ since: new Date(since).toISOString(), until: new Date(until).toISOString(), dryRun, ...counts, errors: errors.map((e) => `${e.bucket}/${e.prefix}: ${e.err.message}`) })}\n`);
    if (report.metadataHidden.length) {
      io.err(`sweep: buckets ${report.metadataHidden.join(", ")} were listed without the object metadata their rules need (the identity lacks s3:GetObject there): their objects were not published\n`);
    }
    if (errors.length || report.unfinished) {
      io.err(`sweep: ${report.unfinished} bucket(s) not swept to the end${report.errors.length ? "" : " (--max-pages reached: raise it)"}; run again — what was published is not published twice\n`);
      return EXIT.failure;
    }
    return EXIT.ok;
  } finally {
    await nc?.close();
  }
}
