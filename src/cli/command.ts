/**
 * @module cli/command — the shape of a `framegate <name>` subcommand and the errors that end one.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { FramegateError } from "../lib/errors.js";
import type { CliIo } from "./io.js";

/** Exit codes shared by every command. */
export const EXIT = {
  ok: 0,
  /** invalid rules or services, or another failure the user must fix in files */
  failure: 1,
  /** bad usage or input: an unknown flag, a missing argument, input that is not an event */
  usage: 2,
} as const;

/** A subcommand: `src/cli/commands/<name>.ts` exports one as `command`. */
export interface Command {
  /** the full `--help` text */
  usage: string;
  /** runs with the arguments after the command name; resolves to the exit code */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Ends a command with `message` on stderr and `exitCode`; never a stack trace. */
export class CliError extends FramegateError {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `node:util` parseArgs, strict, with `--help`/`-h` added and its errors turned into a usage CliError.
 * Positional arguments are refused unless `opts.positionals` (then they are in `positionals`).
 * @example const { values } = parseFlags("validate", args, { rules: { type: "string", default: "pipelines" } })
 */
export function parseFlags<O extends Options>(command: string, args: string[], options: O, opts: { positionals?: boolean } = {}) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: opts.positionals ?? false });
  } catch (err) {
    throw new CliError(`framegate ${command}: ${(err as Error).message.split("\n")[0]} — run "framegate ${command} --help"`, EXIT.usage);
  }
}
