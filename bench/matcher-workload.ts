/**
 * @module bench/matcher-workload — the matcher benchmark's pipelines and events: the rule mix at a given
 * size and events drawn from what those pipelines match (see bench/matcher.ts for the mix).
 */
import { compilePipeline } from "../src/rules/compile-pipeline.js";
import { pipelineSchema } from "../src/rules/schema.js";
import type { CompiledPipeline, Matcher } from "../src/rules/types.js";
import type { ObjectEvent } from "../src/triggers/event.js";

const BUCKETS = 10;


const pad = (n: number, w: number) => String(n).padStart(w, "0");
const CAMERAS = [
  ...Array.from({ length: 8000 }, (_, i) => `cam-${pad(i, 4)}`),
  ...Array.from({ length: 1000 }, (_, i) => `gate-${pad(i, 3)}`),
  ...Array.from({ length: 1000 }, (_, i) => `lobby-${pad(i, 3)}`),
];
/** each camera uploads into one bucket */
const bucketOf = (camera: string) => {
  let h = 2166136261;
  for (let i = 0; i < camera.length; i++) h = Math.imul(h ^ camera.charCodeAt(i), 16777619);
  return `raw-${(h >>> 0) % BUCKETS}`;
};

/** A pipeline and an event it matches (a camera and optionally a fixed frame number). */
export interface Generated {
  pipeline: CompiledPipeline;
  witness: { camera: string; frame?: number };
}

function pipeline(i: number, trigger: Record<string, unknown>): CompiledPipeline {
  const doc = {
    apiVersion: "framegate.io/v1alpha1",
    kind: "Pipeline",
    metadata: { name: `bench-${i}` },
    spec: { trigger, workflow: { templateRef: "image-processing", parameters: { camera: "{camera}", key: "{key}" } } },
  };
  return compilePipeline(pipelineSchema.parse(doc), "bench");
}

function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/**
 * Which events and rules: `mix` (the headline) as described in bench/matcher.ts; `distinct` keeps one
 * match per matching event at every size, to show what the index costs apart from more output: each
 * glob pipeline's glob names its own camera (`gate-012*`, no two pipelines sharing one), the frame
 * numbers of suffix pipelines (1000 and up) are never drawn for other events, and their witnesses are
 * cameras no prefix pipeline watches.
 */
export type Workload = "mix" | "distinct";

/**
 * The rule mix. Targets are drawn without replacement — each prefix pipeline watches its own camera,
 * each glob pipeline is written for a different gate/lobby camera's group, each suffix pipeline has its
 * own bucket and frame number — so matches per event stay comparable across sizes and the table
 * shows what the index costs, not more output.
 */
export function generatePipelines(n: number, rand: () => number, workload: Workload = "mix"): Generated[] {
  const cams = shuffled(CAMERAS.slice(0, 8000), rand);
  const others = shuffled(CAMERAS.slice(8000), rand);
  const suffixes = shuffled(Array.from({ length: BUCKETS * 1000 }, (_, i) => i), rand);
  let c = 0;
  let o = 0;
  let f = 0;
  const out: Generated[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 10;
    if (kind < 7) {
      const camera = cams[c++ % cams.length]!;
      out.push({ pipeline: pipeline(i, { bucket: bucketOf(camera), key: `${camera}/**/*.jpg` }), witness: { camera } });
    } else if (kind < 9) {
      const camera = others[o++ % others.length]!;
      const glob =
        workload === "distinct" ? `${camera}*` : camera.startsWith("gate-") ? `gate-${camera.slice(5, 7)}*` : `lobby-${camera.slice(6, 8)}?`;
      out.push({ pipeline: pipeline(i, { bucket: bucketOf(camera), key: "{camera}/**", where: { camera: [glob] } }), witness: { camera } });
    } else {
      const combo = suffixes[f++ % suffixes.length]!;
      const bucket = `raw-${combo % BUCKETS}`;
      const frame = Math.floor(combo / BUCKETS) + (workload === "distinct" ? 1000 : 0);
      // distinct: a camera no prefix pipeline watches (those take cams from the front, at most 7,000 of 8,000)
      const pool = workload === "distinct" ? cams.slice(7000) : CAMERAS;
      let camera = pool[Math.floor(rand() * pool.length)]!;
      while (bucketOf(camera) !== bucket) camera = pool[Math.floor(rand() * pool.length)]!;
      out.push({ pipeline: pipeline(i, { bucket, suffix: `-${frame}.jpg` }), witness: { camera, frame } });
    }
  }
  return out;
}

function event(camera: string, frame: number, rand: () => number, seq: number): ObjectEvent {
  const d = 1 + Math.floor(rand() * 28);
  const t = Math.floor(rand() * 86_400);
  const key = `${camera}/2026/11/${pad(d, 2)}/${pad(Math.floor(t / 3600), 2)}${pad(Math.floor(t / 60) % 60, 2)}${pad(t % 60, 2)}-${frame}.jpg`;
  const bucket = bucketOf(camera);
  return {
    source: "minio",
    id: `${bucket}/${key}@${seq}`,
    eventName: "s3:ObjectCreated:Put",
    eventTime: "2026-11-28T12:00:00.000Z",
    bucket,
    key,
    size: 180_000 + seq,
    etag: `e${seq}`,
    contentType: "image/jpeg",
    metadata: {},
  };
}

/**
 * Two thirds drawn from the pipelines' witnesses, one third re-drawn until nothing matches. (Frame
 * numbers drawn here are below 1000, so in the `distinct` workload they never hit a suffix pipeline.)
 */
export function generateEvents(gen: Generated[], indexed: Matcher, rand: () => number, count: number): ObjectEvent[] {
  const events: ObjectEvent[] = [];
  while (events.length < count) {
    const seq = events.length;
    if (seq % 3 !== 2) {
      const g = gen[Math.floor(rand() * gen.length)]!;
      events.push(event(g.witness.camera, g.witness.frame ?? Math.floor(rand() * 1000), rand, seq));
      continue;
    }
    for (;;) {
      const e = event(CAMERAS[Math.floor(rand() * CAMERAS.length)]!, Math.floor(rand() * 1000), rand, seq);
      if (indexed.match(e).length === 0) {
        events.push(e);
        break;
      }
    }
  }
  return events;
}
