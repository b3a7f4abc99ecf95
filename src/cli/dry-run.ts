/**
 * @module cli/dry-run — what `match` and `render` share: read the event input, load the rules, match
 * and render every (event, pipeline) pair the way the gateway would, without select (dedupe, sample,
 * batch) and without submitting anything.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { BadEventError, formatIssue } from "../lib/errors.js";
import { loadRules } from "../rules/loader.js";
import { compileMatcher } from "../rules/matcher.js";
import type { Matcher, RuleSet } from "../rules/types.js";
import type { NormalizedEvent } from "../triggers/event.js";
import { parseEventInput } from "../triggers/parse-input.js";
import { renderWorkflow, workflowArguments } from "../workflows/render.js";
import type { Workflow } from "../workflows/types.js";
import { CliError, EXIT } from "./command.js";
import { readInput, type CliIo } from "./io.js";

/** One pipeline an event matched, rendered. `event` is the index into the events. */
export interface DryRunMatch {
  pipeline: string;
  event: number;
  params: Record<string, string>;
  workflow: Workflow;
}

/** A flag path against the command's working directory, kept relative (as typed) in messages when it can be. */
export function flagPath(io: CliIo, dir: string): string {
  const abs = resolve(io.cwd, dir);
  const rel = relative(process.cwd(), abs);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
}

/**
 * Loads and validates rules and services. Warnings (documents in the legacy form) go to stderr as
 * `FILE:LINE:COL: warning: path: message` lines and do not fail the command.
 * @throws CliError (exit 1) with one `FILE:LINE:COL: path: message` line per problem
 */
export async function loadRuleSet(io: CliIo, rulesDir: string, servicesDir: string): Promise<RuleSet> {
  const r = await loadRules({ rulesDir: flagPath(io, rulesDir), servicesDir: flagPath(io, servicesDir) });
  for (const w of r.warnings) io.err(`${w.file}:${w.line}:${w.col}: warning: ${w.path}: ${w.message}\n`);
  if (!r.ok) throw new CliError(r.issues.map(formatIssue).join("\n"), EXIT.failure);
  return r.ruleSet;
}

/**
 * Reads and parses `--event FILE|-`.
 * @throws CliError (exit 2) with one line when the file cannot be read or holds no event
 */
export async function readEvents(io: CliIo, command: string, path: string | undefined): Promise<NormalizedEvent[]> {
  if (path === undefined) throw new CliError(`framegate ${command}: --event FILE|- is required (a MinIO notification or {"hook": NAME, "body": {...}}; "-" reads stdin)`, EXIT.usage);
  let text: string;
  try {
    text = await readInput(io, path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`framegate ${command}: cannot read --event ${path}: ${e.code === "ENOENT" ? "no such file" : e.message}`, EXIT.usage);
  }
  try {
    return parseEventInput(text);
  } catch (err) {
    if (err instanceof BadEventError) throw new CliError(`framegate ${command}: ${err.message.replace(/\s*\n\s*/g, " ")}`, EXIT.usage);
    throw err;
  }
}

/**
 * Matches every event and renders one Workflow per (event, pipeline), in event then pipeline order.
 * Pass the rule set's compiled `matcher` when there is one (the gateway's `/api/match`); else it is compiled here.
 */
export function dryRun(events: readonly NormalizedEvent[], ruleSet: RuleSet, matcher: Matcher = compileMatcher(ruleSet.pipelines)): DryRunMatch[] {
  const out: DryRunMatch[] = [];
  events.forEach((ev, i) => {
    for (const m of matcher.match(ev)) {
      const workflow = renderWorkflow([m], ruleSet.catalog);
      out.push({ pipeline: m.pipeline.name, event: i, params: workflowArguments(workflow), workflow });
    }
  });
  return out;
}
