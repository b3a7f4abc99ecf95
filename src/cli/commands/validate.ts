/**
 * @module cli/commands/validate — `framegate validate`: check rules and the service catalog.
 */
import { EXIT, parseFlags, type Command } from "../command.js";
import { loadRuleSet } from "../dry-run.js";
import { isSuspended } from "../../rules/compile-pipeline.js";

export const command: Command = {
  usage: `usage: framegate validate [--rules DIR] [--services DIR]

Loads every pipeline in --rules and every service.yaml under --services and checks them
the way the gateway does at start-up and on hot reload.

  --rules DIR      pipeline rule files (*.yaml)       default: pipelines
  --services DIR   service catalog (<name>/service.yaml) default: services

exit 0  "ok: N pipelines" on stdout, then "suspended: NAME, ..." when spec.suspend holds any
        (they are valid but match nothing)
exit 1  one line per problem on stderr: FILE:LINE:COL: path.to.field: message
exit 2  bad flags`,
  async run(args, io) {
    const { values } = parseFlags("validate", args, {
      rules: { type: "string", default: "pipelines" },
      services: { type: "string", default: "services" },
    });
    const ruleSet = await loadRuleSet(io, values.rules as string, values.services as string);
    io.out(`ok: ${ruleSet.pipelines.length} pipelines\n`);
    const suspended = ruleSet.pipelines.filter(isSuspended).map((p) => p.name);
    if (suspended.length > 0) io.out(`suspended: ${suspended.join(", ")} (spec.suspend: true, they match nothing)\n`);
    return EXIT.ok;
  },
};
