/**
 * @module lib/format-path — a path into a document the way every framegate issue prints it
 * (`spec.workflow.steps[0].params.width`, `where.fields["device.kind"]`). Imports nothing: the gateway's
 * rule and event checks and the dashboard (which places issues on form fields by this text) share it.
 */

/** One step into a document: a key or a list index. */
export type PathKey = string | number;

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Formats `path` after `prefix`: indexes as `[0]`, plain names joined with `.`, other keys quoted.
 * @example formatPath(["spec", "steps", 0, "params", "width"]) // "spec.steps[0].params.width"
 * @example formatPath(["fields", "device.kind"]) // 'fields["device.kind"]'
 * @example formatPath(["camera"], "body") // "body.camera"
 */
export function formatPath(path: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else if (typeof k === "string" && IDENT_RE.test(k)) out += out === "" ? k : `.${k}`;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}
