/**
 * @module web/views/results — what the pipelines produced: per camera the latest processed frames as
 * thumbnails with their detections drawn, filtered by camera, pipeline, label and time (kept in the URL,
 * `#/results?camera=gate-01&label=person&since=1h`). A frame opens full size with its Workflow and step
 * timings. Refreshed every few seconds while shown; the "Run on an object" form is at the bottom.
 */
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api/client.js";
import type { ResultItem, ResultsBody } from "../api/types.js";
import { href } from "../route.js";
import { live } from "../state/live-data.js";
import { useStore } from "../state/store.js";
import { ago } from "../ui/format.js";
import { SelectField } from "../ui/field.js";
import { ResultDetail } from "./result-detail.js";
import { boxText, FrameWithBoxes } from "./result-frame.js";
import { RunOnObject } from "./run-object.js";

const REFRESH_MS = 4000;
const SINCE: readonly (readonly [string, string])[] = [["", "Any time"], ["15m", "Last 15 min"], ["1h", "Last hour"], ["24h", "Last 24 h"], ["7d", "Last 7 days"]];
const FILTERS = ["camera", "pipeline", "label", "since"] as const;

function setFilter(query: URLSearchParams, name: string, value: string): void {
  const q = Object.fromEntries(query.entries());
  q[name] = value;
  location.hash = href("results", q);
}

/** Results grouped by camera, each group newest first, cameras by their newest result. */
function byCamera(results: ResultItem[]): [string, ResultItem[]][] {
  const groups = new Map<string, ResultItem[]>();
  for (const r of results) groups.set(r.camera, [...(groups.get(r.camera) ?? []), r]);
  return [...groups.entries()];
}

/** The results page. */
export function ResultsPage({ query }: { query: URLSearchParams }) {
  const pipelines = useStore(live, (s) => s.pipelines?.pipelines);
  const cameras = useStore(live, (s) => s.cameras);
  const [body, setBody] = useState<ResultsBody>();
  const [error, setError] = useState<string>();
  const [open, setOpen] = useState<ResultItem>();
  const filter = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ""])) as Record<(typeof FILTERS)[number], string>;
  const qs = new URLSearchParams(Object.entries({ ...filter, limit: "200" }).filter(([, v]) => v)).toString();

  useEffect(() => {
    let on = true;
    const load = () =>
      api<ResultsBody>(`/results?${qs}`).then(
        (b) => on && (setBody(b), setError(undefined)),
        (e: unknown) => on && setError(e instanceof ApiError ? e.message : String(e)),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      on = false;
      clearInterval(timer);
    };
  }, [qs]);

  const labels = Object.keys(body?.index.labels ?? {}).sort();
  const cameraNames = [...new Set([...cameras.map((c) => c.camera), ...(body?.results ?? []).map((r) => r.camera), ...(filter.camera ? [filter.camera] : [])])].filter(Boolean).sort();
  const groups = byCamera(body?.results ?? []);
  return (
    <section aria-labelledby="results-title">
      <div class="page-head">
        <h1 id="results-title" tabIndex={-1}>
          Results
        </h1>
        <p class="muted">
          The latest processed frames per camera, with what was detected.
          {body && ` The index holds ${body.index.entries} frames of ${body.index.cameras} cameras (the newest ${body.index.limits.perCamera} per camera).`}
        </p>
        <div class="filters" role="group" aria-label="Filters">
          <SelectField label="Camera" class="inline" value={filter.camera} options={[["", "All cameras"], ...cameraNames.map((c) => [c, c] as const)]} onValue={(v) => setFilter(query, "camera", v)} />
          <SelectField label="Pipeline" class="inline" value={filter.pipeline} options={[["", "All pipelines"], ...(pipelines ?? []).map((p) => [p.name, p.name] as const)]} onValue={(v) => setFilter(query, "pipeline", v)} />
          <SelectField label="Label" class="inline" value={filter.label} options={[["", "Any label"], ...[...new Set([...labels, ...(filter.label ? [filter.label] : [])])].map((l) => [l, l] as const)]} onValue={(v) => setFilter(query, "label", v)} />
          <SelectField
            label="Time"
            class="inline"
            value={filter.since}
            options={SINCE.some(([v]) => v === filter.since) ? SINCE : [...SINCE, [filter.since, `Since ${filter.since}`] as const]}
            onValue={(v) => setFilter(query, "since", v)}
          />
        </div>
      </div>
      {error && (
        <div class="banner error" role="alert">
          {error}
        </div>
      )}
      {body && !body.frames && <p class="banner error">The gateway has no results identity, so frames cannot be shown: set FRAMEGATE_MINIO_RESULTS_ACCESS_KEY and _SECRET_KEY.</p>}
      {groups.map(([camera, results]) => (
        <section class="panel camera-results" key={camera} data-camera={camera} aria-label={`Camera ${camera || "none"}`}>
          <h2>
            {camera ? <a href={href("results", { ...filter, camera })}>{camera}</a> : "no camera"} <span class="muted small">latest {ago(results[0]!.finishedAt)}</span>
          </h2>
          <ul class="thumbs">
            {results.map((r) => (
              <li key={r.id} data-result={r.id} data-pipeline={r.pipeline}>
                <button type="button" class="thumb" onClick={() => setOpen(r)} aria-label={`Open the frame of ${ago(r.finishedAt)} full size`}>
                  <FrameWithBoxes r={r} size="thumb" />
                </button>
                <div class="thumb-caption">
                  <span>{r.pipeline}</span> <span class="muted">{ago(r.finishedAt)}</span>
                  <div class="small">{r.detections.length ? r.detections.map(boxText).join(", ") : <span class="muted">nothing detected</span>}</div>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {body && groups.length === 0 && <p class="panel empty">{body.index.entries === 0 ? "No processed frames yet: results appear here when a Workflow succeeds." : "No result matches the filters."}</p>}
      <RunOnObject />
      {open && <ResultDetail r={open} onClose={() => setOpen(undefined)} />}
    </section>
  );
}
