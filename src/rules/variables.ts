/**
 * @module rules/variables — which template variables (`{name}`) a trigger can provide, and the message
 * for one it never can. Used by the loader to reject such templates and by patterns to keep captures
 * from hiding built-in names.
 */
import { suggest } from "./suggest.js";

/** Variables of every object (MinIO) event. `camera` may be empty: see the matcher. */
export const OBJECT_VARIABLES = [
  "bucket", "key", "file", "dir", "camera", "etag", "size", "eventName", "eventTime", "versionId", "contentType",
] as const;

/** Variables of every webhook event, besides `body.<path>`. */
export const HOOK_VARIABLES = ["hook", "id", "receivedAt"] as const;

/** Variables a batch adds (`select.batch`): `keys` is a JSON array, `count` the number of events. */
export const BATCH_VARIABLES = ["keys", "count"] as const;

/**
 * Names a key-pattern capture may not take because a built-in variable already has them.
 * `camera` is allowed on purpose: a `{camera}` capture is how a pattern names the camera.
 */
export const RESERVED_CAPTURE_NAMES: ReadonlySet<string> = new Set<string>(
  [...OBJECT_VARIABLES, ...HOOK_VARIABLES, ...BATCH_VARIABLES, "body"].filter((n) => n !== "camera"),
);

/** What is known where a template is rendered. */
export interface VariableScope {
  source: "minio" | "webhook";
  /** named captures of the trigger's key pattern */
  captures: readonly string[];
  /** true when `select.batch` is set and the template is rendered per Workflow (not `select.by`) */
  batch: boolean;
  /** true for `select.by`: rendered per event, before any batch exists */
  partition?: boolean;
}

const BODY_PATH_RE = /^body(\.[^.]+)+$/;

/** The plain variable names available in a scope (`body.<path>` aside). */
export function availableVariables(scope: VariableScope): string[] {
  const base: string[] = scope.source === "minio" ? [...OBJECT_VARIABLES, ...scope.captures] : [...HOOK_VARIABLES];
  if (scope.batch && !scope.partition) base.push(...BATCH_VARIABLES);
  return [...new Set(base)];
}

/** Why `{name}` can never have a value in this scope, as a message for people; null when it can. */
export function variableProblem(name: string, scope: VariableScope): string | null {
  const available = availableVariables(scope);
  if (available.includes(name)) return null;
  if (scope.source === "webhook" && BODY_PATH_RE.test(name)) return null;
  if (name === "body" || name.startsWith("body.")) {
    return scope.source === "webhook"
      ? `{${name}} is not a field path — name a field of the posted JSON, e.g. {body.camera} or {body.device.id}`
      : `{${name}} is only provided by webhook triggers (source: webhook); object events have no body`;
  }
  if ((BATCH_VARIABLES as readonly string[]).includes(name)) {
    return scope.partition
      ? `{${name}} is only known once a batch is complete, so it cannot partition events — use a per-event variable such as {camera}`
      : `{${name}} is only set for batches — add select.batch ({ size, window }) or remove {${name}}`;
  }
  if (scope.source === "webhook" && (OBJECT_VARIABLES as readonly string[]).includes(name)) {
    return `webhook events have no {${name}} — use a field of the posted JSON such as {body.${name}}`;
  }
  if (scope.source === "minio" && (HOOK_VARIABLES as readonly string[]).includes(name)) {
    return `{${name}} is only provided by webhook triggers; object events provide ${available.map((v) => `{${v}}`).join(", ")}`;
  }
  const close = suggest(name, available);
  const hint = close === undefined ? "" : ` — did you mean {${close}}?`;
  const captureHint = scope.source === "minio" ? " (or capture it in spec.trigger.key, e.g. \"{camera}/{" + name + "}/*.jpg\")" : "";
  return `{${name}} is not provided by this trigger${hint} Available: ${available.map((v) => `{${v}}`).join(", ")}${
    scope.source === "webhook" ? ", {body.<path>}" : ""
  }${close === undefined ? captureHint : ""}`;
}
