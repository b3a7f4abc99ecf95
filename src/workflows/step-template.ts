/**
 * @module workflows/step-template — one pipeline step as an Argo container template that follows the
 * service contract (ARCHITECTURE.md): env for input/output keys, params, context and MinIO credentials,
 * the container's security context (pod-security.ts), placement (nodeSelector, tolerations, resources: the
 * step's over the service's) and the service's concurrency cap (semaphores.ts).
 */
import { NonRetriableError } from "../lib/errors.js";
import type { Service } from "../rules/catalog-schema.js";
import type { Step } from "../rules/schema.js";
import { renderTemplate } from "../rules/template.js";
import { CONTAINER_SECURITY_CONTEXT, SCRATCH_MOUNT } from "./pod-security.js";
import { stepSynchronization } from "./semaphores.js";
import type { StepIo } from "./step-keys.js";

/** The Secret every step reads MinIO's endpoint and credentials from (keys endpoint, accessKey, secretKey). */
export const MINIO_SECRET = "framegate-minio";

/** Exit code a service uses for bad input; the retry expression never retries it. */
export const BAD_INPUT_EXIT_CODE = 2;

/**
 * Retry every failure (errors and failures alike) except the service saying "bad input".
 * `lastRetry.exitCode` is "-1" when the container never ran, so those retry too.
 */
export const RETRY_EXPRESSION = `asInt(lastRetry.exitCode) != ${BAD_INPUT_EXIT_CODE}`;

/**
 * JSON for an env value that Argo must not read as a template tag: Argo substitutes `{{...}}` (and
 * evaluates `{{=...}}`) anywhere in a template, and an object key is chosen by whoever uploads it.
 * In a JSON array of strings every "{" is inside a string, so `\u007b` is the same JSON value.
 * @example argoSafeJson(["cam/{{x}}.jpg"]) // '["cam/\\u007b\\u007bx}}.jpg"]'
 */
export function argoSafeJson(value: readonly string[]): string {
  return JSON.stringify(value).replaceAll("{", "\\u007b");
}

/**
 * Refuses a value from an event that Argo would read as a template tag (`{{...}}`): rendering it would
 * let an uploader's key or a webhook body change or break the Workflow.
 * @throws NonRetriableError naming the value and what to do
 */
export function assertNoArgoTag(value: string, what: string, pipeline: string): string {
  if (value.includes("{{")) {
    throw new NonRetriableError(
      `pipeline ${pipeline}: ${what} is ${JSON.stringify(value)}, which contains "{{" — Argo would read it as a template tag, so the event is not rendered; rename the object or change the template that uses it`,
      pipeline,
    );
  }
  return value;
}

/**
 * `FRAMEGATE_INPUTS`: every `after` step's outputs as `{"<step>":{"bucket":..,"keys":[..]}}`, in `after`
 * order. Step and bucket names cannot hold "{" (the schema's name patterns); keys go through argoSafeJson.
 * @example inputsJson(new Map([["resize", { bucket: "processed", keys: ["p/resize/a.jpg"] }]]))
 *   // '{"resize":{"bucket":"processed","keys":["p/resize/a.jpg"]}}'
 */
export function inputsJson(inputs: StepIo["inputs"]): string {
  const entries = [...inputs].map(([step, o]) => `${JSON.stringify(step)}:{"bucket":${JSON.stringify(o.bucket)},"keys":${argoSafeJson(o.keys)}}`);
  return `{${entries.join(",")}}`;
}

type EnvVar = { name: string; value: string } | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

/** What a step template is built from. `vars` are the match's template variables (first event of a batch). */
export interface StepTemplateInput {
  pipeline: string;
  step: Step;
  service: Service;
  io: StepIo;
  camera: string;
  vars: Record<string, string>;
  labels: Record<string, string>;
}

/**
 * Service parameter values for a step: the service's defaults, overridden by the step's params
 * (rendered as templates with the match vars). Names as written in the catalog.
 */
export function stepParams(step: Step, service: Service, vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(service.spec.params)) if (p.default !== undefined) out[name] = p.default;
  for (const [name, value] of Object.entries(step.params)) out[name] = renderTemplate(value, vars);
  return out;
}

/** The contract's environment, in a stable order. */
function contractEnv(t: StepTemplateInput): EnvVar[] {
  const env: EnvVar[] = [
    { name: "FRAMEGATE_PIPELINE", value: t.pipeline },
    { name: "FRAMEGATE_STEP", value: t.step.name },
    { name: "FRAMEGATE_CAMERA", value: assertNoArgoTag(t.camera, "the camera", t.pipeline) },
    { name: "FRAMEGATE_INPUT_BUCKET", value: t.io.inputBucket },
    { name: "FRAMEGATE_INPUT_KEYS", value: argoSafeJson(t.io.inputKeys) },
    { name: "FRAMEGATE_OUTPUT_BUCKET", value: t.io.outputBucket },
    { name: "FRAMEGATE_OUTPUT_KEYS", value: argoSafeJson(t.io.outputKeys) },
  ];
  if (t.io.inputs.size > 0) env.push({ name: "FRAMEGATE_INPUTS", value: inputsJson(t.io.inputs) });
  const params = stepParams(t.step, t.service, t.vars);
  for (const name of Object.keys(params).sort()) env.push({ name: `FRAMEGATE_PARAM_${name.toUpperCase()}`, value: params[name]! });
  for (const [name, key] of [
    ["MINIO_ENDPOINT", "endpoint"],
    ["MINIO_ACCESS_KEY", "accessKey"],
    ["MINIO_SECRET_KEY", "secretKey"],
  ] as const) {
    env.push({ name, valueFrom: { secretKeyRef: { name: MINIO_SECRET, key } } });
  }
  return env;
}

/**
 * Builds the Argo template for one step (named after the step).
 * @example buildStepTemplate({ pipeline: "people-detect", step, service, io, camera: "gate-01", vars, labels })
 */
export function buildStepTemplate(t: StepTemplateInput): Record<string, unknown> {
  const { service, step } = t;
  const container: Record<string, unknown> = {
    image: service.spec.image,
    command: service.spec.command,
    env: contractEnv(t),
    securityContext: CONTAINER_SECURITY_CONTEXT,
    volumeMounts: [SCRATCH_MOUNT],
  };
  if (service.spec.args.length > 0) container.args = service.spec.args;
  const res = step.resources ?? service.spec.resources;
  if (res && (res.requests || res.limits)) {
    container.resources = {
      ...(res.requests ? { requests: res.requests } : {}),
      ...(res.limits ? { limits: res.limits } : {}),
    };
  }
  const template: Record<string, unknown> = {
    name: step.name,
    metadata: { labels: { ...t.labels, "framegate.io/step": step.name } },
    container,
  };
  const nodeSelector = { ...service.spec.nodeSelector, ...step.nodeSelector };
  if (Object.keys(nodeSelector).length > 0) template.nodeSelector = nodeSelector;
  const tolerations = [...(service.spec.tolerations ?? []), ...(step.tolerations ?? [])];
  if (tolerations.length > 0) template.tolerations = tolerations;
  // Argo templates have no runtimeClassName; Argo merges a template's podSpecPatch after the Workflow's
  if (service.spec.runtimeClassName) template.podSpecPatch = JSON.stringify({ runtimeClassName: service.spec.runtimeClassName });
  // a capped service's steps wait for a permit of its semaphore, in this and every other Workflow
  const synchronization = stepSynchronization(service);
  if (synchronization) template.synchronization = synchronization;
  if (service.spec.retries > 0) {
    template.retryStrategy = {
      limit: service.spec.retries,
      retryPolicy: "Always",
      expression: RETRY_EXPRESSION,
      // no maxDuration: Argo also uses it as the retried pod's deadline, which would kill long steps
      backoff: { duration: "5s", factor: 2 },
    };
  }
  return template;
}
