/**
 * @module results/workflow-result — what a succeeded Workflow produced, read from the Workflow object itself:
 * the object keys every step read and wrote (rendered into each step's environment, the service contract) and
 * the step timings (`status.nodes`). Pure; the feeder adds the detections from the sidecars.
 * Workflows from a `workflowTemplateRef` carry no step environment: they give no frames.
 */
import type { ObjectRef, StepTiming } from "./result-entry.js";

/** The parts of a full Workflow (before the informer slims it) that are read here. */
export interface FullWorkflow {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string | Date; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  status?: { phase?: string; startedAt?: string | null; finishedAt?: string | null; nodes?: unknown; [k: string]: unknown };
}

/** One step's outputs for every frame of the Workflow. */
export interface StepOutputs {
  step: string;
  bucket: string;
  /** `keys[i]` is the output for frame `i` */
  keys: string[];
}

/** What a succeeded Workflow produced. */
export interface WorkflowResult {
  name: string;
  namespace: string;
  pipeline: string;
  camera: string;
  createdAt: string;
  finishedAt: string;
  /** the event's objects, frame `i` at `i` */
  sources: ObjectRef[];
  /** in the order of the Workflow's templates (the pipeline's step order) */
  steps: StepOutputs[];
  timings: StepTiming[];
}

interface Template {
  name?: string;
  container?: { env?: Array<{ name?: string; value?: string }> };
  dag?: { tasks?: Array<{ name?: string; template?: string; dependencies?: string[] }> };
}

interface ArgoNode {
  type?: string;
  templateName?: string;
  phase?: string;
  startedAt?: string;
  finishedAt?: string;
}

const iso = (v: unknown): string | undefined =>
  v instanceof Date ? v.toISOString() : typeof v === "string" && v !== "" ? v : undefined;

function jsonKeys(v: string | undefined): string[] {
  if (!v) return [];
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) && parsed.every((k) => typeof k === "string") ? parsed : [];
  } catch {
    return [];
  }
}

/** Timing of one step: its Retry node (all attempts) when it has one, else its latest Pod node. */
function timingOf(step: string, nodes: ArgoNode[]): StepTiming {
  const mine = nodes.filter((n) => n.templateName === step && (n.type === "Retry" || n.type === "Pod"));
  const node = mine.find((n) => n.type === "Retry") ?? mine.sort((a, b) => (a.startedAt ?? "").localeCompare(b.startedAt ?? "")).at(-1);
  const t: StepTiming = { step, phase: node?.phase ?? "Unknown" };
  if (node?.startedAt) t.startedAt = node.startedAt;
  if (node?.finishedAt) t.finishedAt = node.finishedAt;
  const ms = Date.parse(t.finishedAt ?? "") - Date.parse(t.startedAt ?? "");
  if (Number.isFinite(ms) && ms >= 0) t.durationMs = ms;
  return t;
}

/**
 * The result of a Succeeded Workflow framegate created with inline steps; undefined for anything else
 * (not succeeded, no pipeline label, a templateRef Workflow, no step environment).
 * @example workflowResult(wf)?.steps // [{ step: "resize", bucket: "processed", keys: ["people-detect/resize/gate-01/a.jpg"] }, ...]
 */
export function workflowResult(wf: FullWorkflow): WorkflowResult | undefined {
  const m = wf.metadata;
  const pipeline = m?.labels?.["framegate.io/pipeline"];
  if (!m?.name || !pipeline || wf.status?.phase !== "Succeeded") return undefined;
  const templates = ((wf.spec as { templates?: Template[] } | undefined)?.templates ?? []).filter((t) => t.name);
  const dag = templates.find((t) => t.dag)?.dag?.tasks ?? [];
  const roots = new Set(dag.filter((t) => !t.dependencies?.length).map((t) => t.template ?? t.name));
  const steps: StepOutputs[] = [];
  let sources: ObjectRef[] = [];
  for (const t of templates) {
    const env = new Map((t.container?.env ?? []).map((e) => [e.name, e.value]));
    const bucket = env.get("FRAMEGATE_OUTPUT_BUCKET");
    if (!t.container || bucket === undefined) continue;
    steps.push({ step: t.name!, bucket, keys: jsonKeys(env.get("FRAMEGATE_OUTPUT_KEYS")) });
    if (sources.length === 0 && roots.has(t.name)) {
      const inBucket = env.get("FRAMEGATE_INPUT_BUCKET") ?? "";
      sources = jsonKeys(env.get("FRAMEGATE_INPUT_KEYS")).map((key) => ({ bucket: inBucket, key }));
    }
  }
  if (steps.length === 0 || sources.length === 0) return undefined;
  const nodes = Object.values((wf.status?.nodes ?? {}) as Record<string, ArgoNode>);
  const createdAt = iso(m.creationTimestamp) ?? "";
  return {
    name: m.name,
    namespace: m.namespace ?? "",
    pipeline,
    camera: m.annotations?.["framegate.io/camera"] ?? m.labels?.["framegate.io/camera"] ?? "",
    createdAt,
    finishedAt: iso(wf.status?.finishedAt) ?? createdAt,
    sources,
    steps,
    timings: steps.map((s) => timingOf(s.step, nodes)),
  };
}
