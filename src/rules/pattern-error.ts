/** @module rules/pattern-error — the error a key pattern that cannot be compiled throws, and how messages are built. */
import { FramegateError } from "../lib/errors.js";

/** A key pattern that cannot be compiled; `offset` is the 0-based character in `pattern` at fault. */
export class PatternError extends FramegateError {
  override name = "PatternError";
  constructor(message: string, readonly pattern: string, readonly offset: number) {
    super(message);
  }
}

/** Throws a {@link PatternError} that says what is wrong, where, and how to fix it. */
export function fail(source: string, offset: number, what: string, fix: string): never {
  throw new PatternError(`"${source}" ${what} at character ${offset + 1} — ${fix}`, source, offset);
}
