/**
 * @module cli/commands/match — `framegate match`: dry run of an event against the rules, as JSON.
 */
import { EXIT, parseFlags, type Command } from "../command.js";
import { dryRun } from "../../workflows/dry-run.js";
import { loadRuleSet, readEvents } from "../dry-run.js";
import { isSuspended } from "../../rules/compile-pipeline.js";

export const command: Command = {
  usage: `usage: framegate match --event FILE|- [--rules DIR] [--services DIR]

Dry run: normalizes the event, matches it against the pipelines and renders the Workflow each
match would submit. Nothing is submitted; select (dedupe, sample, batch, limits) is not applied.

  --event FILE|-   a MinIO notification exactly as MinIO publishes it, or {"hook": NAME, "body": {...}};
                   "-" reads stdin
  --rules DIR      pipeline rule files            default: pipelines
  --services DIR   service catalog                default: services

stdout (JSON): {"events": [normalized...], "matches": [{"pipeline", "event" (index), "params", "workflow"}],
               "suspended": [names of pipelines spec.suspend holds: they match nothing]}
exit 0  whether or not anything matched
exit 1  invalid rules or services (one FILE:LINE:COL: path: message line each, on stderr)
exit 2  the input is not an event, or bad flags (one line on stderr)`,
  async run(args, io) {
    const { values } = parseFlags("match", args, {
      event: { type: "string", short: "e" },
      rules: { type: "string", default: "pipelines" },
      services: { type: "string", default: "services" },
    });
    const events = await readEvents(io, "match", values.event as string | undefined);
    const ruleSet = await loadRuleSet(io, values.rules as string, values.services as string);
    const matches = dryRun(events, ruleSet);
    const suspended = ruleSet.pipelines.filter(isSuspended).map((p) => p.name);
    io.out(`${JSON.stringify({ events, matches, suspended }, null, 2)}\n`);
    return EXIT.ok;
  },
};
