/**
 * @module storage/admin-errors — what MinIO's admin API answered, as errors that say what to do. MinIO's
 * error bodies are JSON `{ Code, Message, ... }`; {@link translateAdminError} is the one place they are read.
 */
import { FramegateError } from "../lib/errors.js";

/** Base: a MinIO admin call failed. `code` is MinIO's (e.g. `XMinioAdminNoSuchUser`), `status` the HTTP one. */
export class StorageAdminError extends FramegateError {
  override name = "StorageAdminError";
  constructor(
    message: string,
    readonly operation: string,
    readonly code?: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The credentials are wrong, or may not do this (root or an admin policy is needed). */
export class StorageAccessError extends StorageAdminError {
  override name = "StorageAccessError";
}

/** The user or policy named does not exist. */
export class StorageNotFoundError extends StorageAdminError {
  override name = "StorageNotFoundError";
}

/** MinIO refused the request itself (bad name, body it could not decrypt or parse): retrying will not help. */
export class StorageRequestError extends StorageAdminError {
  override name = "StorageRequestError";
}

/** MinIO could not be reached, timed out, or failed (5xx): a retry may help. */
export class StorageUnavailableError extends StorageAdminError {
  override name = "StorageUnavailableError";
}

const ACCESS = new Set(["AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "RequestTimeTooSkewed"]);
const NOT_FOUND = new Set(["XMinioAdminNoSuchUser", "XMinioAdminNoSuchPolicy", "XMinioAdminNoSuchGroup"]);

/** Per code: why it happened and how to fix it, where MinIO's message alone does not say. */
const HINTS: Record<string, string> = {
  AccessDenied: "these credentials may not do this: use MinIO's root user (MINIO_ROOT_USER) or a user with an admin policy",
  InvalidAccessKeyId: "MinIO does not know this access key: check FRAMEGATE_MINIO_ACCESS_KEY",
  SignatureDoesNotMatch: "the secret key does not match the access key: check FRAMEGATE_MINIO_SECRET_KEY",
  RequestTimeTooSkewed: "this machine's clock differs from MinIO's by more than 15 minutes: fix the clock (NTP)",
  XMinioAdminConfigBadJSON:
    "MinIO could not decrypt or parse the encrypted request body: it is encrypted with the caller's secret key, so check that FRAMEGATE_MINIO_SECRET_KEY belongs to FRAMEGATE_MINIO_ACCESS_KEY",
  XMinioAdminNoSuchUser: "no such user: `framegate cameras list` shows the camera identities",
  XMinioAdminNoSuchPolicy: "no such policy: `framegate setup` creates framegate's policies",
  XMinioAdminInvalidAccessKey: "access keys are 3-20 characters and may not contain '=' or ','",
  XMinioAdminInvalidSecretKey: "secret keys are at least 8 characters",
  XMinioAdminResourceInvalidArgument: "a name begins or ends with a space",
  XMinioIAMActionNotAllowed: "MinIO does not allow this on that user (the root user, your own user, or a temporary/service account)",
};

/** MinIO's JSON error body, or undefined if the body is not one. */
export function parseErrorBody(text: string): { code: string; message: string } | undefined {
  try {
    const j = JSON.parse(text) as { Code?: unknown; Message?: unknown };
    if (typeof j?.Code === "string") return { code: j.Code, message: typeof j.Message === "string" ? j.Message : "" };
  } catch {
    // not JSON: a proxy's page, or an empty body
  }
  return undefined;
}

/**
 * Turns a non-2xx answer into the error class that says what to do.
 * @example throw translateAdminError("add user camera-gate-01", 403, await res.text())
 */
export function translateAdminError(operation: string, status: number, body: string): StorageAdminError {
  const parsed = parseErrorBody(body);
  const code = parsed?.code ?? `HTTP${status}`;
  const said = parsed?.message || body.slice(0, 200).trim() || `HTTP ${status}`;
  const hint = HINTS[code];
  const message = `minio: ${operation} failed: ${said} (${code})${hint ? ` — ${hint}` : ""}`;
  if (ACCESS.has(code) || status === 401 || status === 403) return new StorageAccessError(message, operation, code, status);
  if (NOT_FOUND.has(code)) return new StorageNotFoundError(message, operation, code, status);
  if (status >= 500 || status === 429 || code === "XMinioServerNotInitialized") {
    return new StorageUnavailableError(`${message} — MinIO is starting or overloaded; retry shortly`, operation, code, status);
  }
  return new StorageRequestError(message, operation, code, status);
}

/** A request that got no HTTP answer (refused, reset, timed out). */
export function connectionError(operation: string, endpoint: string, err: unknown): StorageUnavailableError {
  const e = err as Error & { cause?: { code?: string } };
  const what = e?.name === "TimeoutError" ? "timed out" : `${e?.cause?.code ?? e?.message ?? String(err)}`;
  return new StorageUnavailableError(
    `minio: ${operation} failed: no answer from ${endpoint} (${what}) — is MinIO running there, and FRAMEGATE_MINIO_ENDPOINT right?`,
    operation,
    undefined,
    undefined,
    { cause: err },
  );
}
