/**
 * @module web/composer/dry-run-panel — tries the draft against an object key (a made-up upload) or a
 * recent real event, through `POST /api/match/draft`: the Workflow it would create, step by step with
 * input and output keys and parameters, or why it would not match. Nothing is submitted.
 */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api/client.js";
import type { DraftMatchBody, DryRunMatch } from "../api/types.js";
import { live } from "../state/live-data.js";
import { useStore } from "../state/store.js";
import { SelectField, TextField } from "../ui/field.js";

interface Env {
  name: string;
  value?: string;
}
interface Template {
  name: string;
  dag?: { tasks: { name: string; dependencies?: string[] }[] };
  container?: { image: string; env?: Env[] };
}

const envOf = (t: Template, name: string) => t.container?.env?.find((e) => e.name === name)?.value;
const keysOf = (t: Template, name: string) => {
  try {
    return (JSON.parse(envOf(t, name) ?? "[]") as string[]).join(", ");
  } catch {
    return envOf(t, name) ?? "";
  }
};

function WorkflowSummary({ m }: { m: DryRunMatch }) {
  const spec = m.workflow.spec as { templates?: Template[] };
  const templates = spec.templates ?? [];
  const dag = templates.find((t) => t.dag)?.dag?.tasks ?? [];
  return (
    <div class="wf-summary">
      <p>
        Would create Workflow <code>{m.workflow.metadata.name}</code> in namespace <code>{m.workflow.metadata.namespace}</code>
        {Object.keys(m.params).length > 0 && (
          <>
            {" "}
            with arguments{" "}
            {Object.entries(m.params).map(([k, v], i) => (
              <span key={k}>
                {i > 0 && ", "}
                <code>
                  {k}={v}
                </code>
              </span>
            ))}
          </>
        )}
        .
      </p>
      <ol class="wf-steps" aria-label="Steps of the Workflow">
        {dag.map((task) => {
          const t = templates.find((x) => x.name === task.name);
          if (!t) return null;
          const params = (t.container?.env ?? []).filter((e) => e.name.startsWith("FRAMEGATE_PARAM_")).map((e) => `${e.name.slice(16).toLowerCase()}=${e.value ?? ""}`);
          return (
            <li key={task.name}>
              <strong>{task.name}</strong>
              {task.dependencies?.length ? <span class="muted"> after {task.dependencies.join(", ")}</span> : null}
              <dl>
                <dt>reads</dt>
                <dd class="key">
                  <code>
                    {envOf(t, "FRAMEGATE_INPUT_BUCKET")}/{keysOf(t, "FRAMEGATE_INPUT_KEYS")}
                  </code>
                </dd>
                <dt>writes</dt>
                <dd class="key">
                  <code>
                    {envOf(t, "FRAMEGATE_OUTPUT_BUCKET")}/{keysOf(t, "FRAMEGATE_OUTPUT_KEYS")}
                  </code>
                </dd>
                {params.length > 0 && (
                  <>
                    <dt>params</dt>
                    <dd class="small">{params.join(", ")}</dd>
                  </>
                )}
              </dl>
            </li>
          );
        })}
      </ol>
      <details>
        <summary>The whole Workflow (JSON)</summary>
        <pre class="json">{JSON.stringify(m.workflow, null, 2)}</pre>
      </details>
    </div>
  );
}

/** The dry-run panel; `yaml` is the current draft text, `bucket` the trigger's bucket. */
export function DryRunPanel({ yaml, bucket, valid }: { yaml: string; bucket: string; valid: boolean }) {
  const events = useStore(live, (s) => s.events);
  const recent = events.filter((e) => e.source === "minio" && e.bucket && e.key).slice(0, 50);
  const [mode, setMode] = useState<"key" | "event">("key");
  const [key, setKey] = useState("cam-01/2026/01/31/120000-1.jpg");
  const [eventId, setEventId] = useState("");
  const [result, setResult] = useState<DraftMatchBody | { error: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const chosen = recent.find((e) => e.id === eventId) ?? recent[0];
  const object = mode === "key" ? { bucket: bucket || "raw", key } : chosen ? { bucket: chosen.bucket!, key: chosen.key! } : undefined;

  async function run() {
    if (!object) return;
    setBusy(true);
    try {
      setResult(await api<DraftMatchBody>("/match/draft", { method: "POST", body: { rules: yaml, object }, accept: [422] }));
    } catch (e) {
      setResult({ error: e instanceof ApiError ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="panel" aria-labelledby="dry-run-title">
      <h2 id="dry-run-title">Dry run</h2>
      <div class="segmented" role="radiogroup" aria-label="Try the draft against">
        <label class="check-inline">
          <input type="radio" name="dry-run-mode" checked={mode === "key"} onChange={() => setMode("key")} /> an object key
        </label>
        <label class="check-inline">
          <input type="radio" name="dry-run-mode" checked={mode === "event"} onChange={() => setMode("event")} disabled={recent.length === 0} /> a recent event
          {recent.length === 0 && <span class="muted"> (none yet)</span>}
        </label>
      </div>
      {mode === "key" ? (
        <TextField label={`Object key in bucket "${bucket || "raw"}"`} help="As a camera would upload it. A made-up MinIO notification for it is matched against the draft." value={key} spellcheck={false} autocomplete="off" onValue={setKey} />
      ) : (
        <SelectField label="Recent event" value={chosen?.id ?? ""} options={recent.map((e) => [e.id, `${e.bucket}/${e.key}`] as const)} onValue={setEventId} />
      )}
      <div class="actions">
        <button type="button" onClick={() => void run()} disabled={busy || !object || !object.key}>
          {busy ? "Running…" : "Dry run"}
        </button>
        {!valid && <span class="muted small">The draft has problems; the dry run will list them.</span>}
      </div>
      <div class="dry-run-result" role="status" aria-live="polite">
        {result && "error" in result && !("ok" in result) && <p class="bad">{result.error}</p>}
        {result && "ok" in result && !result.ok && <p class="bad">The draft is not a valid pipeline yet: {result.issues.length} problem(s), shown on the form.</p>}
        {result && "ok" in result && result.ok && result.matches.length === 0 && (
          <div class="no-match">
            <p>
              <strong>No match.</strong>
            </p>
            <ul>
              {result.misses.map((m) => (
                <li key={m.pipeline}>{m.reason}</li>
              ))}
            </ul>
          </div>
        )}
        {result && "ok" in result && result.ok && result.matches.length > 0 && (
          <div class="match">
            <p>
              <strong>Match.</strong>
            </p>
            {result.matches.map((m) => (
              <WorkflowSummary key={m.workflow.metadata.name} m={m} />
            ))}
          </div>
        )}
      </div>
    </section>
  );
}
