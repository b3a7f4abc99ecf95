/**
 * @module cli/commands — the table of subcommands. Each is loaded with `import()` only when run, so
 * `framegate validate` does not load the gateway. Adding a command is one line here plus its file
 * `src/cli/commands/<name>.ts` exporting `command: Command`.
 */
import type { Command } from "./command.js";

/** A table entry: the one-line summary for `framegate --help` and the lazy loader. */
export interface CommandEntry {
  summary: string;
  load: () => Promise<{ command: Command }>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  validate: { summary: "check pipeline rules and the service catalog; one line per problem", load: () => import("./commands/validate.js") },
  match: { summary: "dry run: which pipelines an event matches, and the Workflows it would submit (JSON)", load: () => import("./commands/match.js") },
  serve: { summary: "run the gateway: webhooks, /api, /metrics and the JetStream consumer that submits Workflows", load: () => import("./commands/serve.js") },
  setup: { summary: "create the JetStream streams, consumer and state bucket; set MinIO bucket notifications from the rules", load: () => import("./commands/setup.js") },
  replay: { summary: "re-drive dead-lettered events, or a time range of the stream, through the current rules", load: () => import("./commands/replay.js") },
  cameras: { summary: "give a camera its own MinIO identity (PUT under <bucket>/<id>/ only), revoke it, list them", load: () => import("./commands/cameras.js") },
  crd: { summary: "the CustomResourceDefinitions of Pipeline and ProcessingService, generated from the schemas (YAML)", load: () => import("./commands/crd.js") },
  run: { summary: "run a pipeline on an object already stored, as if it had just been uploaded (--force: again, under a new name)", load: () => import("./commands/run.js") },
  sweep: { summary: "after an outage: publish the objects of the trigger buckets modified since a time, as MinIO would have notified them", load: () => import("./commands/sweep.js") },
  render: { summary: "the Workflow(s) an event would submit, as YAML for kubectl create -f -", load: () => import("./commands/render.js") },
};
