/**
 * @module cli/commands/replay — `framegate replay`: re-drive dead-lettered events, or a time range of the
 * intake stream, through the current rules. Work that already succeeded is not repeated.
 */
import { connectNats } from "../nats-connect.js";
import { replay } from "../../triggers/replay.js";
import { cliConfig } from "../cli-config.js";
import { CliError, EXIT, parseFlags, type Command } from "../command.js";
import type { CliIo } from "../io.js";

const usage = `framegate replay [--dlq | --from TIME [--to TIME]] [--kind KIND] [--pipeline NAME] [--limit N] [--dry-run]

  --dlq            re-drive dead-lettered events (default)
  --kind KIND      only dead letters of this kind: bad-event, rejected, exhausted
  --pipeline NAME  only dead letters of this pipeline
  --from TIME      re-drive the intake stream from TIME (RFC 3339, e.g. 2026-11-28T10:00:00Z)
  --to TIME        ... up to TIME (default: now)
  --since TIME     with --dlq: only dead letters from TIME on
  --limit N        at most N events
  --dry-run        list what would be replayed, publish nothing

Replayed events go through the current rules; pipelines skip events whose Workflow was created before
(done marks in the state bucket, kept FRAMEGATE_STATE_TTL), so a replay never duplicates work that
succeeded. Prints one JSON line per event, then a summary on stderr.`;

export const command: Command = { usage, run };

function time(flag: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new CliError(`framegate replay: --${flag} "${v}" is not a time — write RFC 3339, e.g. 2026-11-28T10:00:00Z`, EXIT.usage);
  return d;
}

async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags("replay", args, {
    dlq: { type: "boolean", default: false },
    kind: { type: "string" },
    pipeline: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    since: { type: "string" },
    limit: { type: "string" },
    "dry-run": { type: "boolean", default: false },
  });
  if (values.help) {
    io.out(`${usage}\n`);
    return EXIT.ok;
  }
  if (values.dlq && values.from) throw new CliError("framegate replay: use --dlq or --from, not both", EXIT.usage);
  if (values.kind && !["bad-event", "rejected", "exhausted"].includes(values.kind as string)) {
    throw new CliError(`framegate replay: --kind must be bad-event, rejected or exhausted, not "${values.kind}"`, EXIT.usage);
  }
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new CliError("framegate replay: --limit must be a positive whole number", EXIT.usage);
  const cfg = cliConfig();
  const from = values.from ? "range" : "dlq";
  const since = time(from === "range" ? "from" : "since", (values.from ?? values.since) as string | undefined);
  const until = time("to", values.to as string | undefined);
  let nc;
  try {
    nc = await connectNats(cfg, "framegate-replay", { timeout: 5000 });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  try {
    const r = await replay(
      nc,
      { stream: cfg.FRAMEGATE_STREAM, dlqStream: cfg.FRAMEGATE_DLQ_STREAM },
      { from, kind: values.kind as string | undefined, pipeline: values.pipeline as string | undefined, since, until, limit, dryRun: values["dry-run"] as boolean },
      (scanned, replayed) => io.err(`replay: scanned ${scanned}, ${values["dry-run"] ? "would replay" : "replayed"} ${replayed}\n`),
    );
    for (const it of r.items) io.out(`${JSON.stringify(it)}\n`);
    io.err(`replay: scanned ${r.scanned} message(s), ${values["dry-run"] ? "would replay" : "replayed"} ${r.replayed}\n`);
    return EXIT.ok;
  } finally {
    await nc.close();
  }
}
