/**
 * @module rules/resource-rules — Pipelines and ProcessingServices read from the API server, judged one
 * by one with the loader `framegate validate` uses: every resource gets a verdict (accepted, or refused
 * with the field paths and how to fix them), and the accepted ones form the rule set. Unlike files,
 * where any problem refuses the whole change, a bad resource refuses only itself. In a conflict between
 * pipelines (a check across pipelines) the older resource wins and the newer one is refused.
 */
import { stringify } from "yaml";
import type { Issue } from "../lib/errors.js";
import { loadCatalogFromText, type SourceFile } from "./catalog.js";
import { SERVICE_KIND } from "./catalog-schema.js";
import { loadRulesFromText } from "./loader.js";
import { API_VERSION } from "./schema.js";
import type { RuleSet } from "./types.js";

/** A framegate resource as the API server returns it (only what is judged and reported). */
export interface RuleResource {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; generation?: number; creationTimestamp?: Date; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
  spec?: unknown;
  status?: ResourceStatus;
}

/** The condition of a resource's status (the CRD's schema, crds.ts). */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export interface ResourceStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  trigger?: string;
  select?: string;
}

/** The judgement of one resource. */
export interface Verdict {
  kind: "Pipeline" | typeof SERVICE_KIND;
  name: string;
  generation: number;
  accepted: boolean;
  /** `Accepted`, `InvalidSpec`, `Conflict` or `TooMany` */
  reason: string;
  /** for people: every problem as `path: message`, or what runs */
  message: string;
  issues: Issue[];
  /** one-line summaries for `kubectl get pipelines` (Pipelines only) */
  summary?: { trigger: string; select: string };
}

export interface ResourceJudgement {
  ruleSet: RuleSet;
  verdicts: Verdict[];
}

/** The path issues of a resource carry, e.g. `Pipeline framegate/people-detect`. */
export function resourceLabel(kind: string, r: RuleResource): string {
  return `${kind} ${r.metadata.namespace ? `${r.metadata.namespace}/` : ""}${r.metadata.name}`;
}

/** The resource as the document a rule file would hold (server-owned metadata left out). */
export function asFile(kind: string, r: RuleResource): SourceFile {
  const { name, labels, annotations } = r.metadata;
  const metadata = { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
  return { path: resourceLabel(kind, r), text: stringify({ apiVersion: API_VERSION, kind, metadata, spec: r.spec ?? {} }) };
}

const MAX_MESSAGE = 4000;
function describe(issues: readonly Issue[]): string {
  const text = issues.map((i) => `${i.path || "(document)"}: ${i.message}`).join("; ");
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}… (${issues.length} problems; framegate validate on the YAML lists them all)` : text;
}

const age = (r: RuleResource) => new Date(r.metadata.creationTimestamp ?? 0).getTime();
const byAge = (a: RuleResource, b: RuleResource) => age(a) - age(b) || (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

/** `minio raw {camera}/**\/*.jpg` or `webhook motion-alerts`: the trigger in one line. */
export function triggerSummary(spec: unknown): string {
  const t = obj(obj(spec).trigger);
  if (t.source === "webhook") return `webhook ${String(t.hook ?? "")}`;
  const filter = t.key ?? [t.prefix, t.suffix && `*${String(t.suffix)}`].filter(Boolean).join("") ?? "";
  return `minio ${String(t.bucket ?? "")}${filter ? ` ${String(filter)}` : ""}`;
}

/** `batch 16/30s, sample 5s, dedupe 24h`, or `every event`. */
export function selectSummary(spec: unknown): string {
  const s = obj(obj(spec).select);
  const batch = obj(s.batch);
  const parts = [
    s.batch !== undefined ? `batch ${String(batch.size)}/${String(batch.window)}` : "",
    s.sample !== undefined ? `sample ${String(s.sample)}` : "",
    s.dedupe !== undefined ? `dedupe ${String(s.dedupe)}` : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : "every event";
}

/**
 * Most resources of one kind that are judged: each judgement loads every resource, so the work is bounded;
 * the newest beyond it are refused (`TooMany`).
 */
export const MAX_RESOURCES_PER_KIND = 1000;

/** The oldest `MAX_RESOURCES_PER_KIND`, and a `TooMany` verdict for each of the rest. */
function capped(kind: Verdict["kind"], rs: readonly RuleResource[], verdicts: Verdict[], max: number): RuleResource[] {
  const sorted = [...rs].sort(byAge);
  for (const r of sorted.slice(max)) {
    verdicts.push({
      kind,
      name: r.metadata.name,
      generation: r.metadata.generation ?? 0,
      accepted: false,
      reason: "TooMany",
      message: `the namespace holds more than ${max} ${kind} resources; the gateway reads the oldest ${max} — delete unused ones`,
      issues: [{ file: resourceLabel(kind, r), line: 1, col: 1, path: "", message: "too many resources of this kind" }],
    });
  }
  return sorted.slice(0, max);
}

/**
 * Judges every resource. ProcessingServices alone; Pipelines alone against the accepted catalog, then
 * together oldest first, so a check across pipelines refuses the newer one.
 * @example judgeResources(pipelines, services).verdicts.filter((v) => !v.accepted)
 */
export function judgeResources(pipelines: readonly RuleResource[], services: readonly RuleResource[], maxPerKind = MAX_RESOURCES_PER_KIND): ResourceJudgement {
  const verdicts: Verdict[] = [];
  const verdict = (kind: Verdict["kind"], r: RuleResource, issues: Issue[], reason: string, message: string): Verdict => {
    const v: Verdict = { kind, name: r.metadata.name, generation: r.metadata.generation ?? 0, accepted: issues.length === 0, reason, message, issues };
    if (kind === "Pipeline") v.summary = { trigger: triggerSummary(r.spec), select: selectSummary(r.spec) };
    verdicts.push(v);
    return v;
  };

  const serviceFiles: SourceFile[] = [];
  for (const r of capped(SERVICE_KIND, services, verdicts, maxPerKind)) {
    const file = asFile(SERVICE_KIND, r);
    const { issues } = loadCatalogFromText([...serviceFiles, file]);
    const own = issues.filter((i) => i.file === file.path);
    if (own.length === 0) serviceFiles.push(file);
    verdict(SERVICE_KIND, r, own, own.length === 0 ? "Accepted" : "InvalidSpec", own.length === 0 ? "in the catalog" : describe(own));
  }

  const alone: { r: RuleResource; file: SourceFile }[] = [];
  for (const r of capped("Pipeline", pipelines, verdicts, maxPerKind)) {
    const file = asFile("Pipeline", r);
    const res = loadRulesFromText([file], serviceFiles);
    const own = res.ok ? [] : res.issues.filter((i) => i.file === file.path);
    if (own.length === 0) alone.push({ r, file });
    else verdict("Pipeline", r, own, "InvalidSpec", describe(own));
  }

  let accepted = alone;
  let together = loadRulesFromText(accepted.map((a) => a.file), serviceFiles);
  if (!together.ok) {
    // a problem across pipelines: add them oldest first, refusing each one that brings a problem in
    accepted = [];
    for (const a of alone) {
      const r = loadRulesFromText([...accepted, a].map((x) => x.file), serviceFiles);
      if (r.ok) accepted.push(a);
      else verdict("Pipeline", a.r, r.issues.filter((i) => i.file === a.file.path).length > 0 ? r.issues.filter((i) => i.file === a.file.path) : r.issues, "Conflict", `conflicts with an older pipeline: ${describe(r.issues)}`);
    }
    together = loadRulesFromText(accepted.map((a) => a.file), serviceFiles);
  }
  for (const a of accepted) verdict("Pipeline", a.r, [], "Accepted", "the gateway runs this generation");
  if (!together.ok) throw new Error(`accepted resources failed together: ${describe(together.issues)}`);
  return { ruleSet: together.ruleSet, verdicts };
}
