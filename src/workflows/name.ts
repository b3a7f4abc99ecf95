/**
 * @module workflows/name — deterministic Workflow names and label-safe values.
 * The name is the idempotency key of a submission: a redelivered event renders the same name, so
 * the API server answers 409 and the work is not done twice.
 */
import { createHash } from "node:crypto";

/** Kubernetes names of Workflows framegate creates: at most this long (a DNS-1123 label, so pod names derive cleanly). */
export const MAX_NAME_LENGTH = 63;
const HASH_LENGTH = 10;
const MAX_PIPELINE_PART = 30;

/** Lowercase DNS-1123 label text: runs of anything else become one '-', no '-' at either end. */
function dnsPart(text: string, max: number): string {
  const s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // "é" -> "e"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "");
  return s.slice(0, max).replace(/-+$/, "");
}

/**
 * The Workflow name for a pipeline and the events it processes:
 * `<pipeline>-<camera>-<10 hex of sha256(pipeline + sorted event ids)>`, at most 63 characters,
 * a valid DNS-1123 label (and so subdomain). Event order does not matter; the camera only makes
 * the name readable — the hash alone decides identity.
 * @example workflowName("people-detect", ["raw/gate-01/a.jpg@9b2c"], "gate-01") // "people-detect-gate-01-4be1c0d2a7"
 */
export function workflowName(pipeline: string, eventIds: readonly string[], camera?: string): string {
  const ids = [...eventIds].sort();
  const hash = createHash("sha256")
    .update(pipeline)
    .update("\0")
    .update(ids.join("\0"))
    .digest("hex")
    .slice(0, HASH_LENGTH);
  const p = dnsPart(pipeline, MAX_PIPELINE_PART);
  const room = MAX_NAME_LENGTH - (HASH_LENGTH + 1) - (p ? p.length + 1 : 0);
  const c = camera ? dnsPart(camera, room) : "";
  return [p, c, hash].filter(Boolean).join("-");
}

/** A Kubernetes label value: at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends (or empty). */
export const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Makes any text a valid label value: other characters become '-', cut to 63, trimmed to
 * alphanumerics at both ends. Returns "" when nothing usable is left (leave the label out then).
 * Lossy on purpose — keep the raw text in an annotation.
 * @example labelValue("Gate #7 (north)") // "Gate-7-north"
 */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 63)
    .replace(/[^A-Za-z0-9]+$/, "");
}
