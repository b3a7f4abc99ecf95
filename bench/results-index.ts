/**
 * @module bench/results-index — the results index at fleet size: 1,000 and 10,000 cameras with
 * FRAMEGATE_RESULTS_PER_CAMERA entries each (realistic entries: a resize -> detect Workflow, 3 detections).
 * Prints the JSON bytes the stream stores per entry and in all, the heap the in-memory index takes, and query
 * times (one camera, the whole fleet, a label filter). `npm run bench -- results [--per-camera 8]`.
 */
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ResultEntry } from "../src/results/result-entry.js";
import { ResultsIndex } from "../src/results/results-index.js";
import { encodeResult } from "../src/results/results-stream.js";
import { printTable } from "./table.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Frame `n` of camera `c`; `at` is when its Workflow finished (every camera's frames interleaved in time). */
function entry(c: number, n: number, t0: number, at: number): ResultEntry {
  const camera = `gate-${String(c).padStart(5, "0")}`;
  const stem = `${camera}/2026/06/01/1200${String(n % 60).padStart(2, "0")}-${n}`;
  const box = (i: number) => ({ label: i === 2 ? "car" : "person", score: 0.5 + i / 10, box: { x: 10 * i, y: 20, width: 60, height: 180 } });
  return {
    id: `argo/people-detect-${camera}-${(c * 1000 + n).toString(16).padStart(10, "0")}#0`,
    camera,
    pipeline: "people-detect",
    source: { bucket: "raw", key: `${stem}.jpg` },
    processed: [
      { step: "resize", bucket: "processed", key: `people-detect/resize/${stem}.jpg` },
      { step: "detect", bucket: "processed", key: `people-detect/detect/${stem}.jpg` },
    ],
    frame: { bucket: "processed", key: `people-detect/resize/${stem}.jpg` },
    image: { width: 480, height: 640 },
    detections: [box(0), box(1), box(2)],
    detectionsFrom: `processed/people-detect/detect/${stem}.jpg.json`,
    workflow: { name: `people-detect-${camera}-${(c * 1000 + n).toString(16).padStart(10, "0")}`, namespace: "argo" },
    createdAt: new Date(t0 + n * 1000).toISOString(),
    finishedAt: new Date(at).toISOString(),
    steps: [
      { step: "resize", phase: "Succeeded", startedAt: new Date(t0).toISOString(), finishedAt: new Date(t0 + 1500).toISOString(), durationMs: 1500 },
      { step: "detect", phase: "Succeeded", startedAt: new Date(t0 + 1600).toISOString(), finishedAt: new Date(t0 + 3900).toISOString(), durationMs: 2300 },
    ],
  };
}

const time = (f: () => unknown, n = 20) => {
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - t) / n;
};

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { "per-camera": { type: "string", default: "8" } } });
  const perCamera = Number(values["per-camera"]);
  const rows: string[][] = [];
  for (const cameras of [1_000, 10_000]) {
    const t0 = Date.now() - 3_600_000;
    gc();
    const before = process.memoryUsage().heapUsed;
    const index = new ResultsIndex({ perCamera, maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 7 * 86_400_000 });
    let bytes = 0;
    for (let n = 0; n < perCamera; n++) {
      for (let c = 0; c < cameras; c++) {
        const e = entry(c, n, t0, t0 + (n * cameras + c) * 10);
        const len = encodeResult(e).length;
        bytes += len;
        index.add(e, len);
      }
    }
    gc();
    const heap = process.memoryUsage().heapUsed - before;
    const one = time(() => index.query({ camera: "gate-00042", limit: 50 }));
    const all = time(() => index.query({ limit: 50 }));
    const label = time(() => index.query({ label: "car", limit: 50 }));
    rows.push([
      cameras.toLocaleString(),
      index.size.toLocaleString(),
      `${Math.round(bytes / index.size)} B`,
      `${(bytes / 2 ** 20).toFixed(1)} MiB`,
      `${(heap / 2 ** 20).toFixed(1)} MiB`,
      `${one.toFixed(3)} ms`,
      `${all.toFixed(1)} ms`,
      `${label.toFixed(1)} ms`,
    ]);
  }
  printTable(["cameras", "entries", "JSON/entry", "stream (JSON)", "index heap", "query 1 camera", "query fleet", "query label"], rows);
}
