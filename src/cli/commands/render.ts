/**
 * @module cli/commands/render — `framegate render`: the Workflow(s) an event would submit, as YAML.
 */
import { stringify } from "yaml";
import { CliError, EXIT, parseFlags, type Command } from "../command.js";
import { argoShards } from "../../config/env.js";
import { dryRun } from "../../workflows/dry-run.js";
import { ShardPlan } from "../../workflows/shards.js";
import { loadRuleSet, readEvents } from "../dry-run.js";

export const command: Command = {
  usage: `usage: framegate render --event FILE|- [--pipeline NAME] [--rules DIR] [--services DIR]

Prints the Workflow each (event, matching pipeline) would submit, as YAML documents separated
by "---", ready for: framegate render --event ev.json | kubectl create -f -

  --event FILE|-    a MinIO notification or {"hook": NAME, "body": {...}}; "-" reads stdin
  --pipeline NAME   only this pipeline's Workflows
  --rules DIR       pipeline rule files            default: pipelines
  --services DIR    service catalog                default: services
  --shards LIST     Argo controller shards (instanceIDs, as FRAMEGATE_ARGO_SHARDS): label each
                    Workflow with its pipeline's shard, as the gateway does; default: no label

exit 0  the Workflows on stdout (none, with a note on stderr, when nothing matched)
exit 1  invalid rules or services, or --pipeline names no pipeline
exit 2  the input is not an event, or bad flags`,
  async run(args, io) {
    const { values } = parseFlags("render", args, {
      event: { type: "string", short: "e" },
      pipeline: { type: "string", short: "p" },
      rules: { type: "string", default: "pipelines" },
      services: { type: "string", default: "services" },
      shards: { type: "string" },
    });
    const shardList = argoShards.safeParse(values.shards);
    if (!shardList.success) throw new CliError(`framegate render: --shards: ${shardList.error.issues[0]!.message}`, EXIT.usage);
    const only = values.pipeline as string | undefined;
    const events = await readEvents(io, "render", values.event as string | undefined);
    const ruleSet = await loadRuleSet(io, values.rules as string, values.services as string);
    if (only !== undefined && !ruleSet.pipelines.some((p) => p.name === only)) {
      const names = ruleSet.pipelines.map((p) => p.name).join(", ") || "(none)";
      throw new CliError(`framegate render: --pipeline ${only}: no such pipeline — the pipelines are ${names}`, EXIT.failure);
    }
    const shards = shardList.data ? new ShardPlan(shardList.data) : undefined;
    const matches = dryRun(events, ruleSet, undefined, shards).filter((m) => only === undefined || m.pipeline === only);
    if (matches.length === 0) {
      io.err(`framegate render: ${only ? `pipeline ${only} does not match` : "no pipeline matches"} the event${events.length > 1 ? "s" : ""}; nothing to render\n`);
      return EXIT.ok;
    }
    io.out(matches.map((m) => stringify(m.workflow, { lineWidth: 0 })).join("---\n"));
    return EXIT.ok;
  },
};
