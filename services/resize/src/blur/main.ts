/**
 * @module resize/blur/main — entry point of the blur service (`node /app/blur/main.js` in the resize
 * image): reads the contract, the fan-in inputs and the parameters, masks every frame, and exits 0 (ok),
 * 2 (bad input, not retried) or 1.
 */
import { runToExit, stepLogger } from "../entrypoint.js";
import { BadInputError, readContract } from "../contract.js";
import { InputLimitError } from "../limits.js";
import { minioStore } from "../object-store.js";
import { ExitCode } from "../run.js";
import { pickSources } from "./inputs.js";
import { maskObject } from "./mask.js";
import { readBlurParams } from "./params.js";

const log = stepLogger("blur");

async function main(): Promise<number> {
  let contract, params, sources;
  try {
    contract = readContract(process.env);
    params = readBlurParams(process.env);
    sources = pickSources(process.env.FRAMEGATE_INPUTS, params.regionsFrom, contract.outputKeys.length);
  } catch (err) {
    if (err instanceof BadInputError) {
      log.error({ problems: err.message.split("\n") }, `bad configuration: ${err.message.replaceAll("\n", "; ")}`);
      return ExitCode.badInput;
    }
    throw err;
  }
  log.info({ objects: contract.outputKeys.length, frameFrom: sources.frameStep, params }, "starting");
  const store = minioStore(contract.minio);
  let bad = 0;
  let failed = 0;
  // one frame at a time (memory stays at one frame); every key is tried even after a failure
  for (const [i, outputKey] of contract.outputKeys.entries()) {
    const job = {
      frameBucket: sources.frame.bucket,
      frameKey: sources.frame.keys[i]!,
      regionsBucket: sources.regions.bucket,
      regionsKey: sources.regions.keys[i]!,
      outputBucket: contract.outputBucket,
      outputKey,
    };
    const started = performance.now();
    try {
      const r = await maskObject(store, params, job);
      log.info({ input: `${job.frameBucket}/${job.frameKey}`, output: `${job.outputBucket}/${outputKey}`, ...r, ms: Math.round(performance.now() - started) }, "masked");
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (e instanceof BadInputError) bad++;
      else failed++;
      const limit = e instanceof InputLimitError ? e.fields : {};
      log.error({ input: `${job.frameBucket}/${job.frameKey}`, ...limit, err: e, retriable: !(e instanceof BadInputError) }, e.message);
    }
  }
  const code = failed > 0 ? ExitCode.retry : bad > 0 ? ExitCode.badInput : ExitCode.ok;
  log.info({ objects: contract.outputKeys.length, bad, failed, exitCode: code }, "done");
  return code;
}

runToExit(main, log);
