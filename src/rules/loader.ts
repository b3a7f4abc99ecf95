/**
 * @module rules/loader — loads `pipelines/*.yaml` and the service catalog into a {@link RuleSet}, or
 * reports every problem found as an {@link Issue} (`FILE:LINE:COL: path.to.field: message`, at the
 * offending node). Nothing is partially applied: a rule set with any issue is refused as a whole.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { sortIssues, type Issue } from "../lib/errors.js";
import { loadCatalogFromText, readServiceFiles, type SourceFile } from "./catalog.js";
import { compilePipeline } from "./compile-pipeline.js";
import { isLegacy, migratePipeline } from "./legacy-form.js";
import { checkPipeline } from "./pipeline-checks.js";
import { viewPipeline } from "./pipeline-view.js";
import { pipelineSchema } from "./schema.js";
import { schemaIssues } from "./schema-issues.js";
import type { CompiledPipeline, RuleSet } from "./types.js";
import { parseYamlDocuments, type Position } from "./yaml-source.js";

/**
 * The outcome of a load: the compiled rules, or every issue that stopped them. `warnings` (documents
 * in the legacy form, read as their new form) never stop a load.
 */
export type LoadResult = ({ ok: true; ruleSet: RuleSet } | { ok: false; issues: Issue[] }) & { warnings: Issue[] };

export type { SourceFile };

/**
 * Validates rule and service files given as text (the synchronous core of {@link loadRules}; the
 * dashboard's composer validates YAML through it). Paths are used as given in issues.
 * @example loadRulesFromText([{ path: "pipelines/a.yaml", text }], [{ path: "services/resize/service.yaml", text: svc }])
 */
export function loadRulesFromText(rules: readonly SourceFile[], services: readonly SourceFile[]): LoadResult {
  const { catalog, issues, warnings } = loadCatalogFromText(services);
  const pipelines: CompiledPipeline[] = [];
  const names = new Map<string, { file: string } & Position>();
  for (const f of rules) {
    const parsed = parseYamlDocuments(f.path, f.text);
    issues.push(...parsed.issues);
    for (const source of parsed.docs) {
      let doc = source;
      if (isLegacy(source.data)) {
        const migrated = migratePipeline(source);
        doc = migrated.doc;
        warnings.push(migrated.warning);
      }
      const r = pipelineSchema.safeParse(doc.data);
      const before = issues.length;
      if (!r.success) issues.push(...schemaIssues(r.error.issues, doc, pipelineSchema));
      // checked even when the schema failed, so that one run reports every problem
      const check = checkPipeline(r.success ? r.data : doc.data, doc, catalog);
      issues.push(...check.issues);
      const name = r.success ? r.data.metadata.name : (viewPipeline(doc.data).name ?? "");
      const at = doc.pos(["metadata", "name"]);
      const first = names.get(name);
      if (first) {
        issues.push({ file: f.path, ...at, path: "metadata.name", message: `pipeline "${name}" is already defined at ${first.file}:${first.line}:${first.col} — pipeline names must be unique across all files` });
      } else if (name !== "") {
        names.set(name, { file: f.path, ...at });
      }
      if (r.success && issues.length === before) {
        pipelines.push(compilePipeline(r.data, f.path, check.pattern ? { line: doc.start.line, pattern: check.pattern } : { line: doc.start.line }));
      }
    }
  }
  const sortedWarnings = sortIssues(warnings);
  if (issues.length > 0) return { ok: false, issues: sortIssues(issues), warnings: sortedWarnings };
  return { ok: true, ruleSet: { pipelines, catalog, files: [...rules, ...services].map((f) => f.path) }, warnings: sortedWarnings };
}

/** Every `*.yaml`/`*.yml` file directly in `dir`, sorted by name (ConfigMap internals such as `..data` skipped). */
export async function readRuleFiles(dir: string): Promise<{ files: SourceFile[]; issues: Issue[] }> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : (e as Error).message;
    return { files: [], issues: [{ file: dir, line: 1, col: 1, path: "", message: `cannot read the rules folder: ${reason} — pass the folder holding the pipeline YAML files (--rules DIR)` }] };
  }
  const files: SourceFile[] = [];
  for (const name of names) {
    if (name.startsWith(".") || !/\.ya?ml$/.test(name)) continue;
    const path = join(dir, name);
    if (!(await stat(path).catch(() => undefined))?.isFile()) continue;
    files.push({ path, text: await readFile(path, "utf8") });
  }
  return { files, issues: [] };
}

/**
 * Reads and validates every pipeline in `rulesDir` (several documents per file allowed) against the
 * service catalog in `servicesDir`. Issue paths are relative to the directories as given.
 */
export async function loadRules(opts: { rulesDir: string; servicesDir: string }): Promise<LoadResult> {
  const [rules, services] = await Promise.all([readRuleFiles(opts.rulesDir), readServiceFiles(opts.servicesDir)]);
  const ioIssues = [...rules.issues, ...services.issues];
  if (ioIssues.length > 0) return { ok: false, issues: ioIssues, warnings: [] };
  return loadRulesFromText(rules.files, services.files);
}
