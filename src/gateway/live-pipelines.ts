/**
 * @module gateway/live-pipelines — the composer's server side with FRAMEGATE_RULES_SOURCE=kubernetes: the
 * Pipeline resources with their status, one opened for editing (spec, resourceVersion, YAML), the diff of
 * a draft against the live version, and the writes. A save is checked first by the loader (every problem
 * with its field path), then replaces the resource at the resourceVersion the editor opened: if anyone
 * changed it since (kubectl, GitOps, another browser) the save is refused with their change, never
 * written over. Create (new, clone), delete and suspend/resume work the same way. Each write records when
 * and from where in annotations.
 */
import type { Issue } from "../lib/errors.js";
import { fieldChanges, lineDiff, type DiffLine, type FieldChange } from "../lib/spec-diff.js";
import { PipelineApiError, type PipelineClient, type PipelineObject } from "../rules/pipeline-client.js";
import { resourceLabel, type RuleResource, type Verdict } from "../rules/resource-rules.js";
import { DNS_LABEL_RE } from "../rules/schema.js";
import { summarizeResources, type PipelineResourceSummary } from "./pipeline-resource-summary.js";
import {
  canonical,
  conflictReport,
  documentYaml,
  editableDocument,
  openedPipeline,
  ownAnnotations,
  parseDocument,
  saveAnnotations,
  type OpenedPipeline,
  type ConflictReport,
  type PipelineDocument,
} from "./pipeline-document.js";

export type { OpenedPipeline, PipelineResourceSummary };

/** Who saved: the client's address and user agent. */
export interface SaveOrigin {
  address?: string;
  userAgent?: string;
}

/** Every outcome of a write; only `saved` and `deleted` changed anything. */
export type LiveWriteResult =
  | { outcome: "saved"; created: boolean; pipeline: OpenedPipeline }
  | { outcome: "deleted"; name: string }
  | { outcome: "invalid"; issues: Issue[] }
  | { outcome: "conflict"; message: string; current: OpenedPipeline; report: ConflictReport }
  | { outcome: "disabled" | "bad-name" | "exists" | "not-found" | "precondition-required"; message: string };

/** A draft against the live version. */
export interface LiveDiff {
  resourceVersion: string;
  /** the live version is not the one the editor opened */
  changedSinceOpened: boolean;
  changes: FieldChange[];
  lines: DiffLine[];
  truncated: boolean;
}

export interface LivePipelinesOptions {
  client: PipelineClient;
  namespace: string;
  /** `FRAMEGATE_ALLOW_RULE_WRITES` */
  writable: boolean;
  /** the resources as this replica's watch has them, and its verdicts */
  snapshot(): { pipelines: readonly RuleResource[]; verdicts: readonly Verdict[] };
  /** every issue of `text` saved as Pipeline `name` (the loader, against the other resources and the catalog) */
  check(name: string, text: string): Promise<Issue[]>;
  now?(): Date;
}

/** Writes tried again when only the status moved the resourceVersion on (each status write moves it). */
const MAX_ATTEMPTS = 3;

const sameDocument = (a: PipelineDocument, b: PipelineDocument) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

const DISABLED =
  "changing Pipelines from the dashboard is off on this gateway: set FRAMEGATE_ALLOW_RULE_WRITES=true (with FRAMEGATE_API_TOKEN), or change them with kubectl or in Git";

/** The composer's operations on Pipeline resources. */
export class LivePipelines {
  readonly #o: LivePipelinesOptions;

  constructor(o: LivePipelinesOptions) {
    this.#o = o;
  }

  get writable(): boolean {
    return this.#o.writable;
  }

  /** Every Pipeline of the namespace, oldest first, with its status. */
  list(): PipelineResourceSummary[] {
    const { pipelines, verdicts } = this.#o.snapshot();
    return summarizeResources(pipelines, verdicts);
  }

  /** One Pipeline, read from the API server (not the cache), ready to edit. */
  async open(name: string): Promise<OpenedPipeline | undefined> {
    try {
      return openedPipeline(await this.#o.client.get(name));
    } catch (e) {
      if (e instanceof PipelineApiError && e.failure === "not-found") return undefined;
      throw e;
    }
  }

  /** The draft against the live version; `openedVersion` says whether the live one moved on since. */
  async diff(name: string, text: string, openedVersion?: string): Promise<LiveDiff | { outcome: "not-found" | "invalid"; message: string }> {
    const draft = parseDocument(text);
    if (!draft) return { outcome: "invalid", message: "the draft is not a YAML mapping with metadata and spec" };
    const live = await this.open(name);
    if (!live) return { outcome: "not-found", message: `Pipeline ${name} does not exist (any more) in namespace ${this.#o.namespace}` };
    const d = lineDiff(live.yaml, documentYaml(draft));
    return {
      resourceVersion: live.resourceVersion,
      changedSinceOpened: openedVersion !== undefined && openedVersion !== live.resourceVersion,
      changes: fieldChanges(canonical(live.document), canonical(draft)),
      lines: d.lines,
      truncated: d.truncated,
    };
  }

  /**
   * Saves a draft: checked by the loader first, then created (`create`) or replaced at `ifMatch`.
   * `base` is the YAML the editor opened, for the report of a conflict.
   */
  async save(name: string, text: string, o: { ifMatch?: string; create?: boolean; base?: string; from: SaveOrigin }): Promise<LiveWriteResult> {
    const refused = this.#refuse(name);
    if (refused) return refused;
    if (!o.create && o.ifMatch === undefined) {
      return { outcome: "precondition-required", message: 'say which version you edit: send If-Match: "<resourceVersion>" (as GET /api/pipelines/<name> gave it), or If-None-Match: * to create a new Pipeline' };
    }
    const issues = await this.#o.check(name, text);
    if (issues.length) return { outcome: "invalid", issues };
    const draft = parseDocument(text)!;
    const file = resourceLabel("Pipeline", { metadata: { name, namespace: this.#o.namespace } });
    const ns = (draft.metadata as { namespace?: unknown }).namespace;
    if (ns !== undefined && ns !== this.#o.namespace) {
      return { outcome: "invalid", issues: [{ file, line: 1, col: 1, path: "metadata.namespace", message: `the gateway edits the Pipelines of namespace ${this.#o.namespace} only: remove metadata.namespace or set it to ${this.#o.namespace}` }] };
    }
    try {
      if (o.create) {
        const created = await this.#o.client.create(this.#body(name, draft, undefined, o.from));
        return { outcome: "saved", created: true, pipeline: openedPipeline(created) };
      }
      return await this.#replace(name, draft, o.ifMatch!, o.base, o.from);
    } catch (e) {
      if (!(e instanceof PipelineApiError)) throw e;
      if (e.failure === "exists") return { outcome: "exists", message: `Pipeline ${name} already exists in namespace ${this.#o.namespace}: open it to edit it, or give the new one another name` };
      if (e.failure === "not-found") return { outcome: "not-found", message: `Pipeline ${name} was deleted since you opened it: nothing was saved — save it as a new pipeline to bring it back` };
      if (e.failure === "invalid") {
        return { outcome: "invalid", issues: (e.causes.length ? e.causes : [{ message: e.message }]).map((c) => ({ file, line: 1, col: 1, path: c.field ?? "", message: c.message ?? e.message })) };
      }
      throw e;
    }
  }

  /**
   * Replaces at `version`. When the resourceVersion moved on but the document is still the one opened
   * (`base`: only the status was written, e.g. the verdict on the last save), replaces at the new version;
   * any other change is a conflict. The API server's own 409 (a change between the read and the write) is
   * judged the same way, a few times at most.
   */
  async #replace(name: string, draft: PipelineDocument, version: string, baseText: string | undefined, from: SaveOrigin): Promise<LiveWriteResult> {
    const base = baseText !== undefined ? parseDocument(baseText) : undefined;
    for (let attempt = 0; ; attempt++) {
      const current = await this.#o.client.get(name);
      if (current.metadata.resourceVersion !== version) {
        if (!base || !sameDocument(editableDocument(current), base) || attempt >= MAX_ATTEMPTS) return this.#conflict(current, baseText, draft);
        version = current.metadata.resourceVersion ?? "";
      }
      const body = this.#body(name, draft, current, from);
      body.metadata.resourceVersion = version;
      try {
        return { outcome: "saved", created: false, pipeline: openedPipeline(await this.#o.client.replace(body)) };
      } catch (e) {
        if (!(e instanceof PipelineApiError && e.failure === "conflict")) throw e;
      }
    }
  }

  /**
   * Runs `write` at `ifMatch`; on a conflict, again at the current resourceVersion if the resource is still
   * at `generation` (its spec unchanged: only the status was written since), else reports the conflict.
   */
  async #atVersion(name: string, ifMatch: string | undefined, generation: number | undefined, write: (version: string | undefined) => Promise<LiveWriteResult>, refused: string): Promise<LiveWriteResult> {
    let version = ifMatch;
    for (let attempt = 0; ; attempt++) {
      try {
        return await write(version);
      } catch (e) {
        if (!(e instanceof PipelineApiError)) throw e;
        if (e.failure === "not-found") return { outcome: "not-found", message: `Pipeline ${name} does not exist (any more)` };
        if (e.failure !== "conflict") throw e;
        const current = await this.open(name);
        if (!current) return { outcome: "not-found", message: `Pipeline ${name} does not exist (any more)` };
        if (generation !== undefined && current.generation === generation && attempt < MAX_ATTEMPTS) {
          version = current.resourceVersion;
          continue;
        }
        return { outcome: "conflict", message: `Pipeline ${name} changed since you opened it (now generation ${current.generation}, resourceVersion ${current.resourceVersion}${who(current)}): ${refused} — look at the current version first`, current, report: conflictReport(undefined, current.document, current.document) };
      }
    }
  }

  /** Deletes the Pipeline while it is still at `ifMatch` (or, with `generation`, while its spec is still that generation). */
  async remove(name: string, ifMatch: string | undefined, generation?: number): Promise<LiveWriteResult> {
    const refused = this.#refuse(name);
    if (refused) return refused;
    if (ifMatch === undefined) return { outcome: "precondition-required", message: 'say which version you delete: send If-Match: "<resourceVersion>" (as GET /api/pipelines/<name> gave it)' };
    return this.#atVersion(name, ifMatch, generation, async (version) => {
      await this.#o.client.delete(name, version!);
      return { outcome: "deleted", name };
    }, "not deleted");
  }

  /** Sets `spec.suspend` (removes it to resume) with a merge patch; with `ifMatch` only at that version (or `generation`). */
  async setSuspended(name: string, suspend: boolean, ifMatch: string | undefined, from: SaveOrigin, generation?: number): Promise<LiveWriteResult> {
    const refused = this.#refuse(name);
    if (refused) return refused;
    return this.#atVersion(name, ifMatch, generation, async (version) => {
      const metadata = { annotations: saveAnnotations(this.#now(), from), ...(version !== undefined ? { resourceVersion: version } : {}) };
      const r = await this.#o.client.patch(name, { metadata, spec: { suspend: suspend ? true : null } });
      return { outcome: "saved", created: false, pipeline: openedPipeline(r) };
    }, `not ${suspend ? "suspended" : "resumed"}`);
  }

  #refuse(name: string): LiveWriteResult | undefined {
    if (!this.#o.writable) return { outcome: "disabled", message: DISABLED };
    if (!DNS_LABEL_RE.test(name)) return { outcome: "bad-name", message: `"${name.slice(0, 80)}" is not a pipeline name: use a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)` };
    return undefined;
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  /** The resource to write: the draft's labels and annotations (the current ones where it has none), the save record, kubectl's own annotation kept. */
  #body(name: string, draft: PipelineDocument, current: PipelineObject | undefined, from: SaveOrigin): PipelineObject {
    const kept = current?.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"];
    const annotations = {
      ...ownAnnotations(draft.metadata.annotations ?? current?.metadata.annotations),
      ...(kept !== undefined ? { "kubectl.kubernetes.io/last-applied-configuration": kept } : {}),
      ...saveAnnotations(this.#now(), from),
    };
    const labels = draft.metadata.labels ?? current?.metadata.labels;
    return {
      apiVersion: draft.apiVersion,
      kind: "Pipeline",
      metadata: { name, namespace: this.#o.namespace, ...(labels ? { labels } : {}), annotations },
      spec: draft.spec,
    };
  }

  #conflict(current: PipelineObject, base: string | undefined, draft: PipelineDocument): LiveWriteResult {
    const now = openedPipeline(current);
    const before = base !== undefined ? parseDocument(base) : undefined;
    return {
      outcome: "conflict",
      message: `Pipeline ${now.name} changed since you opened it (now at resourceVersion ${now.resourceVersion}${who(now)}): nothing was saved — their change is shown; open the current version and make your change again`,
      current: now,
      report: conflictReport(before, now.document, draft),
    };
  }
}

function who(p: OpenedPipeline): string {
  return p.savedAt ? `, last saved from the dashboard at ${p.savedAt} (${p.savedFrom ?? "unknown"})` : ", by kubectl or GitOps";
}
