/**
 * @module rules/pipeline-checks — what the schema alone cannot check about one pipeline: its key
 * pattern, its templates against what the trigger provides, and its steps against the catalog
 * (known services and parameters, `after:` naming real steps without cycles). Runs on documents that
 * failed the schema too (through {@link viewPipeline}), so one run reports every problem.
 */
import type { Issue } from "../lib/errors.js";
import { paramValueProblem } from "./catalog.js";
import { compileKeyPattern } from "./key-pattern.js";
import { compilePrefixSuffix } from "./pattern.js";
import { PatternError } from "./pattern-error.js";
import { viewPipeline, type PipelineView } from "./pipeline-view.js";
import { withSuggestion } from "./suggest.js";
import { templateSyntaxError, templateVars } from "./template.js";
import type { Catalog, CompiledPattern } from "./types.js";
import { variableProblem, type VariableScope } from "./variables.js";
import { formatPath, type PathKey } from "../lib/format-path.js";
import type { YamlDoc } from "./yaml-source.js";

/** The issues found, and the compiled key pattern when the trigger is a valid MinIO one. */
export interface PipelineCheck {
  issues: Issue[];
  pattern?: CompiledPattern;
}

type Report = (path: readonly PathKey[], message: string, at?: "key" | "value") => void;

function checkPattern(p: PipelineView, report: Report): CompiledPattern | undefined {
  if (p.source !== "minio") return undefined;
  if (p.minSize !== undefined && p.maxSize !== undefined && p.minSize > p.maxSize) {
    report(["spec", "trigger", "where", "minSize"], `is larger than maxSize (${p.minSize} > ${p.maxSize}), so nothing can match — swap or fix them`);
  }
  if (p.key !== undefined) {
    if (p.prefix !== undefined || p.suffix !== undefined) {
      report(["spec", "trigger", "key"], 'set either key or prefix/suffix, not both — a key pattern can say both at once (e.g. "cam-01/**/*.jpg")', "key");
      return undefined;
    }
    try {
      return compileKeyPattern(p.key);
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      report(["spec", "trigger", "key"], e.message);
      return undefined;
    }
  }
  let ok = true;
  for (const field of ["prefix", "suffix"] as const) {
    const v = p[field];
    if (v !== undefined && /[*{}]/.test(v)) {
      report(["spec", "trigger", field], `${JSON.stringify(v)} is plain text (S3 filter semantics), so "*" and "{...}" are not wildcards here — use key: for a pattern (e.g. key: "{camera}/**/*.jpg")`);
      ok = false;
    }
  }
  if (p.prefix?.startsWith("/")) {
    report(["spec", "trigger", "prefix"], 'starts with "/" but object keys never do — remove it');
    ok = false;
  }
  return ok ? compilePrefixSuffix(p.prefix, p.suffix) : undefined;
}

function checkTemplate(template: string, path: readonly PathKey[], scope: VariableScope, report: Report): void {
  const syntax = templateSyntaxError(template);
  if (syntax) return report(path, syntax);
  for (const name of templateVars(template)) {
    const problem = variableProblem(name, scope);
    if (problem) report(path, problem);
  }
}

function checkSteps(p: PipelineView, catalog: Catalog, report: Report): void {
  const base = ["spec", "workflow", "steps"] as const;
  const index = new Map<string, number>();
  p.steps.forEach((s, i) => {
    if (s.name === undefined) return;
    const first = index.get(s.name);
    if (first !== undefined) report([...base, i, "name"], `step "${s.name}" is already defined as steps[${first}] — step names must be unique within a pipeline`);
    else index.set(s.name, i);
  });
  const names = [...index.keys()];
  p.steps.forEach((s, i) => {
    const service = s.service === undefined ? undefined : catalog.get(s.service);
    if (s.service !== undefined && !service) {
      const known = [...catalog.keys()];
      report([...base, i, "service"], `service "${s.service}" is not in the catalog${withSuggestion(s.service, known,
        `${known.length > 0 ? `known services: ${known.join(", ")}` : "the catalog is empty"} (each is services/<name>/service.yaml)`)}`);
    }
    if (service) {
      const declared = Object.keys(service.spec.params);
      for (const [name, value] of s.params) {
        const param = service.spec.params[name];
        if (!param) {
          report([...base, i, "params", name], `"${name}" is not a parameter of service "${s.service}"${withSuggestion(name, declared,
            declared.length > 0 ? `its parameters: ${declared.join(", ")}` : "it takes no parameters")}`, "key");
          continue;
        }
        if (templateVars(value).length > 0) continue;
        const problem = paramValueProblem(param, value);
        if (problem) report([...base, i, "params", name], problem);
      }
      const given = new Set(s.params.map(([n]) => n));
      for (const [name, param] of Object.entries(service.spec.params)) {
        if (param.required && param.default === undefined && !given.has(name)) {
          report([...base, i, "service"], `service "${s.service}" requires parameter "${name}"${param.description ? ` (${param.description})` : ""} — add it under params`);
        }
      }
    }
    s.after.forEach((dep, j) => {
      if (dep !== undefined && !index.has(dep)) report([...base, i, "after", j], `"${dep}" is not a step of this pipeline${withSuggestion(dep, names, `its steps: ${names.join(", ")}`)}`);
    });
  });
  // cycles: depth-first over "waits for" edges; each back edge closes one cycle
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (name: string) => {
    state.set(name, 1);
    stack.push(name);
    const i = index.get(name)!;
    p.steps[i]!.after.forEach((dep, j) => {
      if (dep === undefined || !index.has(dep)) return;
      if (state.get(dep) === 1) {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        report([...base, i, "after", j], `steps wait for each other in a cycle: ${cycle.join(" -> ")} (each waits for the next) — remove one of these after: entries`);
      } else if (state.get(dep) === undefined) visit(dep);
    });
    stack.pop();
    state.set(name, 2);
  };
  for (const name of names) if (state.get(name) === undefined) visit(name);
}

/**
 * Outputs written back into the watched bucket under keys the trigger matches would re-trigger the
 * pipeline forever. Checked with a sample output key; a `where.camera` filter is assumed to exclude them.
 */
function checkFeedback(p: PipelineView, pattern: CompiledPattern | undefined, catalog: Catalog, report: Report): void {
  if (p.source !== "minio" || !pattern || p.outputBucket !== p.bucket || p.hasCameraFilter || p.name === undefined) return;
  for (const s of p.steps) {
    if (s.name === undefined) continue;
    const ext = (s.service !== undefined ? catalog.get(s.service)?.spec.outputExtension : undefined) ?? "jpg";
    const sample = `${p.name}/${s.name}/cam-1/2026/01/01/000000-1.${ext}`;
    if (pattern.match(sample)) {
      report(["spec", "workflow", "outputBucket"], `is the trigger's bucket "${p.bucket}" and the key pattern also matches step outputs such as "${sample}", so each output would trigger the pipeline again — write outputs to another bucket (default "processed") or narrow spec.trigger.key`);
      return;
    }
  }
}

/**
 * Checks one pipeline document against the catalog. `data` is the validated pipeline when the schema
 * passed, else the raw document (whatever can be read of it is checked).
 */
export function checkPipeline(data: unknown, doc: YamlDoc, catalog: Catalog): PipelineCheck {
  const p = viewPipeline(data);
  const issues: Issue[] = [];
  const report: Report = (path, message, at = "value") => issues.push({ file: doc.file, ...doc.pos(path, at), path: formatPath(path), message });
  const pattern = checkPattern(p, report);
  if (p.source !== undefined) {
    const captures =
      pattern?.captures ?? (p.key !== undefined ? [...p.key.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!) : []); // broken pattern: do not also flag its captures
    const scope: VariableScope = { source: p.source, captures, batch: p.batch };
    if (p.by !== undefined) checkTemplate(p.by, ["spec", "select", "by"], { ...scope, partition: true }, report);
    for (const [name, value] of p.parameters) checkTemplate(value, ["spec", "workflow", "parameters", name], scope, report);
    p.steps.forEach((s, i) => {
      for (const [name, value] of s.params) checkTemplate(value, ["spec", "workflow", "steps", i, "params", name], scope, report);
    });
  }
  if (p.source === "webhook") {
    for (const field of p.fields) {
      if (!/^[^.]+(\.[^.]+)*$/.test(field)) report(["spec", "trigger", "where", "fields", field], `${JSON.stringify(field)} is not a dot path into the body — write e.g. "kind" or "device.id"`, "key");
    }
  }
  checkSteps(p, catalog, report);
  checkFeedback(p, pattern, catalog, report);
  return pattern ? { issues, pattern } : { issues };
}
