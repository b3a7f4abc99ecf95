/** @module lib/errors — the error hierarchy; classified by what the consumer must do with the message. */

/** Base of every error framegate raises on purpose. */
export class FramegateError extends Error {
  override name = "FramegateError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One problem in a rule or service file, with the position of the offending node. */
export interface Issue {
  file: string;
  line: number;
  col: number;
  /** dot path into the document, e.g. `spec.trigger.key` */
  path: string;
  message: string;
}

/** Formats an issue as `FILE:LINE:COL: path.to.field: message`. */
export function formatIssue(i: Issue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.path || "(document)"}: ${i.message}`;
}

/** Sorts issues in place by file, line and column (the order people read a file in) and returns them. */
export function sortIssues(issues: Issue[]): Issue[] {
  return issues.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}

/** Rule or catalog files failed validation; `issues` lists every problem found. */
export class RuleError extends FramegateError {
  override name = "RuleError";
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join("\n"));
  }
}

/** The input is not an event framegate understands: terminate and dead-letter, never retry. */
export class BadEventError extends FramegateError {
  override name = "BadEventError";
  constructor(message: string, readonly subject?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Retrying can never succeed (422 Invalid, 403 Forbidden, ...): terminate and dead-letter. */
export class NonRetriableError extends FramegateError {
  override name = "NonRetriableError";
  constructor(message: string, readonly pipeline?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Try again later; `retryAfterMs` when the server said how long (429 Retry-After). */
export class RetryAfterError extends FramegateError {
  override name = "RetryAfterError";
  /** short label for metrics: throttled, server-error, timeout, connection, ... */
  readonly reason: string;
  constructor(message: string, readonly retryAfterMs?: number, options?: { cause?: unknown; reason?: string }) {
    super(message, options);
    this.reason = options?.reason ?? "error";
  }
}

/** Bad configuration (environment, flags): printed as `NAME: message` lines. */
export class ConfigError extends FramegateError {
  override name = "ConfigError";
  constructor(readonly problems: { name: string; message: string }[]) {
    super(problems.map((p) => `${p.name}: ${p.message}`).join("\n"));
  }
}

/** NATS/JetStream could not take or give a message now (down, no responders, timeout). */
export class StreamUnavailableError extends FramegateError {
  override name = "StreamUnavailableError";
}

/** JetStream refused the message because the stream is at its byte (or message) limit: retry once it drained. */
export class StreamFullError extends StreamUnavailableError {
  override name = "StreamFullError";
}
