/**
 * @module rules/crd-schema — a zod schema turned into the structural OpenAPI v3 schema of a CRD, so the
 * rule format has one source of truth. Structural: every node has a type, objects list their
 * properties (unknown fields are pruned, or refused under strict field validation), no
 * `x-kubernetes-preserve-unknown-fields`. Defaults are left out on purpose (they stay in the gateway;
 * a default in a CRD shows up as drift in GitOps tools). Refinements travel as their CEL forms, in the
 * zod schema's `x-kubernetes-validations` metadata.
 */
import { z } from "zod";
import { FramegateError } from "../lib/errors.js";

/** An OpenAPI v3 schema node as a CRD holds it. */
export type OpenApiSchema = { [key: string]: unknown };

/** A zod construct that a structural schema cannot say; names the path so the schema can be changed. */
export class CrdSchemaError extends FramegateError {
  override name = "CrdSchemaError";
}

interface Def {
  type: string;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  shape?: Record<string, unknown>;
  element?: unknown;
  valueType?: unknown;
  options?: unknown[];
  discriminator?: string;
  values?: unknown[];
  entries?: Record<string, unknown>;
  checks?: { _zod: { def: CheckDef } }[];
}

interface CheckDef {
  check: string;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}

const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;
const checksOf = (s: unknown): CheckDef[] => (defOf(s).checks ?? []).map((c) => c._zod.def);

/** The node and whether its field may be left out (optional or defaulted). */
interface Converted {
  schema: OpenApiSchema;
  optional: boolean;
}

function withMeta(s: unknown, out: OpenApiSchema): OpenApiSchema {
  const meta = z.globalRegistry.get(s as z.ZodType) as Record<string, unknown> | undefined;
  if (meta?.description !== undefined) out.description = meta.description;
  const rules = meta?.["x-kubernetes-validations"];
  if (Array.isArray(rules)) out["x-kubernetes-validations"] = [...((out["x-kubernetes-validations"] as unknown[]) ?? []), ...rules];
  return out;
}

function stringNode(s: unknown): OpenApiSchema {
  const out: OpenApiSchema = { type: "string" };
  for (const c of checksOf(s)) {
    if (c.check === "min_length") out.minLength = c.minimum;
    else if (c.check === "max_length") out.maxLength = c.maximum;
    else if (c.check === "string_format" && c.pattern) out.pattern = c.pattern.source;
  }
  return out;
}

function numberNode(s: unknown): OpenApiSchema {
  const out: OpenApiSchema = { type: "number" };
  for (const c of checksOf(s)) {
    if (c.check === "number_format" && (c.format === "safeint" || c.format?.startsWith("int"))) out.type = "integer";
    else if (c.check === "greater_than") Object.assign(out, { minimum: c.value }, c.inclusive ? {} : { exclusiveMinimum: true });
    else if (c.check === "less_than") Object.assign(out, { maximum: c.value }, c.inclusive ? {} : { exclusiveMaximum: true });
  }
  return out;
}

/** Two objects of a discriminated union as one: properties of both, required only where both require. */
function mergeObjects(a: OpenApiSchema, b: OpenApiSchema, path: string): OpenApiSchema {
  if (a.type !== "object" || b.type !== "object") {
    if (JSON.stringify(a) === JSON.stringify(b)) return a;
    if (a.type === "string" && b.type === "string" && Array.isArray(a.enum) && Array.isArray(b.enum)) return { ...a, enum: [...new Set([...a.enum, ...b.enum])] };
    throw new CrdSchemaError(`${path}: the union's members give this field different types — a structural schema needs one`);
  }
  const pa = (a.properties ?? {}) as Record<string, OpenApiSchema>;
  const pb = (b.properties ?? {}) as Record<string, OpenApiSchema>;
  const properties: Record<string, OpenApiSchema> = { ...pa };
  for (const [k, v] of Object.entries(pb)) properties[k] = pa[k] ? mergeObjects(pa[k], v, `${path}.${k}`) : v;
  const ra = (a.required ?? []) as string[];
  const rb = new Set((b.required ?? []) as string[]);
  const out: OpenApiSchema = { type: "object", properties };
  const required = ra.filter((k) => rb.has(k));
  if (required.length > 0) out.required = required;
  const rules = [...((a["x-kubernetes-validations"] as unknown[]) ?? []), ...((b["x-kubernetes-validations"] as unknown[]) ?? [])];
  if (rules.length > 0) out["x-kubernetes-validations"] = rules;
  return out;
}

function convert(s: unknown, path: string): Converted {
  const def = defOf(s);
  switch (def.type) {
    case "optional":
    case "default":
    case "prefault": {
      const inner = convert(def.innerType, path);
      return { schema: withMeta(s, inner.schema), optional: true };
    }
    case "pipe": {
      // z.preprocess(f, x) is pipe(transform, x); x.transform(f) is pipe(x, transform): the input side is what is written
      const side = defOf(def.in).type === "transform" ? def.out : def.in;
      const inner = convert(side, path);
      return { schema: withMeta(s, inner.schema), optional: inner.optional };
    }
    case "string":
      return { schema: withMeta(s, stringNode(s)), optional: false };
    case "number":
      return { schema: withMeta(s, numberNode(s)), optional: false };
    case "boolean":
      return { schema: withMeta(s, { type: "boolean" }), optional: false };
    case "literal":
    case "enum": {
      const values = def.type === "literal" ? def.values! : Object.values(def.entries!);
      if (!values.every((v) => typeof v === "string")) throw new CrdSchemaError(`${path}: only text literals and enums are supported`);
      return { schema: withMeta(s, { type: "string", enum: values }), optional: false };
    }
    case "array": {
      const out: OpenApiSchema = { type: "array", items: convert(def.element, `${path}[]`).schema };
      for (const c of checksOf(s)) {
        if (c.check === "min_length") out.minItems = c.minimum;
        else if (c.check === "max_length") out.maxItems = c.maximum;
      }
      return { schema: withMeta(s, out), optional: false };
    }
    case "record":
      return { schema: withMeta(s, { type: "object", additionalProperties: convert(def.valueType, `${path}.*`).schema }), optional: false };
    case "object": {
      const properties: Record<string, OpenApiSchema> = {};
      const required: string[] = [];
      for (const [k, v] of Object.entries(def.shape ?? {})) {
        const c = convert(v, `${path}.${k}`);
        properties[k] = c.schema;
        if (!c.optional) required.push(k);
      }
      const out: OpenApiSchema = { type: "object", properties };
      if (required.length > 0) out.required = required;
      return { schema: withMeta(s, out), optional: false };
    }
    case "union": {
      const members = def.options!.map((o, i) => convert(o, `${path}|${i}`).schema);
      const types = members.map((m) => m.type).sort().join(",");
      if (types === "integer,string") {
        const str = members.find((m) => m.type === "string")!;
        return { schema: withMeta(s, { "x-kubernetes-int-or-string": true, ...(str.pattern ? { pattern: str.pattern } : {}) }), optional: false };
      }
      if (members.every((m) => m.type === "object")) return { schema: withMeta(s, members.reduce((a, b) => mergeObjects(a, b, path))), optional: false };
      throw new CrdSchemaError(`${path}: a union of ${types} has no structural form — use one type (or text and a whole number, as quantities do)`);
    }
    default:
      throw new CrdSchemaError(`${path}: zod type "${def.type}" has no structural form`);
  }
}

/**
 * The structural OpenAPI v3 schema of a zod schema (the input side: what a person writes).
 * @throws CrdSchemaError naming the path of a construct a structural schema cannot say
 * @example openApiSchema(pipelineSpecSchema) // { type: "object", properties: { trigger: ..., ... }, required: [...] }
 */
export function openApiSchema(schema: z.ZodType): OpenApiSchema {
  return convert(schema, "").schema;
}
