/**
 * @module web/composer/save-panel — download the draft as a file, or save it into the gateway's rules
 * folder (`PUT /api/pipelines/:name`, only when the gateway allows rule writes). Saving never replaces
 * a file silently: the first attempt says "create only" (If-None-Match: *) and a clash asks first.
 */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api/client.js";
import type { SaveBody } from "../api/types.js";
import { href } from "../route.js";
import { refreshPipelines } from "../state/live-data.js";

type SaveState =
  | { kind: "idle" }
  | { kind: "saving" }
  | { kind: "exists"; message: string }
  | { kind: "saved"; file: string; created: boolean; note?: string }
  | { kind: "failed"; message: string };

/** Props: the YAML, the pipeline name, whether it is valid and whether the gateway accepts saves. */
export interface SavePanelProps {
  yaml: string;
  name: string;
  valid: boolean;
  writable: boolean;
  /** called with the issues of a refused save (422), to place them on the form */
  onIssues(issues: NonNullable<Extract<SaveBody, { ok: false }>["issues"]>): void;
}

/** The save and download panel. */
export function SavePanel({ yaml, name, valid, writable, onIssues }: SavePanelProps) {
  const [state, setState] = useState<SaveState>({ kind: "idle" });
  const fileName = `${name || "pipeline"}.yaml`;

  function download() {
    const url = URL.createObjectURL(new Blob([yaml], { type: "application/yaml" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  async function save(replace: boolean) {
    setState({ kind: "saving" });
    try {
      const r = await api<SaveBody>(`/pipelines/${encodeURIComponent(name)}`, {
        method: "PUT",
        body: yaml,
        headers: { "Content-Type": "application/yaml", ...(replace ? {} : { "If-None-Match": "*" }) },
        accept: [400, 403, 409, 412, 422],
      });
      if (r.ok) {
        const refused = r.reload?.issues.length ? `The file is saved, but the gateway refused the rules folder as a whole: ${r.reload.issues[0]!.text}` : undefined;
        setState({ kind: "saved", file: r.file, created: r.created, ...(refused && { note: refused }) });
        void refreshPipelines();
        return;
      }
      if (r.issues?.length) onIssues(r.issues);
      if (r.reason === "exists") setState({ kind: "exists", message: r.error });
      else setState({ kind: "failed", message: r.error });
    } catch (e) {
      setState({ kind: "failed", message: e instanceof ApiError ? e.message : String(e) });
    }
  }

  return (
    <section class="panel" aria-labelledby="save-title">
      <h2 id="save-title">Download or save</h2>
      <div class="actions">
        <button type="button" onClick={download}>
          Download {fileName}
        </button>
        <button type="button" class="primary" disabled={!writable || !valid || !name || state.kind === "saving"} onClick={() => void save(false)} aria-describedby="save-help">
          {state.kind === "saving" ? "Saving…" : "Save to the gateway"}
        </button>
      </div>
      <p class="help" id="save-help">
        {!writable
          ? "Saving is off on this gateway (FRAMEGATE_ALLOW_RULE_WRITES is not true). Download the file and add it to the rules folder instead."
          : !valid
            ? "Fix the problems first: only a valid pipeline is saved."
            : `Saves ${fileName} into the gateway's rules folder; the gateway reloads it at once.`}
      </p>
      <div role="status" aria-live="polite">
        {state.kind === "exists" && (
          <div class="confirm">
            <p>{state.message}</p>
            <div class="actions">
              <button type="button" class="danger" onClick={() => void save(true)}>
                Replace {fileName}
              </button>
              <button type="button" onClick={() => setState({ kind: "idle" })}>
                Keep the existing file
              </button>
            </div>
          </div>
        )}
        {state.kind === "saved" && (
          <div class="ok-note">
            <p>
              {state.created ? "Saved" : "Replaced"} <code>{state.file}</code>. <a href={href("overview")}>See it in the overview</a>.
            </p>
            {state.note && <p class="bad">{state.note}</p>}
          </div>
        )}
        {state.kind === "failed" && <p class="bad">Not saved: {state.message}</p>}
      </div>
    </section>
  );
}
