/**
 * @module rules/legacy-form — the documents written before the `framegate.io/v1alpha1` resources
 * (`apiVersion: framegate/v1`): read as their new form, with a warning that lists exactly the edits
 * that migrate the file. The edits are the ones a resource needs: what is not Kubernetes ObjectMeta
 * moves into `spec`, and parameter values become text (one type per field in the CRD's schema).
 */
import type { Issue } from "../lib/errors.js";
import { SERVICE_KIND } from "./catalog-schema.js";
import { API_VERSION, LEGACY_API_VERSION } from "./schema.js";
import type { YamlDoc } from "./yaml-source.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Whether a document is in the legacy form. */
export function isLegacy(data: unknown): boolean {
  return isObj(data) && data.apiVersion === LEGACY_API_VERSION;
}

/** Quotes the number and boolean values of a mapping in place; returns how many it changed. */
function quoteScalars(m: unknown, pick: (v: unknown) => unknown = (v) => v, set?: (o: Obj, v: string) => void): number {
  if (!isObj(m)) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(m)) {
    const target = pick(v);
    if (typeof target === "number" || typeof target === "boolean") {
      if (set && isObj(v)) set(v, String(target));
      else m[k] = String(target);
      n++;
    }
  }
  return n;
}

/** Moves `metadata[field]` to `spec[field]`; true when it did. */
function moveToSpec(doc: Obj, field: string): boolean {
  const meta = doc.metadata;
  if (!isObj(meta) || !(field in meta)) return false;
  if (!isObj(doc.spec)) doc.spec = {};
  (doc.spec as Obj)[field] = meta[field];
  delete meta[field];
  return true;
}

function warning(doc: YamlDoc, edits: string[]): Issue {
  const at = doc.pos(["apiVersion"]);
  return {
    file: doc.file,
    ...at,
    path: "apiVersion",
    message: `"${LEGACY_API_VERSION}" is the old form, still read but not accepted by Kubernetes — to migrate: ${edits.join("; ")}`,
  };
}

/**
 * A legacy Pipeline document as its new form, and the warning that says how to migrate the file.
 * @example migratePipeline(doc) // { data: { apiVersion: "framegate.io/v1alpha1", ... }, warning }
 */
export function migratePipeline(doc: YamlDoc): { doc: YamlDoc; warning: Issue } {
  const data = structuredClone(doc.data) as Obj;
  data.apiVersion = API_VERSION;
  const edits = [`set apiVersion: ${API_VERSION}`];
  if (moveToSpec(data, "description")) edits.push("move metadata.description to spec.description");
  const workflow = isObj(data.spec) && isObj(data.spec.workflow) ? data.spec.workflow : {};
  let quoted = quoteScalars(workflow.parameters);
  if (Array.isArray(workflow.steps)) for (const s of workflow.steps) quoted += isObj(s) ? quoteScalars(s.params) : 0;
  if (quoted > 0) edits.push(`quote the ${quoted} number/boolean value${quoted === 1 ? "" : "s"} under spec.workflow.parameters and steps[].params (640 -> "640")`);
  return { doc: { ...doc, data }, warning: warning(doc, edits) };
}

/**
 * A legacy catalog entry (`kind: Service`) as its new form (`kind: ProcessingService`), and the warning.
 */
export function migrateService(doc: YamlDoc): { doc: YamlDoc; warning: Issue } {
  const data = structuredClone(doc.data) as Obj;
  data.apiVersion = API_VERSION;
  const edits = [`set apiVersion: ${API_VERSION}`];
  if (data.kind === "Service") {
    data.kind = SERVICE_KIND;
    edits.push(`set kind: ${SERVICE_KIND}`);
  }
  const moved = ["description", "category"].filter((f) => moveToSpec(data, f));
  if (moved.length > 0) edits.push(`move ${moved.map((f) => `metadata.${f}`).join(" and ")} to spec`);
  const params = isObj(data.spec) ? data.spec.params : undefined;
  const quoted = quoteScalars(params, (p) => (isObj(p) ? p.default : undefined), (p, v) => (p.default = v));
  if (quoted > 0) edits.push(`quote the ${quoted} number/boolean default${quoted === 1 ? "" : "s"} under spec.params (640 -> "640")`);
  return { doc: { ...doc, data }, warning: warning(doc, edits) };
}
