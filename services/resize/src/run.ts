/** @module resize/run — one run of the service over every input key, with the contract's exit codes. */
import type { Logger } from "pino";
import { BadInputError, type Contract } from "./contract.js";
import { InputLimitError } from "./limits.js";
import type { ObjectStore } from "./object-store.js";
import type { ResizeParams } from "./params.js";
import { resizeObject } from "./resize.js";

/** Exit codes of the service contract. */
export const ExitCode = { ok: 0, badInput: 2, retry: 1 } as const;

/**
 * Resizes every input key to its output key, one after the other (memory stays at one frame).
 * Every key is tried even after a failure, so one corrupt frame in a batch does not cost the others
 * their output. Returns 1 if any failure may be fixed by a retry (the retry redoes the whole step;
 * outputs are overwritten, so that is safe), else 2 if any input was bad, else 0.
 */
export async function run(store: ObjectStore, contract: Contract, params: ResizeParams, log: Logger): Promise<number> {
  let bad = 0;
  let failed = 0;
  for (const [i, inputKey] of contract.inputKeys.entries()) {
    const outputKey = contract.outputKeys[i]!;
    const started = performance.now();
    try {
      const r = await resizeObject(store, params, {
        inputBucket: contract.inputBucket,
        inputKey,
        outputBucket: contract.outputBucket,
        outputKey,
      });
      log.info({ input: `${contract.inputBucket}/${inputKey}`, output: `${contract.outputBucket}/${outputKey}`, ...r, ms: Math.round(performance.now() - started) }, "resized");
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (e instanceof BadInputError) bad++;
      else failed++;
      const limit = e instanceof InputLimitError ? e.fields : {};
      log.error({ input: `${contract.inputBucket}/${inputKey}`, ...limit, err: e, retriable: !(e instanceof BadInputError) }, e.message);
    }
  }
  const code = failed > 0 ? ExitCode.retry : bad > 0 ? ExitCode.badInput : ExitCode.ok;
  log.info({ objects: contract.inputKeys.length, bad, failed, exitCode: code }, "done");
  return code;
}
