/**
 * @module web/composer/composer — the pipeline composer: a form for the trigger, the steps (catalog
 * services with generated parameter forms), select and limits; the YAML it makes, validated live by
 * the gateway with the code of `framegate validate` (each issue shown on its field); a dry run; download
 * and save. The draft lives in a module store, so leaving the page and coming back keeps it.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError, api } from "../api/client.js";
import type { ApiIssue, DraftMatchBody, OpenedPipeline, ValidateBody } from "../api/types.js";
import { live } from "../state/live-data.js";
import { Store, useStore } from "../state/store.js";
import { CheckField, TextField } from "../ui/field.js";
import { DryRunPanel } from "./dry-run-panel.js";
import { draftYaml, emptyDraft, newId, type CatalogService, type Draft } from "./draft.js";
import { draftFromDocument } from "./from-document.js";
import { LiveSavePanel, type OpenedVersion } from "./live-save-panel.js";
import { TriggerFields } from "./trigger-fields.js";
import { PATHS, draftFieldPaths, parameterPath } from "./field-paths.js";
import { placeIssues } from "./issues.js";
import { SavePanel } from "./save-panel.js";
import { StepList } from "./step-list.js";
import { YamlPreview } from "./yaml-preview.js";

/** The draft being composed, and the live version it edits (if any); kept while the operator visits other pages. */
export const composer = new Store<{ draft: Draft; opened?: OpenedVersion; loadError?: string }>({ draft: emptyDraft() });

/** Puts a live Pipeline into the editor; `clone` starts a new pipeline from it instead. */
export function openPipeline(p: OpenedPipeline, clone?: string): void {
  const draft = draftFromDocument(p.document, clone ?? p.name);
  composer.set({ draft, opened: clone ? undefined : { name: p.name, resourceVersion: p.resourceVersion, yaml: p.yaml }, loadError: undefined });
}

/** Loads `?pipeline=<name>` (edit) or `?clone=<name>` (a copy) from the gateway, once per link. */
function useRouteLoad(query: URLSearchParams | undefined) {
  const edit = query?.get("pipeline") ?? "";
  const clone = query?.get("clone") ?? "";
  useEffect(() => {
    const name = edit || clone;
    if (!name) return;
    if (edit && composer.state.opened?.name === edit) return;
    let gone = false;
    api<OpenedPipeline>(`/pipelines/${encodeURIComponent(name)}`).then(
      (p) => !gone && openPipeline(p, clone ? `${clone}-copy` : undefined),
      (e: unknown) => !gone && composer.set({ loadError: `Cannot open ${name}: ${e instanceof Error ? e.message : String(e)}` }),
    );
    return () => {
      gone = true;
    };
  }, [edit, clone]);
}

type Validation = { state: "idle" | "checking" | "valid" | "invalid" | "error"; issues: ApiIssue[]; text: string; message?: string };

const VALIDATE_DELAY_MS = 300;

/** Validates through `POST /api/validate`, or through the dry run's check when the gateway has no validate route. */
async function validate(text: string, hasValidate: boolean, signal: AbortSignal): Promise<ApiIssue[]> {
  if (hasValidate) return (await api<ValidateBody>("/validate", { method: "POST", body: text, signal })).issues;
  const r = await api<DraftMatchBody>("/match/draft", { method: "POST", body: { rules: text, object: { bucket: "raw", key: "x" } }, accept: [422], signal });
  return r.ok ? [] : r.issues;
}

/** The service catalog (`GET /api/services`), loaded again after a new token. */
function useCatalog(needToken: boolean) {
  const [services, setServices] = useState<CatalogService[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (needToken) return;
    api<{ services: CatalogService[] }>("/services").then(
      (c) => (setServices(c.services), setError(undefined)),
      (e: unknown) => setError(`Cannot load the service catalog: ${e instanceof Error ? e.message : String(e)}`),
    );
  }, [needToken]);
  return { services, error };
}

/** The composer page; `query` may name a pipeline to edit (`pipeline`) or to clone (`clone`). */
export function ComposerPage({ query }: { query?: URLSearchParams } = {}) {
  useRouteLoad(query);
  const draft = useStore(composer, (s) => s.draft);
  const opened = useStore(composer, (s) => s.opened);
  const loadError = useStore(composer, (s) => s.loadError);
  const needToken = useStore(live, (s) => s.needToken);
  const settings = useStore(live, (s) => s.settings);
  const { services: loaded, error } = useCatalog(needToken);
  const services = loaded ?? [];
  const catalog = loaded;
  const yaml = useMemo(() => draftYaml(draft, services), [draft, services]);
  const [validation, setValidation] = useState<Validation>({ state: "idle", issues: [], text: "" });
  const pending = useRef<AbortController | undefined>(undefined);

  const update = (fn: (d: Draft) => Draft) => composer.set((s) => ({ draft: fn(s.draft) }));
  const set = <K extends keyof Draft>(k: K) => (v: Draft[K]) => update((d) => ({ ...d, [k]: v }));

  useEffect(() => {
    if (!catalog || needToken) return;
    const hasValidate = settings?.validate ?? true;
    setValidation((v) => ({ ...v, state: "checking" }));
    const ctl = new AbortController();
    const t = window.setTimeout(() => {
      pending.current?.abort();
      pending.current = ctl;
      validate(yaml, hasValidate, ctl.signal).then(
        (issues) => setValidation({ state: issues.length ? "invalid" : "valid", issues, text: yaml }),
        (e: unknown) => {
          if ((e as Error).name === "AbortError") return;
          setValidation({ state: "error", issues: [], text: yaml, message: e instanceof Error ? e.message : String(e) });
        },
      );
    }, VALIDATE_DELAY_MS);
    return () => {
      window.clearTimeout(t);
      ctl.abort();
    };
  }, [yaml, catalog, needToken, settings?.validate]);

  // issues only mean something for the text they were found in
  const issues = validation.text === yaml ? validation.issues : [];
  const placed = placeIssues(issues, draftFieldPaths(draft, services));
  const issuesAt = (path: string) => placed.byField.get(path);
  const p = (k: keyof typeof PATHS) => ({ path: PATHS[k], issues: issuesAt(PATHS[k]) });

  return (
    <section aria-labelledby="composer-title">
      <div class="page-head">
        <h1 id="composer-title" tabIndex={-1}>
          {opened ? `Edit pipeline ${opened.name}` : "Compose a pipeline"}
        </h1>
        <p class="muted">Pick services from the catalog, connect them, set the trigger. The YAML on the right is checked by the gateway as you type, with the same code as framegate validate.</p>
        <button type="button" class="link" onClick={() => (composer.set({ draft: emptyDraft(), opened: undefined }), (location.hash = "#/composer"))}>
          Start over
        </button>
      </div>
      {(error || loadError) && (
        <div class="banner error" role="alert">
          {error ?? loadError}
        </div>
      )}
      {settings && !settings.composer && (
        <div class="banner error" role="alert">
          This gateway does not offer the composer's dry run and save (its GatewayDeps.drafts is not wired). You can still compose and download.
        </div>
      )}
      <div class="composer">
        <form class="composer-form" aria-label="Pipeline draft" onSubmit={(e) => e.preventDefault()}>
          <fieldset>
            <legend>Pipeline</legend>
            <div class="grid-2">
              <TextField label="Name" {...p("name")} help="Lowercase letters, digits and '-'; also the file name." value={draft.name} autocomplete="off" spellcheck={false} required onValue={set("name")} />
              <TextField label="Description" {...p("description")} value={draft.description} onValue={set("description")} />
              <TextField label="Labels" {...p("labels")} placeholder="team=vision" help="key=value, comma-separated (metadata.labels)." value={draft.labels} spellcheck={false} onValue={set("labels")} />
              <CheckField label="Suspended: match nothing until resumed" {...p("suspend")} checked={draft.suspend} onChecked={set("suspend")} />
            </div>
          </fieldset>

          <TriggerFields draft={draft} set={set} issuesAt={issuesAt} />

          <fieldset data-path={PATHS.workflow}>
            <legend>Steps</legend>
            <CheckField label="Run a WorkflowTemplate of the cluster instead of steps" {...p("templateRef")} checked={draft.useTemplate} onChecked={set("useTemplate")} />
            {draft.useTemplate ? (
              <TextField label="WorkflowTemplate" {...p("templateRef")} help="Its name, in the Workflow namespace; it gets the Workflow arguments below." value={draft.templateRef} spellcheck={false} onValue={set("templateRef")} />
            ) : catalog ? (
              <StepList draft={draft} catalog={services} issuesAt={issuesAt} update={update} />
            ) : (
              <p class="muted">Loading the service catalog…</p>
            )}
          </fieldset>

          <fieldset>
            <legend>Select</legend>
            <div class="grid-3">
              <TextField label="Partition by" {...p("by")} placeholder="{camera}" help="Sampling, batching and dedupe work per partition." value={draft.by} spellcheck={false} onValue={set("by")} />
              <TextField label="Dedupe window" {...p("dedupe")} placeholder="24h" help="The same object is processed once within it." value={draft.dedupe} spellcheck={false} onValue={set("dedupe")} />
              <TextField label="Sample every" {...p("sample")} placeholder="5s" help="At most one event per partition per interval." value={draft.sample} spellcheck={false} onValue={set("sample")} />
              <TextField label="Batch size" {...p("batchSize")} inputMode="numeric" placeholder="16" help="One Workflow for up to this many frames…" value={draft.batchSize} onValue={set("batchSize")} />
              <TextField label="Batch window" {...p("batchWindow")} placeholder="30s" help="…or for what arrived within this time." value={draft.batchWindow} spellcheck={false} onValue={set("batchWindow")} />
            </div>
          </fieldset>

          <fieldset>
            <legend>Limits</legend>
            <div class="grid-3">
              <TextField label="Max Workflows in flight" {...p("maxInFlight")} inputMode="numeric" placeholder="no limit" help="Above it, events wait in JetStream." value={draft.maxInFlight} onValue={set("maxInFlight")} />
              <TextField label="Submissions per second" {...p("ratePerSecond")} inputMode="decimal" placeholder="no limit" value={draft.ratePerSecond} onValue={set("ratePerSecond")} />
            </div>
          </fieldset>

          <fieldset>
            <legend>Workflow</legend>
            <div class="grid-3">
              <TextField label="Namespace" {...p("namespace")} value={draft.namespace} spellcheck={false} onValue={set("namespace")} />
              <TextField label="Service account" {...p("serviceAccountName")} placeholder="(namespace default)" value={draft.serviceAccountName} spellcheck={false} onValue={set("serviceAccountName")} />
              <TextField label="Output bucket" {...p("outputBucket")} placeholder="processed" value={draft.outputBucket} spellcheck={false} onValue={set("outputBucket")} />
              <TextField label="Keep finished Workflows (s)" {...p("ttlSeconds")} inputMode="numeric" placeholder="3600" value={draft.ttlSeconds} onValue={set("ttlSeconds")} />
              <TextField label="Deadline (s)" {...p("deadlineSeconds")} inputMode="numeric" placeholder="none" help="activeDeadlineSeconds: Argo stops a Workflow running longer." value={draft.deadlineSeconds} onValue={set("deadlineSeconds")} />
            </div>
            <fieldset class="rows" data-path={PATHS.parameters}>
              <legend>Workflow arguments</legend>
              <p class="help">Values are templates: {"{camera}"}, {"{key}"}, {"{bucket}"}, {"{file}"}, every capture of the key pattern, and for batches {"{keys}"} and {"{count}"}.</p>
              {draft.parameters.map((row, i) => (
                <div class="row" key={row.id}>
                  <TextField
                    label={`Argument ${i + 1} name`}
                    value={row.name}
                    spellcheck={false}
                    onValue={(v) => update((d) => ({ ...d, parameters: d.parameters.map((r) => (r.id === row.id ? { ...r, name: v } : r)) }))}
                  />
                  <TextField
                    label={`Argument ${i + 1} value`}
                    path={parameterPath(row.name.trim())}
                    issues={row.name.trim() ? issuesAt(parameterPath(row.name.trim())) : undefined}
                    value={row.value}
                    spellcheck={false}
                    onValue={(v) => update((d) => ({ ...d, parameters: d.parameters.map((r) => (r.id === row.id ? { ...r, value: v } : r)) }))}
                  />
                  <button type="button" class="icon danger" aria-label={`Remove argument ${row.name || i + 1}`} onClick={() => update((d) => ({ ...d, parameters: d.parameters.filter((r) => r.id !== row.id) }))}>
                    ✕
                  </button>
                </div>
              ))}
              <button type="button" onClick={() => update((d) => ({ ...d, parameters: [...d.parameters, { id: newId("param"), name: "", value: "" }] }))}>
                Add argument
              </button>
            </fieldset>
          </fieldset>
        </form>

        <aside class="composer-side" aria-label="Generated YAML, dry run and save">
          <section class="panel" aria-labelledby="yaml-title">
            <div class="panel-head">
              <h2 id="yaml-title">Generated YAML</h2>
              <ValidationBadge v={validation} current={validation.text === yaml} />
            </div>
            {placed.unplaced.length > 0 && (
              <ul class="issues unplaced">
                {placed.unplaced.map((i) => (
                  <li key={i.text}>
                    <span class="pos">
                      line {i.line}:{i.col}
                    </span>{" "}
                    {i.path && <code class="path">{i.path}</code>} {i.message}
                  </li>
                ))}
              </ul>
            )}
            <YamlPreview text={yaml} issues={issues} />
          </section>
          <DryRunPanel yaml={yaml} bucket={draft.bucket.trim()} valid={validation.state === "valid"} />
          {settings?.rulesSource === "kubernetes" ? (
            <LiveSavePanel
              yaml={yaml}
              name={draft.name.trim()}
              valid={validation.state === "valid" && validation.text === yaml}
              writable={settings.ruleWrites}
              opened={opened}
              onIssues={(found) => setValidation({ state: "invalid", issues: found, text: yaml })}
              onSaved={(p) => composer.set((s) => ({ opened: { name: p.name, resourceVersion: p.resourceVersion, yaml: p.yaml }, draft: { ...s.draft, base: draftFromDocument(p.document).base } }))}
              onReload={(p) => openPipeline(p)}
              onRebase={(p) => composer.set((s) => ({ opened: { name: p.name, resourceVersion: p.resourceVersion, yaml: p.yaml }, draft: { ...s.draft, base: draftFromDocument(p.document).base } }))}
            />
          ) : (
          <SavePanel
            yaml={yaml}
            name={draft.name.trim()}
            valid={validation.state === "valid" && validation.text === yaml}
            writable={settings?.ruleWrites ?? false}
            onIssues={(found) => setValidation({ state: "invalid", issues: found, text: yaml })}
          />
          )}
        </aside>
      </div>
    </section>
  );
}

function ValidationBadge({ v, current }: { v: Validation; current: boolean }) {
  const state = current ? v.state : "checking";
  const text =
    state === "valid"
      ? "Valid"
      : state === "invalid"
        ? `${v.issues.length} problem${v.issues.length === 1 ? "" : "s"}`
        : state === "error"
          ? `Not checked: ${v.message ?? "error"}`
          : state === "checking"
            ? "Checking…"
            : "";
  return (
    <span class={`badge v-${state}`} role="status" aria-live="polite" data-testid="validation-status">
      {text}
    </span>
  );
}
