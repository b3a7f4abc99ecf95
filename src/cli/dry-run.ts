/**
 * @module cli/dry-run — what the CLI commands share: read the event input (`--event`) and load the rules;
 * matching and rendering them is workflows/dry-run.ts.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { BadEventError, formatIssue } from "../lib/errors.js";
import { loadRules } from "../rules/loader.js";
import type { RuleSet } from "../rules/types.js";
import type { NormalizedEvent } from "../triggers/event.js";
import { parseEventInput } from "../triggers/parse-input.js";
import { CliError, EXIT } from "./command.js";
import { readInput, type CliIo } from "./io.js";

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
