/**
 * @module web/composer/live-save-panel — saving a Pipeline resource (FRAMEGATE_RULES_SOURCE=kubernetes):
 * first the diff against the live version, then the save at the resourceVersion it was opened at. When
 * someone changed it meanwhile the gateway refuses and this panel shows their change; nothing is
 * overwritten unless the operator takes their version as the new base and saves again. A new name
 * (new pipeline, clone) is created, never replacing one that exists.
 */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api/client.js";
import type { ApiIssue, ConflictReport, LiveDiff, LiveWriteBody, OpenedPipeline } from "../api/types.js";
import { refreshPipelines } from "../state/live-data.js";
import { DiffView } from "./diff-view.js";

/** The version the editor opened. */
export interface OpenedVersion {
  name: string;
  resourceVersion: string;
  yaml: string;
}

type State =
  | { kind: "idle" }
  | { kind: "busy"; what: string }
  | { kind: "diff"; diff: LiveDiff }
  | { kind: "saved"; pipeline: OpenedPipeline; created: boolean }
  | ({ kind: "conflict"; error: string; current: OpenedPipeline } & ConflictReport)
  | { kind: "failed"; message: string };

export interface LiveSavePanelProps {
  yaml: string;
  name: string;
  valid: boolean;
  writable: boolean;
  opened: OpenedVersion | undefined;
  onIssues(issues: ApiIssue[]): void;
  /** after a save: the new version is what the editor has open */
  onSaved(p: OpenedPipeline): void;
  /** load `p` into the editor (their version), dropping the draft */
  onReload(p: OpenedPipeline): void;
  /** keep the draft, but take `p` as the version it is edited against (the next save replaces theirs) */
  onRebase(p: OpenedPipeline): void;
}

/** The diff-and-save panel for Pipeline resources. */
export function LiveSavePanel(props: LiveSavePanelProps) {
  const { yaml, name, valid, writable, opened } = props;
  const [state, setState] = useState<State>({ kind: "idle" });
  const replacing = opened !== undefined && opened.name === name;
  const path = `/pipelines/${encodeURIComponent(name)}`;

  async function review() {
    setState({ kind: "busy", what: "Comparing with the live version…" });
    try {
      const diff = await api<LiveDiff>(`${path}/diff`, { method: "POST", body: { yaml, resourceVersion: opened!.resourceVersion } });
      setState({ kind: "diff", diff });
    } catch (e) {
      setState({ kind: "failed", message: e instanceof ApiError ? e.message : String(e) });
    }
  }

  async function save() {
    setState({ kind: "busy", what: "Saving…" });
    try {
      const r = await api<LiveWriteBody>(path, {
        method: "PUT",
        body: replacing ? { yaml, base: opened.yaml } : { yaml },
        headers: replacing ? { "If-Match": `"${opened.resourceVersion}"` } : { "If-None-Match": "*" },
        accept: [400, 403, 404, 409, 412, 422, 428],
      });
      if (r.ok) {
        setState({ kind: "saved", pipeline: r.pipeline!, created: r.created === true });
        props.onSaved(r.pipeline!);
        void refreshPipelines();
      } else if (r.reason === "conflict" && "current" in r) {
        setState({ ...r, kind: "conflict" });
      } else {
        if ("issues" in r && r.issues?.length) props.onIssues(r.issues);
        setState({ kind: "failed", message: r.error });
      }
    } catch (e) {
      setState({ kind: "failed", message: e instanceof ApiError ? e.message : String(e) });
    }
  }

  const disabled = !writable || !valid || !name || state.kind === "busy";
  return (
    <section class="panel" aria-labelledby="live-save-title" data-testid="live-save">
      <h2 id="live-save-title">{replacing ? `Save ${name}` : "Create the pipeline"}</h2>
      <p class="help">
        {!writable
          ? "Saving is off on this gateway (FRAMEGATE_ALLOW_RULE_WRITES is not true): download the YAML and kubectl apply it, or commit it to Git."
          : !valid
            ? "Fix the problems first: only a valid pipeline is saved."
            : replacing
              ? `Review the change against the live resource (opened at resourceVersion ${opened.resourceVersion}), then save; if someone changed it since, nothing is overwritten.`
              : `Creates Pipeline ${name || "(name it first)"} in the gateway's namespace; an existing one of that name is never replaced.`}
      </p>
      <div class="actions">
        {replacing ? (
          <button type="button" disabled={disabled} onClick={() => void review()}>
            Review changes
          </button>
        ) : (
          <button type="button" class="primary" disabled={disabled} onClick={() => void save()}>
            Create pipeline
          </button>
        )}
      </div>
      <div role="status" aria-live="polite">
        {state.kind === "busy" && <p class="muted">{state.what}</p>}
        {state.kind === "diff" && (
          <div class="confirm">
            {state.diff.changedSinceOpened && (
              <p class="bad">The live version changed since you opened it (now resourceVersion {state.diff.resourceVersion}): saving will be refused and show their change.</p>
            )}
            <DiffView label="Changes against the live version" lines={state.diff.lines} changes={state.diff.changes} truncated={state.diff.truncated} />
            <div class="actions">
              <button type="button" class="primary" disabled={disabled || state.diff.changes.length === 0} onClick={() => void save()}>
                Save to the cluster
              </button>
              <button type="button" onClick={() => setState({ kind: "idle" })}>
                Keep editing
              </button>
            </div>
          </div>
        )}
        {state.kind === "saved" && (
          <p class="ok-note">
            {state.created ? "Created" : "Saved"} Pipeline <code>{state.pipeline.name}</code> (resourceVersion {state.pipeline.resourceVersion}, generation {state.pipeline.generation}). The gateway runs it within seconds; its status shows on the Resources page.
          </p>
        )}
        {state.kind === "conflict" && (
          <div class="confirm conflict" data-testid="conflict">
            <p class="bad">{state.error}</p>
            {state.overlap.length > 0 && (
              <p>
                You both changed: {state.overlap.map((o) => <code key={o}>{o} </code>)}
              </p>
            )}
            <DiffView label="Their change since you opened it" lines={state.lines} changes={state.theirs} truncated={state.truncated} />
            <div class="actions">
              <button type="button" onClick={() => (props.onReload(state.current), setState({ kind: "idle" }))}>
                Load their version (drop my edits)
              </button>
              <button type="button" class="danger" onClick={() => (props.onRebase(state.current), setState({ kind: "idle" }))}>
                Keep my edits on top of theirs
              </button>
            </div>
          </div>
        )}
        {state.kind === "failed" && <p class="bad">Not saved: {state.message}</p>}
      </div>
    </section>
  );
}
