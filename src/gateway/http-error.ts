/** @module gateway/http-error — an error that already knows its HTTP status; the app turns it into `{"error": ...}`. */
import { FramegateError } from "../lib/errors.js";

/** Status codes the gateway answers errors with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 422 | 431 | 500 | 503;

/**
 * A request the gateway refuses. `message` is for the client: what was wrong and how to fix it,
 * never a secret. `headers` are added to the response (`Retry-After`, `WWW-Authenticate`).
 * @example throw new HttpError(401, 'missing "Authorization: Bearer <token>"', { "WWW-Authenticate": "Bearer" })
 */
export class HttpError extends FramegateError {
  override name = "HttpError";
  constructor(
    readonly status: ErrorStatus,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown; code?: string },
  ) {
    super(message, options);
    this.code = options?.code;
  }
  /** a stable word for programs (`intake-full`), sent as `code` beside `error` */
  readonly code?: string;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  code?: string;
}
