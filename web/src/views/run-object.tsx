/**
 * @module web/views/run-object — "Run on an object": runs a pipeline on an object already in MinIO
 * (`POST /api/pipelines/:name/run`), the way an upload would (same Workflow name, dedupe and limits), or again
 * under a new name with Force. Shows the Workflow it published, then what the processor made of it (created, or
 * duplicate when dedupe already had the object) once its report arrives on the live feed.
 */
import { useState } from "preact/hooks";
import { api, ApiError } from "../api/client.js";
import type { RecentEvent, RunBody } from "../api/types.js";
import { argoLink, live } from "../state/live-data.js";
import { useStore } from "../state/store.js";
import { CheckField, SelectField, TextField } from "../ui/field.js";

const eventKey = (e: RecentEvent) => `${e.id}@${e.seq ?? e.receivedAt}`;

/** Outcome labels that mean "not run again". */
const NOT_AGAIN: Record<string, string> = {
  duplicate: "dedupe: this object was processed before, its Workflow stands; tick Force to run it again",
  exists: "the Workflow exists already",
};

/** The form, in a panel of the Results page. */
export function RunOnObject() {
  const pipelines = useStore(live, (s) => s.pipelines?.pipelines) ?? [];
  const workflows = useStore(live, (s) => s.workflows?.workflows);
  const events = useStore(live, (s) => s.events);
  const [before, setBefore] = useState<Set<string>>(new Set());
  const [pipeline, setPipeline] = useState("");
  const [bucket, setBucket] = useState("");
  const [key, setKey] = useState("");
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<RunBody>();
  const [error, setError] = useState<string>();
  const chosen = pipelines.find((p) => p.name === pipeline);
  const defaultBucket = chosen && chosen.trigger.source !== "webhook" ? chosen.trigger.bucket : "";

  async function run(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    // the reports already shown: this run's is the next one with its event id
    setBefore(new Set(live.state.events.map(eventKey)));
    try {
      setResult(await api<RunBody>(`/pipelines/${encodeURIComponent(pipeline)}/run`, { method: "POST", body: { bucket: bucket || defaultBucket, key, force } }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const wf = result && workflows?.find((w) => w.name === result.workflow);
  const report = result && events.find((e) => e.id === result.eventId && !before.has(eventKey(e)));
  const outcome = report?.matches.find((m) => m.pipeline === result?.pipeline)?.outcome;
  const link = result && argoLink({ name: result.workflow, namespace: chosen?.workflow.namespace });
  return (
    <form class="panel run-object" aria-labelledby="run-title" onSubmit={(e) => void run(e)}>
      <h2 id="run-title">Run on an object</h2>
      <p class="help">Runs a pipeline on an object already stored, as if it had just been uploaded: an object processed before is not run again unless Force is on.</p>
      <div class="run-fields">
        <SelectField label="Pipeline" value={pipeline} options={[["", "Choose…"], ...pipelines.map((p) => [p.name, p.name] as const)]} onValue={setPipeline} />
        <TextField label="Bucket" value={bucket} placeholder={defaultBucket} onValue={setBucket} spellcheck={false} />
        <TextField label="Key" value={key} placeholder="gate-01/2026/06/01/120000-0.jpg" onValue={setKey} spellcheck={false} required />
        <CheckField label="Force (run again under a new Workflow name)" checked={force} onChecked={setForce} />
        <button type="submit" class="primary" disabled={busy || !pipeline || !key || !(bucket || defaultBucket)}>
          {busy ? "Running…" : "Run"}
        </button>
      </div>
      <div role="status" aria-live="polite" class="run-answer">
        {error && <p class="bad">{error}</p>}
        {result && (
          <p>
            {result.duplicate ? "Already asked: the intake dropped this repeat (same run inside its duplicate window). " : "Published. "}
            Workflow{" "}
            {link ? (
              <a href={link} target="_blank" rel="noopener noreferrer" class="run-workflow">
                {result.workflow}
              </a>
            ) : (
              <code class="run-workflow">{result.workflow}</code>
            )}
            {wf && <span class={`tag p-${wf.phase.toLowerCase()}`}>{wf.phase}</span>}
          </p>
        )}
        {result && (
          <p class="run-outcome" data-outcome={outcome ?? ""}>
            {outcome ? (
              <>
                <span class={`tag o-${outcome}`}>{outcome}</span> {NOT_AGAIN[outcome] ?? ""}
              </>
            ) : (
              <span class="muted">waiting for the gateway's report…</span>
            )}
          </p>
        )}
      </div>
    </form>
  );
}
