/**
 * @module cli/commands/run — `framegate run <pipeline> --bucket B --key K [--force]`: run a pipeline on an
 * object that is already stored. Looks the object up and publishes the notification MinIO would have sent
 * into the intake (flow/run-object.ts), so the Workflow has the name, dedupe and limits an upload gets.
 */
import { connectNats } from "../nats-connect.js";
import { compileMatcher } from "../../rules/matcher.js";
import { RunError, runObject } from "../../flow/run-object.js";
import { JetStreamPublisher } from "../../triggers/jetstream-publisher.js";
import { cliConfig, minioLister } from "../cli-config.js";
import { CliError, EXIT, parseFlags, type Command } from "../command.js";
import { flagPath, loadRuleSet } from "../dry-run.js";
import type { CliIo } from "../io.js";

const usage = `framegate run PIPELINE --bucket BUCKET --key KEY [--force] [--rules DIR] [--services DIR]

Runs PIPELINE on an object already in MinIO: looks it up (size, ETag, metadata) and publishes into the
intake the notification MinIO sends for an upload, for PIPELINE only. The gateway then treats it like
that upload: the same Workflow name, dedupe, sampling (judged at the time of the run) and limits. An object
the pipeline processed within its dedupe window is not run again; --force runs it again under a new
Workflow name (the event gets a new identity, <bucket>/<key>@<etag>#run-<nonce>).

  --bucket B   the object's bucket
  --key K      the object's key (no leading "/")
  --force      run even if it ran before; every --force makes one more Workflow

Needs FRAMEGATE_MINIO_ENDPOINT, FRAMEGATE_MINIO_ACCESS_KEY, FRAMEGATE_MINIO_SECRET_KEY (an identity that may
list the bucket, like the sweep's; one without s3:GetObject cannot see metadata, which rules that filter on it
need) and FRAMEGATE_NATS_URL. Prints what was published as JSON,
including the Workflow's name. exit 0 published; 1 unknown pipeline or object, or no match; 2 bad flags.
The same over HTTP: POST /api/pipelines/PIPELINE/run {"bucket": "...", "key": "...", "force": false}.`;

export const command: Command = { usage, run };

async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(
    "run",
    args,
    {
      bucket: { type: "string" },
      key: { type: "string" },
      force: { type: "boolean", default: false },
      rules: { type: "string", default: "" },
      services: { type: "string", default: "" },
    },
    { positionals: true },
  );
  if (values.help) {
    io.out(`${usage}\n`);
    return EXIT.ok;
  }
  const [pipeline, ...extra] = positionals;
  if (pipeline === undefined || extra.length > 0) throw new CliError('framegate run: name one pipeline, e.g. framegate run people-detect --bucket raw --key gate-01/a.jpg — run "framegate run --help"', EXIT.usage);
  const bucket = values.bucket as string | undefined;
  const key = values.key as string | undefined;
  if (!bucket || !key) throw new CliError("framegate run: --bucket and --key are required: the stored object to run the pipeline on", EXIT.usage);
  const cfg = cliConfig();
  const lister = minioLister(cfg);
  if (!lister) {
    throw new CliError("framegate run: set FRAMEGATE_MINIO_ENDPOINT, FRAMEGATE_MINIO_ACCESS_KEY and FRAMEGATE_MINIO_SECRET_KEY (an identity that may list the bucket, like the sweep's)", EXIT.usage);
  }
  const ruleSet = await loadRuleSet(io, flagPath(io, (values.rules as string) || cfg.FRAMEGATE_RULES_DIR), flagPath(io, (values.services as string) || cfg.FRAMEGATE_SERVICES_DIR));
  let nc;
  try {
    nc = await connectNats(cfg, "framegate-run", { timeout: 5000 });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  try {
    const r = await runObject(
      { stat: (b, k) => lister.stat(b, k), publisher: new JetStreamPublisher(nc), minioSubject: cfg.FRAMEGATE_MINIO_SUBJECT, rules: () => ({ ruleSet, matcher: compileMatcher(ruleSet.pipelines) }), origin: "cli" },
      { pipeline, bucket, key, force: values.force as boolean },
    );
    io.out(`${JSON.stringify(r)}\n`);
    if (!r.force) io.err(`run: published; the gateway creates ${r.workflow} unless the object ran within the pipeline's dedupe window (then --force)\n`);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof RunError) throw new CliError(`framegate run: ${e.message}`);
    throw e;
  } finally {
    await nc.close();
  }
}
