/**
 * @module rules/catalog — the service catalog (`services/<name>/service.yaml`): read, validated with
 * positions, and checked beyond the schema (name matches its folder, defaults fit their type).
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { sortIssues, type Issue } from "../lib/errors.js";
import { serviceSchema, type Service, type ServiceParam } from "./catalog-schema.js";
import { isLegacy, migrateService } from "./legacy-form.js";
import { schemaIssues } from "./schema-issues.js";
import type { Catalog } from "./types.js";
import { formatPath } from "../lib/format-path.js";
import { parseYamlDocuments, type Position } from "./yaml-source.js";

/** A file to load: its path as it should appear in issues, and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

/**
 * The catalog and where each service was declared (for "defined at" hints); `issues` empty when valid;
 * `warnings` for entries in the legacy form.
 */
export interface CatalogLoad {
  catalog: Catalog;
  issues: Issue[];
  warnings: Issue[];
  declaredAt: Map<string, { file: string } & Position>;
}

/**
 * Why `value` is not valid for a parameter, or null. Values that are templates are not checked
 * (they are only known per event).
 */
export function paramValueProblem(param: ServiceParam, value: string): string | null {
  switch (param.type) {
    case "integer":
      return /^-?\d+$/.test(value) ? null : `must be a whole number, got ${JSON.stringify(value)}`;
    case "number":
      return value.trim() !== "" && Number.isFinite(Number(value)) ? null : `must be a number, got ${JSON.stringify(value)}`;
    case "boolean":
      return value === "true" || value === "false" ? null : `must be true or false, got ${JSON.stringify(value)}`;
    case "enum":
      return param.values?.includes(value) ? null : `must be one of ${(param.values ?? []).join(", ")}, got ${JSON.stringify(value)}`;
    default:
      return null;
  }
}

/** Validates service files (one or more documents each) into a catalog, reporting every problem. */
export function loadCatalogFromText(files: readonly SourceFile[]): CatalogLoad {
  const catalog: Catalog = new Map();
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  const declaredAt = new Map<string, { file: string } & Position>();
  for (const f of files) {
    const parsed = parseYamlDocuments(f.path, f.text);
    issues.push(...parsed.issues);
    for (const source of parsed.docs) {
      let doc = source;
      if (isLegacy(source.data)) {
        const migrated = migrateService(source);
        doc = migrated.doc;
        warnings.push(migrated.warning);
      }
      const r = serviceSchema.safeParse(doc.data);
      if (!r.success) {
        issues.push(...schemaIssues(r.error.issues, doc, serviceSchema));
        continue;
      }
      const service: Service = r.data;
      const name = service.metadata.name;
      const namePos = doc.pos(["metadata", "name"]);
      const folder = basename(dirname(f.path));
      if (basename(f.path).startsWith("service.") && folder !== "." && folder !== name) {
        issues.push({ file: f.path, ...namePos, path: "metadata.name", message: `"${name}" differs from its folder "${folder}" — rename one so the catalog name and services/<name>/ agree` });
      }
      const first = declaredAt.get(name);
      if (first) {
        issues.push({ file: f.path, ...namePos, path: "metadata.name", message: `service "${name}" is already defined at ${first.file}:${first.line}:${first.col} — service names must be unique` });
      }
      for (const [pname, param] of Object.entries(service.spec.params)) {
        const base = ["spec", "params", pname];
        if (param.type === "enum" && !param.values?.length) {
          issues.push({ file: f.path, ...doc.pos([...base, "type"]), path: formatPath([...base, "type"]), message: "type enum needs values: [...] listing the allowed values" });
        } else if (param.type !== "enum" && param.values !== undefined) {
          issues.push({ file: f.path, ...doc.pos([...base, "values"], "key"), path: formatPath([...base, "values"]), message: `values only apply to type: enum (this parameter is ${param.type}) — remove values or set type: enum` });
        } else if (param.default !== undefined) {
          const problem = paramValueProblem(param, param.default);
          if (problem) issues.push({ file: f.path, ...doc.pos([...base, "default"]), path: formatPath([...base, "default"]), message: `default ${problem}` });
        }
      }
      // kept even when its own checks failed, so pipelines using it are not also reported as unknown
      if (!first) {
        catalog.set(name, service);
        declaredAt.set(name, { file: f.path, ...namePos });
      }
    }
  }
  return { catalog, issues: sortIssues(issues), warnings: sortIssues(warnings), declaredAt };
}

/** The catalog file of every service folder under `servicesDir` (`<name>/service.yaml` or `.yml`), sorted. */
export async function readServiceFiles(servicesDir: string): Promise<{ files: SourceFile[]; issues: Issue[] }> {
  let entries;
  try {
    entries = await readdir(servicesDir, { withFileTypes: true });
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (e as Error).message;
    return { files: [], issues: [{ file: servicesDir, line: 1, col: 1, path: "", message: `cannot read the services folder: ${reason} — pass the folder holding <name>/service.yaml (--services DIR)` }] };
  }
  const files: SourceFile[] = [];
  for (const dir of entries.filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => e.name).sort()) {
    if (dir.startsWith(".")) continue;
    for (const name of ["service.yaml", "service.yml"]) {
      const path = join(servicesDir, dir, name);
      const text = await readFile(path, "utf8").catch(() => undefined);
      if (text !== undefined) files.push({ path, text });
    }
  }
  return { files, issues: [] };
}

/** Reads and validates every service under `servicesDir` (legacy-form warnings are dropped: {@link loadRules} reports them). */
export async function loadCatalog(servicesDir: string): Promise<{ ok: true; catalog: Catalog; files: string[] } | { ok: false; issues: Issue[] }> {
  const read = await readServiceFiles(servicesDir);
  if (read.issues.length > 0) return { ok: false, issues: read.issues };
  const r = loadCatalogFromText(read.files);
  return r.issues.length > 0 ? { ok: false, issues: r.issues } : { ok: true, catalog: r.catalog, files: read.files.map((f) => f.path) };
}
