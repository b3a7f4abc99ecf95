/**
 * @module workflows/k8s-errors — the one place where Kubernetes client failures become framegate errors.
 * `ApiException.body` is the raw response text (a JSON `Status`); it is parsed here and nowhere else.
 */
import { NonRetriableError, RetryAfterError } from "../lib/errors.js";
import { parseStatus } from "../lib/kube-status.js";

export { parseStatus, type KubeStatus } from "../lib/kube-status.js";

/** `Retry-After` in seconds (or an HTTP date) to milliseconds. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.max(0, Math.round(secs * 1000));
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The outcome of a failed create: it already exists, or an error the consumer knows how to handle. */
export type TranslatedFailure = { kind: "exists" } | { kind: "error"; error: Error; reason: string };

/**
 * Translates anything the client threw during a create.
 * 409 AlreadyExists -> exists; 429 -> retry after; 5xx/timeouts/connection errors -> retry;
 * 400/422 -> non-retriable (the object itself is wrong); 401/403/404 -> retry (fixable by an operator,
 * dead-lettered after the consumer's max deliveries).
 */
export function translateCreateError(e: unknown, what: string): TranslatedFailure {
  const ex = e as { code?: unknown; body?: unknown; headers?: Record<string, string>; name?: string; type?: string; message?: string };
  if (typeof ex?.code === "number" && ex.code >= 100 && ex.code < 600) {
    const code = ex.code;
    const st = parseStatus(ex.body);
    const detail = st.message ?? `HTTP ${code}`;
    if (code === 409 && (st.reason === "AlreadyExists" || st.reason === undefined)) return { kind: "exists" };
    if (code === 429) {
      const ms = retryAfterMs(ex.headers?.["retry-after"] ?? ex.headers?.["Retry-After"]);
      return { kind: "error", reason: "throttled", error: new RetryAfterError(`Kubernetes throttled the create of ${what} (429): ${detail}`, ms, { cause: e, reason: "throttled" }) };
    }
    if (code === 400 || code === 422) {
      return { kind: "error", reason: "invalid", error: new NonRetriableError(`Kubernetes rejected ${what} (${code} ${st.reason ?? "Invalid"}): ${detail}`, undefined, { cause: e }) };
    }
    if (code === 401 || code === 403) {
      return { kind: "error", reason: "forbidden", error: new RetryAfterError(`Kubernetes refused the create of ${what} (${code} ${st.reason ?? ""}): ${detail} — check the gateway's ServiceAccount and Role`, undefined, { cause: e, reason: "forbidden" }) };
    }
    if (code === 404) {
      return { kind: "error", reason: "not-found", error: new RetryAfterError(`Kubernetes has no place for ${what} (404): ${detail} — is the namespace there and are Argo's CRDs installed?`, undefined, { cause: e, reason: "not-found" }) };
    }
    return { kind: "error", reason: code >= 500 ? "server-error" : `http-${code}`, error: new RetryAfterError(`Kubernetes failed the create of ${what} (${code}): ${detail}`, retryAfterMs(ex.headers?.["retry-after"]), { cause: e, reason: code >= 500 ? "server-error" : `http-${code}` }) };
  }
  const msg = ex?.message ?? String(e);
  const timeout = ex?.name === "AbortError" || ex?.type === "aborted" || /timed? ?out|aborted/i.test(msg);
  return {
    kind: "error",
    reason: timeout ? "timeout" : "connection",
    error: new RetryAfterError(`Kubernetes API ${timeout ? "timed out" : "unreachable"} creating ${what}: ${msg}`, undefined, { cause: e, reason: timeout ? "timeout" : "connection" }),
  };
}
