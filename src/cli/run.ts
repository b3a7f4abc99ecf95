/**
 * @module cli/run — `framegate <command> [flags]`: dispatch through the command table, print errors as
 * one line, return the exit code. `main.ts` wires it to the process; tests call it with a memory io.
 */
import { readFileSync } from "node:fs";
import { FramegateError } from "../lib/errors.js";
import { CliError, EXIT } from "./command.js";
import { COMMANDS } from "./commands.js";
import type { CliIo } from "./io.js";

function version(): string {
  try {
    // src/cli/run.ts and dist/cli/run.js are both two levels below package.json
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The top-level `--help` text, listing every command in the table. */
export function topUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    "usage: framegate <command> [flags]",
    "",
    "Event gateway for camera image pipelines: MinIO and webhook events -> pipeline rules -> Argo Workflows.",
    "",
    "commands:",
    ...lines,
    "",
    'Run "framegate <command> --help" for a command\'s flags. "framegate --version" prints the version.',
    "",
  ].join("\n");
}

/**
 * Runs one CLI invocation and resolves to its exit code; every expected failure is one line on stderr.
 * @example process.exitCode = await runCli(process.argv.slice(2), processIo())
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const target = name === "help" ? rest[0] : undefined;
    if (target === undefined) {
      (name === undefined ? io.err : io.out)(topUsage());
      return name === undefined ? EXIT.usage : EXIT.ok;
    }
    return runCli([target, "--help"], io);
  }
  if (name === "--version" || name === "-v") {
    io.out(`framegate ${version()}\n`);
    return EXIT.ok;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    io.err(`framegate: unknown command "${name}" — the commands are ${Object.keys(COMMANDS).join(", ")}; run "framegate --help"\n`);
    return EXIT.usage;
  }
  try {
    const { command } = await entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(command.usage.endsWith("\n") ? command.usage : `${command.usage}\n`);
      return EXIT.ok;
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof FramegateError) {
      io.err(`framegate ${name}: ${err.message}\n`);
      return EXIT.failure;
    }
    // a bug, not bad input: say so, with the stack only when asked for
    const e = err as Error;
    io.err(`framegate ${name}: internal error: ${e?.message ?? String(err)} (set FRAMEGATE_DEBUG=1 for the stack; please report it)\n`);
    if (process.env.FRAMEGATE_DEBUG) io.err(`${e?.stack ?? ""}\n`);
    return 70;
  }
}
