/**
 * @module resize/main — entry point: reads the contract and parameters from the environment, wires the
 * MinIO store and the JSON-line logger, runs, and exits 0 (ok), 2 (bad input, not retried) or 1.
 */
import pino from "pino";
import { BadInputError, readContract } from "./contract.js";
import { minioStore } from "./object-store.js";
import { readParams } from "./params.js";
import { ExitCode, run } from "./run.js";

const base = {
  service: "resize",
  pipeline: process.env.FRAMEGATE_PIPELINE ?? "",
  step: process.env.FRAMEGATE_STEP ?? "",
  camera: process.env.FRAMEGATE_CAMERA ?? "",
};
// synchronous stdout: lines stay in order and none is lost at process.exit
const log = pino(
  { base, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
  pino.destination({ dest: 1, sync: true }),
);

async function main(): Promise<number> {
  let contract, params;
  try {
    contract = readContract(process.env);
    params = readParams(process.env);
  } catch (err) {
    if (err instanceof BadInputError) {
      log.error({ problems: err.message.split("\n") }, `bad configuration: ${err.message.replaceAll("\n", "; ")}`);
      return ExitCode.badInput;
    }
    throw err;
  }
  log.info({ objects: contract.inputKeys.length, params }, "starting");
  return run(minioStore(contract.minio), contract, params, log);
}

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
