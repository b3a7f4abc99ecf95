/**
 * @module lib/lazy-logger — a child logger made on the first line that its level lets through. The consumer's
 * handler names every line about a message by its event ids and sequence (a pino child), but at the usual levels
 * most messages log nothing: making the child anyway serialized its bindings and kept a logger alive per message
 * for as long as the message waited (a batch filling, a rate limit), thousands at a time.
 */
import type { Bindings, Level, Logger } from "pino";

/** The levels the handler logs at. */
export type LevelLogger = Pick<Logger, "error" | "warn" | "info" | "debug">;

/**
 * @example
 * const log = lazyChild(parent, () => ({ event: id, seq })); // no child yet
 * log.debug({ pipeline }, "event skipped");                  // still none, unless debug is enabled
 */
export function lazyChild(parent: Logger, bindings: () => Bindings): LevelLogger {
  return new LazyChild(parent, bindings);
}

class LazyChild implements LevelLogger {
  #child?: Logger;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: () => Bindings,
  ) {}
  // methods on the prototype, not closures per instance: one object per message
  error(...args: unknown[]): void {
    this.#at("error", args);
  }
  warn(...args: unknown[]): void {
    this.#at("warn", args);
  }
  info(...args: unknown[]): void {
    this.#at("info", args);
  }
  debug(...args: unknown[]): void {
    this.#at("debug", args);
  }

  #at(level: Level, args: unknown[]): void {
    if (!this.parent.isLevelEnabled(level)) return;
    this.#child ??= this.parent.child(this.bindings());
    (this.#child[level] as (...a: unknown[]) => void)(...args);
  }
}
