/**
 * @module resize/entrypoint — what every entry point of this package (resize, blur) shares: the JSON-line
 * logger with the step's context, and running `main` to an explicit exit with the contract's exit code.
 */
import pino, { type Logger } from "pino";
import { ExitCode } from "./run.js";

/** The step's logger: JSON lines on synchronous stdout, so lines stay in order and none is lost at process.exit. */
export function stepLogger(service: string): Logger {
  const base = {
    service,
    pipeline: process.env.FRAMEGATE_PIPELINE ?? "",
    step: process.env.FRAMEGATE_STEP ?? "",
    camera: process.env.FRAMEGATE_CAMERA ?? "",
  };
  return pino(
    { base, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    pino.destination({ dest: 1, sync: true }),
  );
}

/** Runs `main` and exits with its code; an unexpected throw is logged and exits `retry`. */
export function runToExit(main: () => Promise<number>, log: Logger): void {
  main().then(
    (code) => {
      log.flush();
      // exit explicitly: keep-alive sockets of the MinIO client must not hold the step open
      process.exit(code);
    },
    (err: unknown) => {
      log.fatal({ err }, `unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
      log.flush();
      process.exit(ExitCode.retry);
    },
  );
}
