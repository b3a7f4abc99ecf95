#!/usr/bin/env node
/**
 * @module cli/main — the `framegate` executable (package.json `bin`): runs the CLI on this process.
 */
import { processIo } from "./io.js";
import { runCli } from "./run.js";

process.exitCode = await runCli(process.argv.slice(2), processIo());
