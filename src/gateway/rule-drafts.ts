/**
 * @module gateway/rule-drafts — the composer's server side: a pipeline draft (YAML text) checked as
 * the file it would become (`<rulesDir>/<name>.yaml`, next to the other rule files, against the service
 * catalog, by the loader `framegate validate` uses), tried against an event without activating it, and
 * saved atomically when rule writes are allowed. The hot reload then picks the file up.
 */
import { randomBytes } from "node:crypto";
import { rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Issue } from "../lib/errors.js";
import { readServiceFiles } from "../rules/catalog.js";
import { explainMiss } from "../rules/explain-miss.js";
import { loadRulesFromText, readRuleFiles, type SourceFile } from "../rules/loader.js";
import { DNS_LABEL_RE } from "../rules/schema.js";
import type { RuleSet } from "../rules/types.js";
import { formatPath } from "../lib/format-path.js";
import { parseYamlDocuments } from "../rules/yaml-source.js";
import type { NormalizedEvent } from "../triggers/event.js";
import type { DryRunMatch } from "../workflows/dry-run.js";
import type { MatchResult } from "./deps.js";

/** Name the draft is checked under while its `metadata.name` is not a usable file name yet. */
export const UNNAMED_DRAFT = "draft";

/** A pipeline the draft did not match, and why (the first trigger condition that failed). */
export interface DraftMiss {
  pipeline: string;
  event: number;
  reason: string;
}

/** A dry run of a draft: its issues when it is invalid, else the events, matches and misses. */
export type DraftMatchResult = { ok: false; issues: Issue[] } | ({ ok: true; misses: DraftMiss[] } & MatchResult);

/** What a save did; only `saved` wrote anything. */
export type DraftSaveResult =
  | { outcome: "saved"; file: string; created: boolean; reload?: { changed: boolean; issues: Issue[] } }
  | { outcome: "invalid"; file: string; issues: Issue[] }
  | { outcome: "disabled" | "bad-name" | "exists" | "unwritable"; message: string };

/** The composer's operations; `GatewayDeps.drafts`. */
export interface RuleDraftsApi {
  /** whether {@link RuleDraftsApi.save} may write (`FRAMEGATE_ALLOW_RULE_WRITES`) */
  readonly writable: boolean;
  /** the draft's issues as the file `<rulesDir>/<metadata.name>.yaml` beside the other rule files (empty: valid) */
  validate(text: string): Promise<Issue[]>;
  /** dry run of the draft alone (no other pipeline) against normalized events, with why each miss missed */
  match(text: string, events: NormalizedEvent[]): Promise<DraftMatchResult>;
  /** validates, then writes `<rulesDir>/<name>.yaml` atomically; `createOnly` refuses to replace a file */
  save(name: string, text: string, opts?: { createOnly?: boolean }): Promise<DraftSaveResult>;
}

/** Settings of {@link RuleDrafts}; `serve` passes its own directories and `dryRun`. */
export interface RuleDraftsOptions {
  rulesDir: string;
  servicesDir: string;
  /** `FRAMEGATE_ALLOW_RULE_WRITES` */
  allowWrites: boolean;
  /** matches and renders like `framegate match` (cli/dry-run's `dryRun`) */
  dryRun(events: readonly NormalizedEvent[], ruleSet: RuleSet): DryRunMatch[];
  /** called after a file was written, e.g. the rule store's `reload()`, so the change is live at once */
  afterWrite?(): Promise<{ changed: boolean; issues: Issue[] } | void>;
  /**
   * Where the other pipelines and the catalog come from; default: the files of `rulesDir` and `servicesDir`.
   * With FRAMEGATE_RULES_SOURCE=kubernetes: the accepted resources, so a draft is judged as the resource.
   */
  sources?(): Promise<DraftSources>;
  /** the file label a draft named `name` is checked as; default `<rulesDir>/<name>.yaml` */
  fileFor?(name: string): string;
}

/** The rule and catalog documents a draft is checked against, and the problems reading them. */
export interface DraftSources {
  rules: SourceFile[];
  services: SourceFile[];
  issues: Issue[];
}

/** The `metadata.name` of the first document when it is a DNS label, else undefined. */
function draftName(text: string): string | undefined {
  const { docs } = parseYamlDocuments("draft", text);
  const data = docs[0]?.data as { metadata?: { name?: unknown } } | undefined;
  const name = data?.metadata?.name;
  return typeof name === "string" && DNS_LABEL_RE.test(name) ? name : undefined;
}

/**
 * Checks, tries and saves composer drafts against the rules and catalog on disk.
 * @example
 * const drafts = new RuleDrafts({ rulesDir: "pipelines", servicesDir: "services", allowWrites: false, dryRun });
 * await drafts.validate(yamlText); // [] when `framegate validate` would accept it as pipelines/<name>.yaml
 */
export class RuleDrafts implements RuleDraftsApi {
  readonly writable: boolean;
  readonly #o: RuleDraftsOptions;
  /** saves run one at a time, so two writers cannot interleave validate and rename */
  #saving: Promise<unknown> = Promise.resolve();

  constructor(o: RuleDraftsOptions) {
    this.#o = o;
    this.writable = o.allowWrites;
  }

  /** Where a pipeline named `name` is saved (the label its issues carry). */
  fileFor(name: string): string {
    return this.#o.fileFor?.(name) ?? join(this.#o.rulesDir, `${name}.yaml`);
  }

  /** Every issue of the draft saved as `name`: one document, named `name`, valid beside the others. */
  async checkAs(name: string, text: string): Promise<Issue[]> {
    const file = this.fileFor(name);
    return [...nameIssues(file, name, text), ...(await this.#check(file, text))];
  }

  async validate(text: string): Promise<Issue[]> {
    return this.#check(this.fileFor(draftName(text) ?? UNNAMED_DRAFT), text);
  }

  async match(text: string, events: NormalizedEvent[]): Promise<DraftMatchResult> {
    const file = this.fileFor(draftName(text) ?? UNNAMED_DRAFT);
    const services = await this.#sources().then((s) => ({ files: s.services, issues: s.issues }));
    const r = loadRulesFromText([{ path: file, text }], services.files);
    if (!r.ok) return { ok: false, issues: [...services.issues, ...r.issues] };
    const matches = this.#o.dryRun(events, r.ruleSet);
    const misses: DraftMiss[] = [];
    events.forEach((e, i) => {
      for (const p of r.ruleSet.pipelines) {
        if (!matches.some((m) => m.event === i && m.pipeline === p.name)) misses.push({ pipeline: p.name, event: i, reason: explainMiss(p, e) });
      }
    });
    return { ok: true, events, matches, misses };
  }

  save(name: string, text: string, opts: { createOnly?: boolean } = {}): Promise<DraftSaveResult> {
    const run = () => this.#save(name, text, opts);
    const p = this.#saving.then(run, run);
    this.#saving = p.catch(() => undefined);
    return p;
  }

  async #save(name: string, text: string, opts: { createOnly?: boolean }): Promise<DraftSaveResult> {
    if (!this.writable) {
      return {
        outcome: "disabled",
        message: "saving pipelines is off on this gateway: set FRAMEGATE_ALLOW_RULE_WRITES=true (with a writable rules folder) or download the YAML and add it to pipelines/ yourself",
      };
    }
    if (!DNS_LABEL_RE.test(name)) {
      return { outcome: "bad-name", message: `"${name.slice(0, 80)}" is not a pipeline name: use a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)` };
    }
    const file = this.fileFor(name);
    const body = text.endsWith("\n") ? text : `${text}\n`;
    const issues = [...nameIssues(file, name, body), ...(await this.#check(file, body))];
    if (issues.length > 0) return { outcome: "invalid", file, issues };
    const exists = (await stat(file).catch(() => undefined)) !== undefined;
    if (exists && opts.createOnly) {
      return { outcome: "exists", message: `${file} already exists: confirm to replace it, or give the pipeline another name` };
    }
    // write beside the target and rename: readers (the hot reload) see the old file or the new one, never half
    const tmp = join(this.#o.rulesDir, `.${name}.yaml.${randomBytes(4).toString("hex")}.tmp`);
    try {
      await writeFile(tmp, body, { flag: "wx", mode: 0o644 });
      await rename(tmp, file);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EROFS" || code === "EACCES" || code === "EPERM" || code === "ENOENT") {
        return {
          outcome: "unwritable",
          message: `cannot write ${file}: ${code} — the rules folder must exist and be writable by the gateway (a ConfigMap mount is read-only: keep rules in a volume, or commit the YAML instead)`,
        };
      }
      throw e;
    }
    const reload = await this.#o.afterWrite?.();
    return reload ? { outcome: "saved", file, created: !exists, reload } : { outcome: "saved", file, created: !exists };
  }

  /** The draft checked as `file` together with the other rule files and the catalog; only its own issues. */
  async #check(file: string, text: string): Promise<Issue[]> {
    const sources = await this.#sources();
    // the draft goes last: a name clash is then reported on the draft, not on the file already there
    const others: SourceFile[] = sources.rules.filter((f) => f.path !== file);
    const r = loadRulesFromText([...others, { path: file, text }], sources.services);
    const issues = r.ok ? [] : r.issues.filter((i) => i.file === file || !others.some((f) => f.path === i.file));
    return [...sources.issues, ...issues];
  }

  async #sources(): Promise<DraftSources> {
    if (this.#o.sources) return this.#o.sources();
    const [rules, services] = await Promise.all([readRuleFiles(this.#o.rulesDir), readServiceFiles(this.#o.servicesDir)]);
    return { rules: rules.files, services: services.files, issues: [...rules.issues, ...services.issues] };
  }
}

/** A saved file holds exactly one pipeline, named like the file. */
export function nameIssues(file: string, name: string, text: string): Issue[] {
  const { docs } = parseYamlDocuments(file, text);
  if (docs.length > 1) {
    const at = docs[1]!.start;
    return [{ file, ...at, path: "", message: `the file holds ${docs.length} documents; a pipeline saved from the composer is one document — save the others under their own names` }];
  }
  const doc = docs[0];
  const data = doc?.data as { metadata?: { name?: unknown } } | undefined;
  const given = data?.metadata?.name;
  if (doc && typeof given === "string" && given !== name) {
    return [{ file, ...doc.pos(["metadata", "name"]), path: formatPath(["metadata", "name"]), message: `"${given}" differs from the name it is saved as ("${name}") — save it as ${given}, or rename it` }];
  }
  return [];
}
