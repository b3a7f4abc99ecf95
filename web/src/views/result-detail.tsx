/**
 * @module web/views/result-detail — a result opened full size in a modal dialog: the frame with its boxes, the
 * detections as a list, the Workflow (linked to the Argo UI when it is configured), step timings, and the
 * source and processed objects.
 */
import { useEffect, useRef } from "preact/hooks";
import type { ResultItem } from "../api/types.js";
import { argoLink } from "../state/live-data.js";
import { boxText, FrameWithBoxes } from "./result-frame.js";

const seconds = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`);

/** The dialog; `onClose` when it is dismissed (Escape, the Close button). */
export function ResultDetail({ r, onClose }: { r: ResultItem; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);
  const link = argoLink(r.workflow);
  return (
    <dialog ref={dialog} class="result-detail" aria-labelledby="result-title" onClose={onClose}>
      <div class="panel-head">
        <h2 id="result-title">
          {r.camera || "no camera"} · {r.pipeline} · {new Date(r.finishedAt).toLocaleString()}
        </h2>
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
      </div>
      <div class="detail-grid">
        <FrameWithBoxes r={r} size="full" />
        <div>
          <h3>Workflow</h3>
          <p>
            {link ? (
              <a href={link} target="_blank" rel="noopener noreferrer" class="workflow-link">
                {r.workflow.name}
                <span class="sr-only"> (opens the Argo UI in a new tab)</span>
              </a>
            ) : (
              <code class="workflow-link">{r.workflow.name}</code>
            )}{" "}
            <span class="muted">in {r.workflow.namespace}</span>
          </p>
          <table class="compact step-timings">
            <caption class="sr-only">Step timings</caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Phase</th>
                <th scope="col" class="num">Took</th>
              </tr>
            </thead>
            <tbody>
              {r.steps.map((s) => (
                <tr key={s.step}>
                  <th scope="row">{s.step}</th>
                  <td>{s.phase}</td>
                  <td class="num">{seconds(s.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Detections</h3>
          {r.detections.length ? (
            <ul class="chips detections">
              {r.detections.map((d, i) => (
                <li key={i}>{boxText(d)}</li>
              ))}
            </ul>
          ) : (
            <p class="muted">Nothing detected{r.detectionsFrom ? "" : " (no step of this pipeline writes detections)"}.</p>
          )}
          <h3>Objects</h3>
          <ul class="objects">
            <li>
              source <code>{`${r.source.bucket}/${r.source.key}`}</code>
            </li>
            {r.processed.map((p) => (
              <li key={p.step}>
                {p.step} <code>{`${p.bucket}/${p.key}`}</code>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </dialog>
  );
}
