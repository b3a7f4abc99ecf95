/**
 * @module web/views/overview — every pipeline with its trigger, select and limits, its live counts
 * (events matched, skipped, waiting; Workflows running, succeeded, failed), and the rule-load errors
 * with file:line when the last change on disk was refused.
 */
import type { PipelineStats, PipelineSummary } from "../api/types.js";
import { href } from "../route.js";
import { live } from "../state/live-data.js";
import { useStore } from "../state/store.js";
import { ago, count } from "../ui/format.js";

const sum = (r: Record<string, number> | undefined) => Object.values(r ?? {}).reduce((a, b) => a + b, 0);
const detail = (r: Record<string, number> | undefined) =>
  Object.entries(r ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");

function Trigger({ p }: { p: PipelineSummary }) {
  const t = p.trigger;
  if (t.source === "webhook") {
    return (
      <>
        webhook <code>/hooks/{t.hook}</code>
        {t.where?.fields && <div class="sub">where {Object.entries(t.where.fields).map(([k, v]) => `${k} ∈ ${v.join("|")}`).join(", ")}</div>}
      </>
    );
  }
  const key = t.key ?? [t.prefix && `${t.prefix}…`, t.suffix && `…${t.suffix}`].filter(Boolean).join(" ") ?? "";
  return (
    <>
      <code>
        {t.bucket}/{key || "*"}
      </code>
      {t.where?.camera && <div class="sub">cameras {t.where.camera.join(", ")}</div>}
      {t.where?.contentType && <div class="sub">type {t.where.contentType.join(", ")}</div>}
    </>
  );
}

function SelectLimits({ p }: { p: PipelineSummary }) {
  const s = p.select;
  const parts = [
    `by ${s.by}`,
    s.dedupe && `dedupe ${s.dedupe}`,
    s.sample && `sample ${s.sample}`,
    s.batch && `batch ${s.batch.size} / ${s.batch.window}`,
    p.limits.maxInFlight !== undefined && `≤ ${p.limits.maxInFlight} in flight`,
    p.limits.ratePerSecond !== undefined && `≤ ${p.limits.ratePerSecond}/s`,
  ].filter(Boolean);
  return (
    <ul class="chips">
      {parts.map((x) => (
        <li key={String(x)}>{x}</li>
      ))}
    </ul>
  );
}

function Steps({ p }: { p: PipelineSummary }) {
  const w = p.workflow;
  if (w.templateRef) return <span>template {w.templateRef}</span>;
  return <span>{(w.steps ?? []).map((s) => s.name).join(" → ")}</span>;
}

/** The overview page. */
export function OverviewPage() {
  const pipelines = useStore(live, (s) => s.pipelines);
  const stats = useStore(live, (s) => s.stats);
  const workflows = useStore(live, (s) => s.workflows);
  const list = pipelines?.pipelines ?? [];
  const issues = pipelines?.issues ?? [];

  return (
    <section aria-labelledby="overview-title">
      <div class="page-head">
        <h1 id="overview-title" tabIndex={-1}>
          Pipelines
        </h1>
        <p class="muted">
          {pipelines ? `${list.length} pipeline${list.length === 1 ? "" : "s"} active, loaded ${ago(pipelines.loadedAt ?? undefined)}` : "Loading…"}
          {stats && ` · ${count(sum(stats.received))} events received, ${count(stats.unmatched)} matched nothing, ${count(stats.inFlight)} in flight`}
        </p>
        <a class="button" href={href("composer")}>
          New pipeline
        </a>
      </div>

      {issues.length > 0 && (
        <div class="panel error" role="alert" aria-labelledby="rule-issues-title">
          <h2 id="rule-issues-title">The last rule change was refused — the gateway keeps running the previous rules</h2>
          <ul class="issues">
            {issues.map((i) => (
              <li key={i.text}>
                <code>
                  {i.file}:{i.line}:{i.col}
                </code>{" "}
                {i.path && <code class="path">{i.path}</code>} {i.message}
              </li>
            ))}
          </ul>
          <p class="help">
            Fix the files and save; the gateway reloads them. Check first with <code>framegate validate</code>.
          </p>
        </div>
      )}

      <div class="table-wrap">
        <table class="pipelines">
          <caption class="sr-only">Pipelines with their trigger, select and limits, and counts since the gateway started</caption>
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Trigger</th>
              <th scope="col">Select and limits</th>
              <th scope="col" class="num">
                Matched
              </th>
              <th scope="col" class="num">
                Skipped
              </th>
              <th scope="col" class="num">
                Waiting
              </th>
              <th scope="col" class="num" title="Workflows pending or running now">
                Running
              </th>
              <th scope="col" class="num">
                Succeeded
              </th>
              <th scope="col" class="num">
                Failed
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((p) => {
              const st: PipelineStats | undefined = stats?.pipelines[p.name];
              // once the Workflow list is loaded a pipeline without Workflows has zero of each
              const wc = workflows ? (workflows.counts[p.name] ?? { pending: 0, running: 0, succeeded: 0, failed: 0 }) : undefined;
              // without the Workflow watcher, submissions are what the gateway knows
              const failed = wc ? wc.failed : st?.workflows.failed;
              return (
                <tr key={p.name} data-pipeline={p.name}>
                  <th scope="row">
                    <a href={href("activity", { pipeline: p.name })} class="name">
                      {p.name}
                    </a>
                    {p.description && <div class="sub">{p.description}</div>}
                    <div class="sub">
                      <Steps p={p} /> ·{" "}
                      <span class="file" title={p.file}>
                        {p.file.split("/").pop()}
                      </span>
                    </div>
                  </th>
                  <td>
                    <Trigger p={p} />
                  </td>
                  <td>
                    <SelectLimits p={p} />
                  </td>
                  <td class="num">{count(st?.matched ?? 0)}</td>
                  <td class="num" title={detail(st?.skipped)}>
                    {count(sum(st?.skipped))}
                  </td>
                  <td class="num" title={detail(st?.waiting)}>
                    {count(sum(st?.waiting))}
                  </td>
                  <td class="num">{wc ? count(wc.running + wc.pending) : "—"}</td>
                  <td class="num">{wc ? count(wc.succeeded) : "—"}</td>
                  <td class={`num ${failed ? "bad" : ""}`}>{count(failed ?? 0)}</td>
                </tr>
              );
            })}
            {pipelines && list.length === 0 && (
              <tr>
                <td colSpan={9} class="empty">
                  No pipelines yet. <a href={href("composer")}>Compose one</a>, or add YAML files to the rules folder.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {workflows === null && <p class="muted small">Workflow phases are not available from this gateway (no /api/workflows); Failed counts failed submissions.</p>}
    </section>
  );
}
