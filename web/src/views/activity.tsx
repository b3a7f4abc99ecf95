/**
 * @module web/views/activity — the latest events and what each became for every pipeline it matched
 * (a Workflow, linked to the Argo UI; batched; sampled out; a failure), filterable by pipeline and
 * camera. The filters live in the URL (`#/activity?pipeline=x&camera=y`) so other pages can link here.
 */
import type { RecentEvent, RecentMatchItem, WorkflowItem } from "../api/types.js";
import { href } from "../route.js";
import { argoLink, live } from "../state/live-data.js";
import { useStore } from "../state/store.js";
import { clock } from "../ui/format.js";
import { SelectField } from "../ui/field.js";

const SHOWN = 200;

function setFilter(query: URLSearchParams, name: string, value: string): void {
  const q = Object.fromEntries(query.entries());
  q[name] = value;
  location.hash = href("activity", q);
}

function Outcome({ m, wf, namespace }: { m: RecentMatchItem; wf: WorkflowItem | undefined; namespace: string }) {
  const link = m.workflow ? argoLink(wf ?? { name: m.workflow, namespace }) : undefined;
  const phase = wf?.phase;
  return (
    <span class="outcome">
      <span class={`tag o-${m.outcome}`}>{m.outcome}</span>
      {m.workflow &&
        (link ? (
          <a href={link} target="_blank" rel="noopener noreferrer" title="Open in the Argo UI">
            {m.workflow}
            <span class="sr-only"> (opens the Argo UI in a new tab)</span>
          </a>
        ) : (
          <code>{m.workflow}</code>
        ))}
      {phase && <span class={`tag p-${phase.toLowerCase()}`}>{phase}</span>}
    </span>
  );
}

function objectOf(e: RecentEvent): string {
  if (e.source === "webhook") return `hook ${e.hook ?? "?"}`;
  return `${e.bucket ?? ""}/${e.key ?? ""}`;
}

/** The activity page. */
export function ActivityPage({ query }: { query: URLSearchParams }) {
  const events = useStore(live, (s) => s.events);
  const pipelines = useStore(live, (s) => s.pipelines?.pipelines);
  const cameras = useStore(live, (s) => s.cameras);
  const workflows = useStore(live, (s) => s.workflows?.workflows);
  const pipeline = query.get("pipeline") ?? "";
  const camera = query.get("camera") ?? "";

  const byName = new Map((workflows ?? []).map((w) => [w.name, w]));
  const namespaceOf = new Map((pipelines ?? []).map((p) => [p.name, p.workflow.namespace]));
  const shown = events.filter((e) => (!camera || e.camera === camera) && (!pipeline || e.matches.some((m) => m.pipeline === pipeline))).slice(0, SHOWN);
  const cameraNames = [...new Set([...cameras.map((c) => c.camera), ...(camera ? [camera] : [])])].sort();

  return (
    <section aria-labelledby="activity-title">
      <div class="page-head">
        <h1 id="activity-title" tabIndex={-1}>
          Activity
        </h1>
        <p class="muted">The latest events, newest first, and the Workflows they became.</p>
        <div class="filters" role="group" aria-label="Filters">
          <SelectField
            label="Pipeline"
            class="inline"
            value={pipeline}
            options={[["", "All pipelines"], ...(pipelines ?? []).map((p) => [p.name, p.name] as const)]}
            onValue={(v) => setFilter(query, "pipeline", v)}
          />
          <SelectField label="Camera" class="inline" value={camera} options={[["", "All cameras"], ...cameraNames.map((c) => [c, c] as const)]} onValue={(v) => setFilter(query, "camera", v)} />
        </div>
      </div>
      <div class="table-wrap">
        <table class="activity">
          <caption class="sr-only">Recent events{pipeline && ` of pipeline ${pipeline}`}{camera && ` from camera ${camera}`}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Camera</th>
              <th scope="col">Object</th>
              <th scope="col">Pipeline → Workflow</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={`${e.id}@${e.seq ?? e.receivedAt}`} data-event={e.id}>
                <td title={e.receivedAt}>{clock(e.receivedAt)}</td>
                <td>{e.camera ? <a href={href("activity", { pipeline, camera: e.camera })}>{e.camera}</a> : <span class="muted">—</span>}</td>
                <td class="key">
                  <code>{objectOf(e)}</code>
                </td>
                <td>
                  {e.error && <div class="bad">{e.error}</div>}
                  {e.matches.length === 0 && !e.error && <span class="muted">matched no pipeline</span>}
                  <ul class="matches">
                    {e.matches
                      .filter((m) => !pipeline || m.pipeline === pipeline)
                      .map((m) => (
                        <li key={m.pipeline}>
                          <a href={href("activity", { pipeline: m.pipeline, camera })}>{m.pipeline}</a> →{" "}
                          <Outcome m={m} wf={m.workflow ? byName.get(m.workflow) : undefined} namespace={namespaceOf.get(m.pipeline) ?? "argo"} />
                        </li>
                      ))}
                  </ul>
                </td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={4} class="empty">
                  {events.length === 0 ? "No events since the gateway started." : "No recent event matches the filters."}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
