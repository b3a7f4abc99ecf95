/**
 * @module bench/peers-workflow — the Workflow framegate creates, as an Argo Events trigger: `framegate render`
 * renders a pipeline's Workflow for a sample frame, and every string in it that depends on the frame (the key,
 * the camera, the ETag: annotations, labels, step inputs and outputs, arguments) becomes a trigger parameter
 * whose Go template computes it from the MinIO notification, so the Sensor creates the same object framegate
 * would for each event. The name is the one difference: Argo Events' triggers use `generateName`.
 *
 * The templates undo MinIO's query-escaping of keys for "/" only (`replace "%2F" "/"`): Argo Events' template
 * functions (sprig) have no URL decoding, and the benchmark's keys hold no other escaped character.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { sampleNotification } from "../src/triggers/sample-notification.js";
import { runFramegate } from "../test/harness/framegate.js";
import type { EventRecords, TriggerParameter } from "./argo-events.js";

const CAMERA = "samplecam";
const KEY = `${CAMERA}/sample/frame.jpg`;
const ETAG = "sampleetag0123456789";

/** Go template variables every parameter starts with: the record's key (unescaped), camera and ETag. */
const prelude = (records: EventRecords) =>
  `{{ $r := index .Input.${records === "body.Records" ? "body.Records" : "notification"} 0 }}{{ $key := $r.s3.object.key | replace "%2F" "/" }}` +
  '{{ $camera := $key | splitList "/" | first }}{{ $etag := $r.s3.object.eTag }}';

/** A string as Go template text: literal pieces as quoted strings (so `{{` in them stays literal), the frame's parts as variables. */
function goTemplate(value: string, records: EventRecords): string {
  const parts = value.split(new RegExp(`(${KEY.replace(/\./g, "\\.")}|${CAMERA}|${ETAG})`));
  const pieces = parts.map((p) => {
    if (p === KEY) return "{{ $key }}";
    if (p === CAMERA) return "{{ $camera }}";
    if (p === ETAG) return "{{ $etag }}";
    return p === "" ? "" : `{{ ${JSON.stringify(p)} }}`;
  });
  return prelude(records) + pieces.join("");
}

/** sjson path of a property: dots in names (`framegate.io/key`) escaped. */
const pathOf = (parts: (string | number)[]) => parts.map((p) => String(p).replace(/[.*?]/g, (c) => `\\${c}`)).join(".");

/** Every string leaf under `node` that mentions the sample frame, as a parameter setting it from the event. */
function parametersOf(node: unknown, at: (string | number)[], records: EventRecords, out: TriggerParameter[]): void {
  if (typeof node === "string") {
    if (node.includes(CAMERA) || node.includes(ETAG)) out.push({ src: { dependencyName: "frame", dataTemplate: goTemplate(node, records) }, dest: pathOf(at) });
  } else if (Array.isArray(node)) {
    node.forEach((v, i) => parametersOf(v, [...at, i], records, out));
  } else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) parametersOf(v, [...at, k], records, out);
  }
}

type RenderOptions = { rulesDir: string; pipeline: string; bucket: string; workDir: string; env: Record<string, string> };

/** The Workflow `framegate render` prints for `pipeline` and one frame (`key`, `etag`) in `bucket`. */
export async function renderFor(o: RenderOptions & { key: string; etag: string }): Promise<Record<string, unknown>> {
  const event = join(o.workDir, `${o.pipeline}-event.json`);
  writeFileSync(event, JSON.stringify(sampleNotification({ bucket: o.bucket, key: o.key, etag: o.etag, size: 1000 })));
  const r = await runFramegate(["render", "--event", event, "--rules", o.rulesDir, "--pipeline", o.pipeline], o.env);
  if (r.code !== 0) throw new Error(`framegate render failed (${r.code}):\n${r.stderr}`);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, unknown> | null).filter((d) => d !== null);
  if (docs.length !== 1) throw new Error(`framegate render printed ${docs.length} Workflows for ${o.pipeline}, expected 1:\n${r.stdout.slice(0, 500)}`);
  return docs[0]!;
}

/** Absent, "" or {}: Argo's CLI re-encodes a Workflow through its Go types, which write empty fields as {} or "" or drop them. */
const isEmpty = (v: unknown) => v === undefined || v === "" || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

/**
 * Where `created` (read back from the API server) differs from `rendered` (framegate's), leaving out what only
 * names or tracks the object: name and generateName, server fields, status, the labels and annotations Argo
 * Events and Argo's CLI add (`events.argoproj.io/*`, `workflows.argoproj.io/*`), and empty fields.
 */
export function workflowDifferences(rendered: unknown, created: unknown, at = ""): string[] {
  const skip = /^\.metadata\.(name|generateName|uid|resourceVersion|creationTimestamp|generation|managedFields)$|^\.status$|^\.metadata\.(labels|annotations)\.(events|workflows)\.argoproj\.io\//;
  if (skip.test(at) || (isEmpty(rendered) && isEmpty(created))) return [];
  if (rendered && created && typeof rendered === "object" && typeof created === "object") {
    const keys = new Set([...Object.keys(rendered), ...Object.keys(created)]);
    return [...keys].flatMap((k) => workflowDifferences((rendered as Record<string, unknown>)[k], (created as Record<string, unknown>)[k], `${at}.${k}`));
  }
  return JSON.stringify(rendered) === JSON.stringify(created) ? [] : [`${at}: ${JSON.stringify(rendered)?.slice(0, 80)} != ${JSON.stringify(created)?.slice(0, 80)}`];
}

/** The Workflow `pipeline` (in `rulesDir`) renders for a frame in `bucket`, and the parameters that make it any frame's. */
export async function workflowTrigger(o: RenderOptions & { records: EventRecords }): Promise<{ workflow: Record<string, unknown>; parameters: TriggerParameter[] }> {
  const workflow = await renderFor({ ...o, key: KEY, etag: ETAG });
  const metadata = workflow.metadata as Record<string, unknown>;
  delete metadata.name;
  metadata.generateName = `${o.pipeline}-`;
  const parameters: TriggerParameter[] = [];
  parametersOf(workflow, [], o.records, parameters);
  if (!parameters.some((p) => p.dest === "metadata.annotations.framegate\\.io/key")) {
    throw new Error(`the rendered Workflow of ${o.pipeline} has no framegate.io/key annotation: the benchmark finds Workflows by it`);
  }
  return { workflow, parameters };
}
