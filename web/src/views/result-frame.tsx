/**
 * @module web/views/result-frame — one processed frame with its detections drawn over it: an SVG in the image's
 * own pixel space (the detector's input size), so boxes stay in place at any display size. Each box carries its
 * label and score.
 */
import { useEffect, useState } from "preact/hooks";
import { frameUrl } from "../api/frames.js";
import type { ResultItem } from "../api/types.js";

/** "person 91%" */
export function boxText(d: { label: string; score: number }): string {
  return d.score <= 1 ? `${d.label} ${Math.round(d.score * 100)}%` : `${d.label} ${d.score.toFixed(2)}`;
}

/** The frame (thumbnail or full size) with boxes; `alt` says what is in it for screen readers. */
export function FrameWithBoxes({ r, size }: { r: ResultItem; size: "thumb" | "full" }) {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!r.frame) return;
    let on = true;
    frameUrl(r.frame.bucket, r.frame.key, size).then(
      (u) => on && setUrl(u),
      (e: Error) => on && setError(e.message),
    );
    return () => {
      on = false;
    };
  }, [r.frame?.bucket, r.frame?.key, size]);
  const labels = r.detections.map(boxText).join(", ");
  const alt = `Frame from ${r.camera || "no camera"}${labels ? `: ${labels}` : ", nothing detected"}`;
  const { width, height } = r.image ?? { width: 0, height: 0 };
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 200));
  const font = Math.max(12, Math.round(Math.max(width, height) / 32));
  return (
    <div class={`frame frame-${size}`} data-loaded={url ? "true" : "false"}>
      {url ? <img src={url} alt={alt} /> : <div class="frame-placeholder">{error ?? (r.frame ? "Loading…" : "No frame")}</div>}
      {url && width > 0 && (
        <svg class="boxes" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" aria-hidden="true">
          {r.detections.map((d, i) => (
            <g key={i} class="box" data-label={d.label} data-score={d.score}>
              <rect x={d.box.x} y={d.box.y} width={d.box.width} height={d.box.height} stroke-width={stroke} />
              <text x={d.box.x + stroke} y={Math.max(font, d.box.y - stroke)} font-size={font}>
                {boxText(d)}
              </text>
            </g>
          ))}
        </svg>
      )}
    </div>
  );
}
