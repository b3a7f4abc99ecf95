/**
 * @module web/views/cameras — every camera the gateway has seen: last frame, frames per minute,
 * Workflows and failures. Rows arrive over the event stream, so a new camera shows up without a reload
 * (and is announced to screen readers).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { href } from "../route.js";
import { live } from "../state/live-data.js";
import { useStore } from "../state/store.js";
import { ago, count } from "../ui/format.js";
import { useNow } from "../ui/use-now.js";

const FRESH_MS = 10_000;

/** The cameras page. */
export function CamerasPage() {
  const cameras = useStore(live, (s) => s.cameras);
  const from = useStore(live, (s) => s.camerasFrom);
  const now = useNow();
  const [filter, setFilter] = useState("");
  // cameras that appeared while the page was open: highlighted for a while, and announced
  const known = useRef<Set<string> | undefined>(undefined);
  const [fresh, setFresh] = useState<Map<string, number>>(new Map());
  const [announce, setAnnounce] = useState("");
  useEffect(() => {
    const names = cameras.map((c) => c.camera);
    if (known.current === undefined) {
      known.current = new Set(names);
      return;
    }
    const added = names.filter((n) => !known.current!.has(n));
    if (added.length === 0) return;
    for (const n of added) known.current.add(n);
    setFresh((m) => new Map([...m, ...added.map((n) => [n, Date.now()] as [string, number])]));
    setAnnounce(`New camera${added.length > 1 ? "s" : ""}: ${added.join(", ")}`);
  }, [cameras]);

  const shown = filter ? cameras.filter((c) => c.camera.toLowerCase().includes(filter.toLowerCase())) : cameras;
  return (
    <section aria-labelledby="cameras-title">
      <div class="page-head">
        <h1 id="cameras-title" tabIndex={-1}>
          Cameras
        </h1>
        <p class="muted">
          {cameras.length} camera{cameras.length === 1 ? "" : "s"} seen
          {from === "events" && " (from the recent events this gateway keeps)"}. A new camera needs no configuration: it appears here with its first frame.
        </p>
        <div class="field inline">
          <label for="camera-filter">Filter</label>
          <input id="camera-filter" type="search" value={filter} placeholder="camera id" onInput={(e) => setFilter(e.currentTarget.value)} />
        </div>
      </div>
      <p class="sr-only" role="status" aria-live="polite">
        {announce}
      </p>
      <div class="table-wrap">
        <table class="cameras">
          <caption class="sr-only">Cameras, most recently seen first</caption>
          <thead>
            <tr>
              <th scope="col">Camera</th>
              <th scope="col">Last frame</th>
              <th scope="col" class="num">
                Frames/min
              </th>
              <th scope="col" class="num">
                Frames
              </th>
              <th scope="col" class="num">
                Workflows
              </th>
              <th scope="col" class="num">
                Failures
              </th>
              <th scope="col">Last key</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => {
              const isFresh = now - (fresh.get(c.camera) ?? 0) < FRESH_MS;
              return (
                <tr key={c.camera} data-camera={c.camera} class={isFresh ? "fresh" : ""}>
                  <th scope="row">
                    <a href={href("activity", { camera: c.camera })}>{c.camera}</a>
                    {isFresh && <span class="tag new">new</span>}
                    <div class="sub">
                      <a href={href("results", { camera: c.camera })} aria-label={`Results of ${c.camera}`}>
                        results
                      </a>
                    </div>
                  </th>
                  <td title={c.lastSeen}>{ago(c.lastSeen, now)}</td>
                  <td class="num">{count(c.framesPerMinute)}</td>
                  <td class="num">{count(c.frames)}</td>
                  <td class="num">{count(c.workflows)}</td>
                  <td class={`num ${c.failures ? "bad" : ""}`}>{count(c.failures)}</td>
                  <td class="key">
                    <code>{c.lastKey ?? "—"}</code>
                  </td>
                </tr>
              );
            })}
            {shown.length === 0 && (
              <tr>
                <td colSpan={7} class="empty">
                  {cameras.length === 0 ? "No camera has uploaded a frame since the gateway started." : "No camera matches the filter."}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
