/**
 * @module resize/main — entry point: reads the contract and parameters from the environment, wires the
 * MinIO store and the JSON-line logger, runs, and exits 0 (ok), 2 (bad input, not retried) or 1.
 */
import { runToExit, stepLogger } from "./entrypoint.js";
import { BadInputError, readContract } from "./contract.js";
import { minioStore } from "./object-store.js";
import { readParams } from "./params.js";
import { ExitCode, run } from "./run.js";

const log = stepLogger("resize");

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

runToExit(main, log);
