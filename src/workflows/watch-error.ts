/**
 * @module workflows/watch-error — what a failed list or watch of Workflows means, and what to do about it, for
 * the informer's retry log.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { parseStatus } from "./k8s-errors.js";

/**
 * What went wrong with a list or watch, and what to do: list errors are client-node ApiExceptions (`code`,
 * JSON `body`), watch errors carry `statusCode`, connection failures neither.
 */
export function describeWatchError(err: unknown, namespace: string, kc?: KubeConfig): string {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: string } | undefined;
  const code = typeof e?.code === "number" ? e.code : typeof e?.statusCode === "number" ? e.statusCode : undefined;
  const what = `listing/watching Workflows in namespace "${namespace}"`;
  if (code !== undefined) {
    const detail = parseStatus(e?.body).message ?? e?.message ?? `HTTP ${code}`;
    if (code === 401 || code === 403) {
      return `Kubernetes refused ${what} (${code}): ${detail} — grant the gateway's ServiceAccount get, list and watch on workflows.argoproj.io in "${namespace}"`;
    }
    if (code === 404) return `Kubernetes has no Workflows in "${namespace}" (404): ${detail} — are Argo's CRDs installed and does the namespace exist?`;
    return `Kubernetes failed ${what} (${code}): ${detail}`;
  }
  const server = kc?.getCurrentCluster()?.server ?? "the Kubernetes API";
  return `cannot reach ${server} ${what}: ${e?.message ?? String(err)}`;
}
