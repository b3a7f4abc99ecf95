/**
 * @module test/faults/exactly-once — the scenario every kill-and-restart test shares: five cameras, two
 * pipelines (one Workflow per frame with `select.dedupe`; batches of gate and street frames with
 * `select.batch` and `select.dedupe`), and the verdict once the faults are over: every frame whose PUT
 * succeeded is in exactly one Workflow of each pipeline that should process it, nothing else is, every
 * batch holds one camera's frames, and the consumer is drained.
 */
import type { Client } from "minio";
import { batchProblems, countKeys, exactlyOnce, type OnceReport, type WorkflowObject } from "./key-count.js";
import type { Attempt, Fleet } from "./fleet.js";
import { sleep, waitFor, type FaultRig } from "./rig.js";

/** Frames per batch Workflow in {@link exactlyOnceRules}. */
export const BATCH_SIZE = 5;

/** The five cameras of test `id`: two gate, one lobby, two street. */
export function cameras(id: string): string[] {
  return [`${id}-gate-01`, `${id}-lobby-01`, `${id}-street-01`, `${id}-gate-02`, `${id}-street-02`];
}

/** A pipeline under judgement: its name and which cameras' frames it must process. */
export interface JudgedPipeline {
  name: string;
  wants(camera: string): boolean;
  /** set for batch pipelines */
  batchSize?: number;
}

/** The two pipelines of test `id`, as rule files, and how to judge them. */
export function exactlyOnceRules(id: string): { rules: Record<string, string>; pipelines: JudgedPipeline[] } {
  const each = `${id}-each`;
  const batch = `${id}-batch`;
  const yaml = `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${each} }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg", where: { camera: ["${id}-*"] } }
  select: { dedupe: 1h }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: resize, service: resize }]
    parameters: { camera: "{camera}", key: "{key}" }
---
apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${batch} }
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg", where: { camera: ["${id}-gate-*", "${id}-street-*"] } }
  select: { dedupe: 1h, batch: { size: ${BATCH_SIZE}, window: 3s } }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: detect, service: detect }]
    parameters: { camera: "{camera}", keys: "{keys}", count: "{count}" }
`;
  return {
    rules: { [`${id}.yaml`]: yaml },
    pipelines: [
      { name: each, wants: (c) => c.startsWith(`${id}-`) },
      { name: batch, wants: (c) => c.startsWith(`${id}-gate-`) || c.startsWith(`${id}-street-`), batchSize: BATCH_SIZE },
    ],
  };
}

/** The verdict on one pipeline. */
export interface PipelineVerdict {
  pipeline: string;
  expected: number;
  workflows: number;
  report: OnceReport;
  batchProblems: string[];
}

/**
 * Keys of failed PUTs whose object exists anyway (MinIO stored it, then died before answering): such a
 * frame may be processed, at most once, but need not be.
 */
export async function storedDespiteFailure(client: Client, failed: Attempt[], bucket = "raw"): Promise<Set<string>> {
  const out = new Set<string>();
  for (const a of failed) {
    const there = await client.statObject(bucket, a.key).then(
      () => true,
      () => false,
    );
    if (there) out.add(a.key);
  }
  return out;
}

/**
 * Waits until every pipeline has a Workflow for each frame it should process and the consumer is drained,
 * waits `settleMs` more (late MinIO replays, redeliveries), and returns the verdict per pipeline.
 * Throws (with the state) when that does not happen within `ms`.
 */
export async function judge(
  rig: FaultRig,
  fleet: Fleet,
  pipelines: JudgedPipeline[],
  opts: { ms: number; settleMs?: number; allowed?: Set<string> },
): Promise<PipelineVerdict[]> {
  const ok = fleet.ok();
  const want = new Map(pipelines.map((p) => [p.name, ok.filter((a) => p.wants(a.camera)).map((a) => a.key)]));
  let state = "";
  const look = async () => {
    const all = new Map<string, WorkflowObject[]>();
    for (const p of pipelines) all.set(p.name, await rig.workflows(p.name));
    return all;
  };
  const complete = async () => {
    const all = await look();
    const c = await rig.consumer();
    const present = pipelines.map((p) => {
      const counts = countKeys(all.get(p.name)!);
      const missing = want.get(p.name)!.filter((k) => !counts.has(k));
      return { p, have: want.get(p.name)!.length - missing.length, missing };
    });
    const uploadedAt = new Map(ok.map((a) => [a.key, new Date(a.at).toISOString()]));
    state =
      present.map((x) => `${x.p.name}: ${x.have}/${want.get(x.p.name)!.length} frames`).join(", ") +
      `; consumer ${JSON.stringify(c)}; first missing (uploaded at): ${JSON.stringify(present.flatMap((x) => x.missing.slice(0, 5)).map((k) => [k, uploadedAt.get(k)]))}`;
    return present.every((x) => x.have === want.get(x.p.name)!.length) && c.pending === 0 && c.ackPending === 0;
  };
  await waitFor("every frame processed and the consumer drained", complete, opts.ms, () => `${state}\n${rig.output()}`);
  await sleep(opts.settleMs ?? 8_000);
  await waitFor("the consumer drained after settling", complete, 60_000, () => state);

  const all = await look();
  return pipelines.map((p) => {
    const wfs = all.get(p.name)!;
    return {
      pipeline: p.name,
      expected: want.get(p.name)!.length,
      workflows: wfs.length,
      report: exactlyOnce(countKeys(wfs), want.get(p.name)!, opts.allowed),
      batchProblems: p.batchSize ? batchProblems(wfs, p.batchSize) : [],
    };
  });
}

/** One line per pipeline for the test log: frames, Workflows, duplicates. */
export function summary(verdicts: PipelineVerdict[]): string {
  return verdicts
    .map((v) => `${v.pipeline}: ${v.expected} frames -> ${v.workflows} Workflows, ${v.report.duplicated.length} duplicated, ${v.report.missing.length} missing, ${v.report.unexpected.length} unexpected`)
    .join("\n");
}
