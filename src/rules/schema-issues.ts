/**
 * @module rules/schema-issues — zod validation problems turned into issues for people: the position of
 * the offending node, the path, and a message that says what is wrong (unknown fields point at the key,
 * with a "did you mean" for near-misses).
 */
import type { z } from "zod";
import type { Issue } from "../lib/errors.js";
import { suggest } from "./suggest.js";
import { formatPath, type PathKey } from "../lib/format-path.js";
import type { YamlDoc } from "./yaml-source.js";

/** The few zod 4 schema internals needed to know which fields are valid at a path. */
interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  options?: unknown[];
  discriminator?: string;
  valueType?: unknown;
  element?: unknown;
}

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** Strips wrappers (optional, default, preprocess/transform pipes) and picks a union member by its discriminator. */
function unwrap(schema: unknown, data: unknown): unknown {
  for (let i = 0; i < 20; i++) {
    const def = defOf(schema);
    if (!def) return schema;
    if (def.innerType !== undefined) schema = def.innerType;
    else if (def.type === "pipe") schema = defOf(def.out)?.type === "transform" ? def.in : def.out;
    else if (def.type === "union" && def.options) {
      const d = def.discriminator;
      const value = d && data && typeof data === "object" ? (data as Record<string, unknown>)[d] : undefined;
      schema =
        def.options.find((o) => {
          const lit = defOf(unwrap(o, undefined))?.shape?.[d ?? ""];
          const values = (defOf(lit) as { values?: unknown[] } | undefined)?.values;
          return values?.includes(value ?? "minio");
        }) ?? def.options[0];
    } else return schema;
  }
  return schema;
}

/** The field names the schema allows for the mapping at `path` (empty when unknown). */
export function fieldsAt(schema: unknown, path: readonly PathKey[], data: unknown): string[] {
  let s = unwrap(schema, data);
  let d = data;
  for (const k of path) {
    const def = defOf(s);
    d = d && typeof d === "object" ? (d as Record<string | number, unknown>)[k] : undefined;
    if (def?.type === "object") s = def.shape?.[String(k)];
    else if (def?.type === "record") s = def.valueType;
    else if (def?.type === "array") s = def.element;
    else return [];
    s = unwrap(s, d);
  }
  return Object.keys(defOf(s)?.shape ?? {});
}

function valueAt(data: unknown, path: readonly PathKey[]): unknown {
  let d = data;
  for (const k of path) {
    if (!d || typeof d !== "object") return undefined;
    d = (d as Record<string | number, unknown>)[k];
  }
  return d;
}

/** How a YAML value reads to a person: `text "abc"`, `a number (3)`, `a list`, ... */
export function describeValue(v: unknown): string {
  if (v === null) return "an empty value";
  if (Array.isArray(v)) return "a list";
  switch (typeof v) {
    case "string":
      return `text ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
    case "number":
      return `a number (${v})`;
    case "boolean":
      return `${v}`;
    case "object":
      return "a mapping";
    default:
      return String(v);
  }
}

const EXPECTED: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

function expectedText(e: unknown): string {
  return EXPECTED[String(e)] ?? String(e);
}

function orList(xs: string[]): string {
  return xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`;
}

/** A message that restates the field name ("apiVersion must be ...") has the name printed already by the path. */
function stripSubject(message: string, path: readonly PathKey[]): string {
  const full = formatPath(path);
  const last = path.length > 0 ? String(path[path.length - 1]) : "";
  for (const subject of [full, last]) {
    if (subject && message.startsWith(subject + " ")) return message.slice(subject.length + 1);
  }
  return message;
}

type ZodIssue = z.core.$ZodIssue;

/** Fields the legacy form kept in metadata that the resources keep in spec. */
const MOVED_TO_SPEC = ["description", "category"];

function messageFor(issue: ZodIssue, data: unknown): string {
  const value = valueAt(data, issue.path as PathKey[]);
  const custom = !issue.message.startsWith("Invalid") && !issue.message.startsWith("Too ");
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return `required field is missing (expected ${expectedText(issue.expected)})`;
      if (custom) return `${stripSubject(issue.message, issue.path as PathKey[])}, got ${describeValue(value)}`;
      return `expected ${expectedText(issue.expected)}, got ${describeValue(value)}`;
    case "invalid_union": {
      if (custom) return stripSubject(issue.message, issue.path as PathKey[]);
      if ("options" in issue && Array.isArray(issue.options)) {
        return `must be ${orList(issue.options.map((o) => JSON.stringify(o)))}, got ${describeValue(value)}`;
      }
      const expected = issue.errors.flatMap((branch) => branch.filter((b) => b.code === "invalid_type" && b.path.length === 0).map((b) => expectedText((b as { expected: unknown }).expected)));
      if (expected.length > 0) return `expected ${orList([...new Set(expected)])}, got ${describeValue(value)}`;
      return issue.message;
    }
    case "invalid_value": {
      if (custom) return `${stripSubject(issue.message, issue.path as PathKey[])}${value === undefined ? " (it is missing)" : `, got ${describeValue(value)}`}`;
      const allowed = issue.values.map((v) => String(v));
      const close = typeof value === "string" ? suggest(value, allowed) : undefined;
      const got = value === undefined ? "it is missing" : `got ${describeValue(value)}`;
      return `must be ${orList(allowed.map((v) => JSON.stringify(v)))}, ${got}${close ? ` — did you mean "${close}"?` : ""}`;
    }
    case "invalid_format":
      return `${describeValue(value)} ${custom ? stripSubject(issue.message, issue.path as PathKey[]) : `does not have the expected format (${issue.format}${"pattern" in issue ? ` ${String(issue.pattern)}` : ""})`}`;
    case "too_small":
    case "too_big": {
      if (custom) return stripSubject(issue.message, issue.path as PathKey[]);
      const n = String(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const dir = issue.code === "too_small" ? "at least" : "at most";
      const exclusive = issue.inclusive === false ? (issue.code === "too_small" ? "more than" : "less than") : dir;
      if (issue.origin === "string") return `must have ${dir} ${n} character${n === "1" ? "" : "s"}, got ${describeValue(value)}`;
      if (issue.origin === "array" || issue.origin === "set") return `must have ${dir} ${n} item${n === "1" ? "" : "s"}`;
      return `must be ${exclusive} ${n}, got ${describeValue(value)}`;
    }
    case "invalid_key": {
      const reasons = issue.issues.map((i) => i.message).join("; ");
      return `invalid name ${JSON.stringify(issue.path[issue.path.length - 1])}: ${reasons}`;
    }
    default:
      return stripSubject(issue.message, issue.path as PathKey[]);
  }
}

/**
 * Converts zod issues of one document into positioned issues.
 * `schema` is the schema that was validated (used to list the known fields for unknown ones).
 */
export function schemaIssues(zodIssues: readonly ZodIssue[], doc: YamlDoc, schema: unknown): Issue[] {
  const out: Issue[] = [];
  /** a missing field that an unknown one is probably a misspelling of is reported once, as the unknown one */
  const misspelt = new Set<string>();
  for (const zi of zodIssues) {
    const path = zi.path.filter((k): k is PathKey => typeof k !== "symbol");
    if (zi.code === "unrecognized_keys") {
      const known = fieldsAt(schema, path, doc.data);
      for (const key of zi.keys) {
        const close = suggest(key, known);
        if (close !== undefined) misspelt.add(formatPath([...path, close]));
        const moved = formatPath(path) === "metadata" && MOVED_TO_SPEC.includes(key);
        const hint = moved
          ? ` — move it to spec.${key}: metadata holds only Kubernetes ObjectMeta (${known.join(", ")})`
          : close !== undefined ? ` — did you mean "${close}"?` : known.length > 0 ? ` — remove it; fields here: ${known.join(", ")}` : " — remove it";
        out.push({ file: doc.file, ...doc.pos([...path, key], "key"), path: formatPath([...path, key]), message: `unknown field "${key}"${hint}` });
      }
      continue;
    }
    const at = zi.code === "invalid_key" ? "key" : "value";
    const message = path.length === 0 && zi.code === "invalid_type" ? `a document must be a mapping (apiVersion, kind, metadata, spec), got ${describeValue(doc.data)}` : messageFor(zi, doc.data);
    out.push({ file: doc.file, ...doc.pos(path, at), path: formatPath(path), message });
  }
  return out.filter((i) => !(misspelt.has(i.path) && i.message.startsWith("required field is missing")));
}
