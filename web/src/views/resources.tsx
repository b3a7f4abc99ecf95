/**
 * @module web/views/resources — every Pipeline resource of the gateway's namespace with its status
 * (Accepted or refused with the reason and message, the generation the gateway judged, suspended, the last
 * save from the dashboard), and what an operator does with one: edit, clone, suspend or resume, delete.
 * Refused pipelines are listed too: that is where an operator looks for them. With rules from files the
 * page says so and points to the composer.
 */
import { useState } from "preact/hooks";
import { ApiError, api } from "../api/client.js";
import type { LiveWriteBody, PipelineResourceSummary } from "../api/types.js";
import { href } from "../route.js";
import { live, refreshPipelines } from "../state/live-data.js";
import { useStore } from "../state/store.js";
import { ago } from "../ui/format.js";

function Status({ r }: { r: PipelineResourceSummary }) {
  if (!r.accepted) return <span class="badge v-checking">not judged yet</span>;
  const stale = r.observedGeneration !== r.generation;
  return (
    <>
      <span class={`badge ${r.accepted.status === "True" ? "v-valid" : "v-invalid"}`}>{r.accepted.status === "True" ? "Accepted" : `Refused: ${r.accepted.reason}`}</span>
      {stale && <div class="sub">generation {r.generation}, status of {r.observedGeneration ?? "none"}</div>}
      {r.accepted.status !== "True" && <div class="sub bad">{r.accepted.message}</div>}
    </>
  );
}

/** The Resources page. */
export function ResourcesPage() {
  const body = useStore(live, (s) => s.pipelines);
  const writable = useStore(live, (s) => s.settings?.ruleWrites ?? false);
  const [note, setNote] = useState<{ bad: boolean; text: string } | undefined>();

  async function act(r: PipelineResourceSummary, action: "suspend" | "resume" | "delete") {
    if (action === "delete" && !confirm(`Delete Pipeline ${r.name}? Its waiting events are released; a GitOps tool may create it again.`)) return;
    try {
      const res = await api<LiveWriteBody>(`/pipelines/${encodeURIComponent(r.name)}${action === "delete" ? "" : `/${action}`}?generation=${r.generation}`, {
        method: action === "delete" ? "DELETE" : "POST",
        headers: { "If-Match": `"${r.resourceVersion}"` },
        accept: [403, 404, 409, 428],
      });
      setNote(res.ok ? { bad: false, text: `${r.name}: ${action === "delete" ? "deleted" : `${action}d`}.` } : { bad: true, text: `${r.name} not ${action === "delete" ? "deleted" : `${action}d`}: ${res.error}` });
    } catch (e) {
      setNote({ bad: true, text: e instanceof ApiError ? e.message : String(e) });
    }
    await refreshPipelines();
  }

  if (body && body.source !== "kubernetes") {
    return (
      <section aria-labelledby="resources-title">
        <h1 id="resources-title" tabIndex={-1}>
          Pipeline resources
        </h1>
        <p class="muted">
          This gateway reads its rules from files (FRAMEGATE_RULES_SOURCE=files). Compose or change a pipeline in the <a href={href("composer")}>composer</a> and save or download the file.
        </p>
      </section>
    );
  }
  const rows = body?.resources ?? [];
  return (
    <section aria-labelledby="resources-title">
      <div class="page-head">
        <h1 id="resources-title" tabIndex={-1}>
          Pipeline resources
        </h1>
        <p class="muted">The Pipelines of the gateway's namespace, as kubectl get pipelines shows them, refused ones included. {writable ? "" : "Changes are off on this gateway (FRAMEGATE_ALLOW_RULE_WRITES)."}</p>
        <a class="button" href={href("composer")}>
          New pipeline
        </a>
      </div>
      {note && (
        <p class={note.bad ? "banner error" : "ok-note"} role="status">
          {note.text}
        </p>
      )}
      <table class="table">
        <thead>
          <tr>
            <th scope="col">Pipeline</th>
            <th scope="col">Trigger</th>
            <th scope="col">Select</th>
            <th scope="col">Status</th>
            <th scope="col">Last saved here</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} data-resource={r.name} data-accepted={r.accepted?.status ?? ""} data-suspended={String(r.suspended)}>
              <th scope="row">
                <a href={href("composer", { pipeline: r.name })}>{r.name}</a>
                {r.suspended && <span class="tag">suspended</span>}
                {r.description && <div class="sub">{r.description}</div>}
              </th>
              <td>
                <code>{r.trigger}</code>
              </td>
              <td>{r.select}</td>
              <td>
                <Status r={r} />
              </td>
              <td>{r.savedAt ? <span title={r.savedFrom}>{ago(r.savedAt)}</span> : <span class="muted">kubectl / GitOps</span>}</td>
              <td class="row-actions">
                <a href={href("composer", { pipeline: r.name })} aria-label={`Edit ${r.name}`}>
                  Edit
                </a>{" "}
                <a href={href("composer", { clone: r.name })} aria-label={`Clone ${r.name}`}>
                  Clone
                </a>{" "}
                <button type="button" class="link" disabled={!writable} aria-label={`${r.suspended ? "Resume" : "Suspend"} ${r.name}`} onClick={() => void act(r, r.suspended ? "resume" : "suspend")}>
                  {r.suspended ? "Resume" : "Suspend"}
                </button>{" "}
                <button type="button" class="link danger" disabled={!writable} aria-label={`Delete ${r.name}`} onClick={() => void act(r, "delete")}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
