/**
 * @module web/api/client — `fetch` for the gateway's `/api`: adds the bearer token, parses JSON, and
 * turns an error answer into an {@link ApiError} carrying the gateway's own message (which says what
 * to fix). A 401 also tells {@link onUnauthorized} listeners, so the page can ask for a token.
 */
import { getToken } from "./token.js";

/** The gateway answered with an error status; `message` is its `error` text. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    /** the parsed body, when it was JSON (422 answers carry `issues`) */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

const unauthorized = new Set<() => void>();

/** Called whenever the gateway answers 401 (missing or wrong token). Returns the unsubscribe function. */
export function onUnauthorized(fn: () => void): () => void {
  unauthorized.add(fn);
  return () => unauthorized.delete(fn);
}

/** Options of {@link api}: a method and a body (JSON-encoded unless it is a string). */
export interface ApiOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** statuses answered with their JSON body instead of an ApiError (422 issues, 412 exists) */
  accept?: number[];
}

/**
 * Calls `/api<path>` and returns the JSON answer.
 * @throws ApiError for error statuses (not in `accept`) and for unreachable gateways (status 0)
 * @example const { pipelines } = await api<PipelinesBody>("/pipelines");
 */
export async function api<T>(path: string, opts: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["Content-Type"] ??= typeof opts.body === "string" ? "text/plain; charset=utf-8" : "application/json";
  }
  let res: Response;
  try {
    res = await fetch(`/api${path}`, { method: opts.method ?? "GET", headers, ...(body !== undefined && { body }), ...(opts.signal && { signal: opts.signal }) });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, `the gateway did not answer (${(e as Error).message}); is it running and reachable?`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok || opts.accept?.includes(res.status)) return json as T;
  if (res.status === 401) for (const fn of unauthorized) fn();
  const message = (json as { error?: string } | undefined)?.error ?? `HTTP ${res.status} ${res.statusText}`;
  throw new ApiError(res.status, message, json);
}
