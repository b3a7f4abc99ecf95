/**
 * @module workflows/render — a pipeline and its matched event(s) as an Argo Workflow: a
 * `workflowTemplateRef`, or an inline DAG of catalog services following the service contract.
 * Pure: the same matches and catalog always render the same object (the name is the idempotency key).
 */
import { FramegateError, NonRetriableError } from "../lib/errors.js";
import { renderTemplate } from "../rules/template.js";
import type { Catalog, CompiledPipeline, Match } from "../rules/types.js";
import type { NormalizedEvent } from "../triggers/event.js";
import { labelValue, workflowName } from "./name.js";
import { EXECUTOR_POD_SPEC_PATCH, POD_SECURITY_CONTEXT, SCRATCH_VOLUME, STEP_POD_LABELS } from "./pod-security.js";
import { planStepKeys, type SourceObjects } from "./step-keys.js";
import { argoSafeJson, assertNoArgoTag, buildStepTemplate } from "./step-template.js";
import type { Workflow } from "./types.js";
import { renderWorkflowMetrics } from "./workflow-metrics.js";
import { INSTANCE_ID_LABEL, type ShardPlan } from "./shards.js";

export const MANAGED_BY = "framegate";
/** Pods of inline DAGs are deleted once they succeed; failed ones stay for their logs. */
const POD_GC = { strategy: "OnPodSuccess" } as const;

/** Names the entrypoint DAG so it cannot collide with a step of the same name. */
function entrypointName(steps: readonly { name: string }[]): string {
  const taken = new Set(steps.map((s) => s.name));
  for (let i = 0; ; i++) {
    const name = i === 0 ? "main" : `main-${i}`;
    if (!taken.has(name)) return name;
  }
}

/** The objects a Workflow processes. A webhook event names one when its body has `bucket` and `key`. */
function sourceObjects(events: readonly NormalizedEvent[]): SourceObjects {
  const first = events[0]!;
  if (first.source === "minio") return { bucket: first.bucket, keys: events.map((e) => (e.source === "minio" ? e.key : "")) };
  const keys: string[] = [];
  let bucket = "";
  for (const e of events) {
    const body = e.source === "webhook" && e.body !== null && typeof e.body === "object" ? (e.body as Record<string, unknown>) : {};
    if (typeof body.bucket === "string" && typeof body.key === "string") {
      bucket ||= body.bucket;
      keys.push(body.key);
    }
  }
  return { bucket, keys };
}

/**
 * Template variables of a render: the first match's vars, plus `keys` (JSON array) and `count`.
 * Read through a Proxy so lazily computed vars (`body.*`) still work, and so a value that Argo would
 * take for a template tag is refused when a template actually uses it.
 */
function renderVars(first: Match, source: SourceObjects, count: number): Record<string, string> {
  const extra: Record<string, string> = { keys: argoSafeJson(source.keys), count: String(count) };
  return new Proxy(first.vars, {
    get(target, name) {
      if (typeof name !== "string") return undefined;
      const value: unknown = Object.hasOwn(extra, name) ? extra[name] : Reflect.get(target, name);
      return typeof value === "string" ? assertNoArgoTag(value, `{${name}} of event ${first.event.id}`, first.pipeline.name) : value;
    },
  });
}

function metadataFor(pipeline: CompiledPipeline, matches: readonly Match[], camera: string) {
  const events = matches.map((m) => m.event);
  const first = events[0]!;
  const labels: Record<string, string> = {
    "app.kubernetes.io/managed-by": MANAGED_BY,
    "framegate.io/pipeline": pipeline.name,
  };
  const cameraLabel = labelValue(camera);
  if (cameraLabel) labels["framegate.io/camera"] = cameraLabel;

  const annotations: Record<string, string> = { "framegate.io/event-id": first.id, "framegate.io/count": String(events.length) };
  if (camera) annotations["framegate.io/camera"] = camera;
  if (first.source === "minio") {
    annotations["framegate.io/bucket"] = first.bucket;
    annotations["framegate.io/key"] = first.key;
    if (first.etag) annotations["framegate.io/etag"] = first.etag;
  } else {
    annotations["framegate.io/hook"] = first.hook;
  }
  return {
    ...workflowIdentity(matches),
    labels,
    annotations,
  };
}

/**
 * The namespace and name `renderWorkflow` gives the Workflow of `matches`, without rendering it: what a
 * Workflow waiting for its pipeline's limits is reserved under before it is rendered.
 */
export function workflowIdentity(matches: readonly Match[]): { name: string; namespace: string } {
  const first = matches[0];
  if (!first) throw new FramegateError("workflowIdentity needs at least one match");
  const camera = first.camera || first.vars.camera || "";
  return { name: workflowName(first.pipeline.name, matches.map((m) => m.event.id), camera), namespace: first.pipeline.spec.workflow.namespace };
}

/**
 * Renders the Workflow for one event (one match) or a batch (several matches of the same pipeline).
 * Template variables come from the first match; `{keys}` and `{count}` cover the whole batch. With `shards`
 * (a deployment running several Argo controllers) the Workflow carries the instance-ID label of its pipeline's shard.
 * @throws NonRetriableError when a step names a service missing from the catalog (the loader checks this first)
 * @example const wf = renderWorkflow(matcher.match(event), ruleSet.catalog) // one pipeline's matches only
 */
export function renderWorkflow(matches: readonly Match[], catalog: Catalog, shards?: ShardPlan): Workflow {
  const first = matches[0];
  if (!first) throw new FramegateError("renderWorkflow needs at least one match");
  const pipeline = first.pipeline;
  const other = matches.find((m) => m.pipeline.name !== pipeline.name);
  if (other) {
    throw new FramegateError(`renderWorkflow renders one pipeline at a time, got matches of "${pipeline.name}" and "${other.pipeline.name}"`);
  }
  const wf = pipeline.spec.workflow;
  const camera = first.camera || first.vars.camera || "";
  const source = sourceObjects(matches.map((m) => m.event));
  const vars = renderVars(first, source, matches.length);
  const metadata = metadataFor(pipeline, matches, camera);
  if (shards) metadata.labels[INSTANCE_ID_LABEL] = shards.shardOf(pipeline, catalog);

  const spec: Record<string, unknown> = {};
  const params = Object.entries(wf.parameters).map(([name, value]) => ({ name, value: renderTemplate(value, vars) }));
  if (wf.templateRef !== undefined) {
    spec.workflowTemplateRef = { name: wf.templateRef };
  } else {
    const steps = wf.steps ?? [];
    const plan = planStepKeys(pipeline, catalog, source);
    const podLabels = { "framegate.io/pipeline": pipeline.name };
    const entrypoint = entrypointName(steps);
    spec.entrypoint = entrypoint;
    spec.templates = [
      {
        name: entrypoint,
        dag: {
          tasks: steps.map((s) => ({ name: s.name, template: s.name, ...(s.after.length > 0 ? { dependencies: s.after } : {}) })),
        },
      },
      ...steps.map((step) => {
        const service = catalog.get(step.service);
        if (!service) throw new NonRetriableError(`pipeline ${pipeline.name}: service "${step.service}" is not in the catalog`, pipeline.name);
        return buildStepTemplate({ pipeline: pipeline.name, step, service, io: plan.get(step.name)!, camera, vars, labels: podLabels });
      }),
    ];
    spec.podGC = POD_GC;
    // a WorkflowTemplate sets its own pods' security (framegate's do, k8s/base/argo); inline steps get it here
    spec.securityContext = POD_SECURITY_CONTEXT;
    spec.volumes = [SCRATCH_VOLUME];
    spec.podSpecPatch = EXECUTOR_POD_SPEC_PATCH;
  }
  // both forms: the network policies let pods with this label reach MinIO
  spec.podMetadata = { labels: { ...STEP_POD_LABELS } };
  // duration and outcome per pipeline, counted by Argo's controller when the Workflow ends (one counter for any number of gateways)
  spec.metrics = renderWorkflowMetrics(pipeline.name);
  if (params.length > 0) spec.arguments = { parameters: params };
  if (wf.serviceAccountName !== undefined) spec.serviceAccountName = wf.serviceAccountName;
  spec.ttlStrategy = { secondsAfterCompletion: wf.ttlSecondsAfterFinished };
  if (wf.activeDeadlineSeconds !== undefined) spec.activeDeadlineSeconds = wf.activeDeadlineSeconds;

  return { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata, spec };
}

/**
 * The rendered Workflow arguments as a plain object (`match` prints them as `params`).
 * @example workflowArguments(wf) // { camera: "gate-01", key: "gate-01/2024/05/01/120000-1.jpg" }
 */
export function workflowArguments(wf: Workflow): Record<string, string> {
  const args = wf.spec.arguments as { parameters?: { name: string; value: string }[] } | undefined;
  return Object.fromEntries((args?.parameters ?? []).map((p) => [p.name, p.value]));
}
