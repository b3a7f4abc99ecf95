/**
 * @module lib/kube-status — the JSON `Status` body of a Kubernetes API error. `ApiException.body` is the
 * raw response text; every client boundary (workflows, rules) parses it with this one function.
 */

/** A cause of a refusal: the field path (`spec.trigger.bucket`) and what is wrong with it. */
export interface KubeStatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

/** The parts of a Kubernetes `Status` framegate uses. */
export interface KubeStatus {
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; causes?: KubeStatusCause[] };
}

/** The Status in an error body (JSON text or an object); a body that is no JSON becomes its message. */
export function parseStatus(body: unknown): KubeStatus {
  if (body && typeof body === "object") return body as KubeStatus;
  if (typeof body !== "string" || body === "") return {};
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === "object" ? (v as KubeStatus) : { message: body.slice(0, 500) };
  } catch {
    return { message: body.slice(0, 500) };
  }
}
