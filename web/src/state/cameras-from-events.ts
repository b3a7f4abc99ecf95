/**
 * @module web/state/cameras-from-events — camera rows computed from recent events, for gateways whose
 * `/api/cameras` is not there (older versions): the same columns, over the events the gateway kept.
 */
import type { CameraItem, RecentEvent } from "../api/types.js";

/** One row per camera seen in `events`, most recently seen first. `now` is for frames/min. */
export function camerasFromEvents(events: readonly RecentEvent[], now = Date.now()): CameraItem[] {
  const rows = new Map<string, CameraItem>();
  for (const e of events) {
    if (!e.camera) continue;
    const t = e.receivedAt;
    let r = rows.get(e.camera);
    if (!r) {
      r = { camera: e.camera, firstSeen: t, lastSeen: t, frames: 0, framesPerMinute: 0, workflows: 0, failures: 0 };
      if (e.key !== undefined) r.lastKey = e.key;
      rows.set(e.camera, r);
    }
    r.frames++;
    if (t < r.firstSeen) r.firstSeen = t;
    if (t > r.lastSeen) {
      r.lastSeen = t;
      if (e.key !== undefined) r.lastKey = e.key;
    }
    if (now - Date.parse(t) <= 60_000) r.framesPerMinute++;
    r.workflows += e.matches.filter((m) => m.workflow && (m.outcome === "created" || m.outcome === "batched")).length;
    r.failures += e.matches.filter((m) => m.outcome === "failed").length + (e.error ? 1 : 0);
  }
  return [...rows.values()].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1));
}
