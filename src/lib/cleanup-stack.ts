/**
 * @module lib/cleanup-stack — what a start-up opened, closed in reverse order: on a failure half-way
 * (so nothing left open keeps the process alive) and at shutdown. A step that fails is logged and the
 * others still run.
 */
import type { Logger } from "pino";

/**
 * @example
 * const cleanup = new CleanupStack(log);
 * const nc = await connect(...);
 * cleanup.defer("NATS connection", () => nc.close());
 * try { ...more start-up... } catch (e) { await cleanup.close(); throw e; }
 */
export class CleanupStack {
  readonly #steps: { what: string; run: () => unknown }[] = [];
  #closing?: Promise<void>;

  constructor(private readonly log: Logger) {}

  /** Steps waiting to run. */
  get size(): number {
    return this.#steps.length;
  }

  /** Registers `run` to be called by {@link close}, before every step registered earlier. */
  defer(what: string, run: () => unknown): void {
    if (this.#closing) throw new Error(`cleanup stack already closed; cannot defer "${what}"`);
    this.#steps.push({ what, run });
  }

  /** Runs every step, the last registered first, each awaited; calling it again returns the same promise. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (let s = this.#steps.pop(); s; s = this.#steps.pop()) {
        try {
          await s.run();
        } catch (err) {
          this.log.warn({ err, step: s.what }, "closing failed; closing the rest");
        }
      }
    })();
    return this.#closing;
  }
}
