/**
 * @module rules/crds — the CustomResourceDefinitions of `framegate.io`: `Pipeline` (the rules) and
 * `ProcessingService` (the service catalog), their schemas generated from the zod schemas
 * (crd-schema.ts). The checked-in copies in k8s/base/crds/ are written by `npm run gen:crd` and a test
 * fails when they are stale.
 */
import { stringify } from "yaml";
import { SERVICE_KIND, serviceSpecSchema } from "./catalog-schema.js";
import { openApiSchema, type OpenApiSchema } from "./crd-schema.js";
import { API_GROUP, DNS_LABEL_RE, pipelineSpecSchema } from "./schema.js";
import { NOTIFICATIONS_CONDITION } from "../storage/notification-sync.js";

/** The version every framegate resource is served and stored in. */
export const CRD_VERSION = "v1alpha1";

/** The type of the condition the gateway writes into a resource's status. */
export const ACCEPTED_CONDITION = "Accepted";

const condition: OpenApiSchema = {
  type: "object",
  required: ["type", "status", "lastTransitionTime"],
  properties: {
    type: { type: "string", maxLength: 316 },
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    reason: { type: "string", maxLength: 1024 },
    message: { type: "string", maxLength: 32768 },
    observedGeneration: { type: "integer", format: "int64", minimum: 0 },
    lastTransitionTime: { type: "string", format: "date-time" },
  },
};

/** What the gateway writes (status subresource): the generation it judged and its verdict. */
function statusSchema(summaries: Record<string, string>): OpenApiSchema {
  const properties: Record<string, OpenApiSchema> = {
    observedGeneration: { type: "integer", format: "int64", minimum: 0, description: "the metadata.generation the conditions describe" },
    conditions: {
      type: "array",
      maxItems: 8,
      items: condition,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
      description: `${ACCEPTED_CONDITION}: True when the gateway runs this generation, False with the reason, the field path and how to fix it; ${NOTIFICATIONS_CONDITION} (Pipelines with a minio trigger, kubernetes mode): whether MinIO's bucket notification covers the trigger, or what to fix`,
    },
  };
  for (const [name, description] of Object.entries(summaries)) properties[name] = { type: "string", maxLength: 1024, description };
  return { type: "object", properties };
}

/** The root of a resource: ObjectMeta is the API server's; the name must be a DNS-1123 label like the rule files'. */
function rootSchema(spec: OpenApiSchema, status: OpenApiSchema, kind: string): OpenApiSchema {
  return {
    type: "object",
    required: ["spec"],
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec,
      status,
    },
    "x-kubernetes-validations": [
      {
        rule: `self.metadata.name.size() <= 63 && self.metadata.name.matches('${DNS_LABEL_RE.source}')`,
        message: `the name of a ${kind} must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit`,
      },
    ],
  };
}

interface CrdInput {
  kind: string;
  plural: string;
  shortNames?: string[];
  description: string;
  spec: OpenApiSchema;
  summaries: Record<string, string>;
  columns: { name: string; type: string; jsonPath: string; description: string; priority?: number }[];
}

function crd(c: CrdInput): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${c.plural}.${API_GROUP}`, labels: { "app.kubernetes.io/part-of": "framegate" } },
    spec: {
      group: API_GROUP,
      scope: "Namespaced",
      names: { kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, singular: c.kind.toLowerCase(), categories: ["framegate"], ...(c.shortNames ? { shortNames: c.shortNames } : {}) },
      versions: [
        {
          name: CRD_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            ...c.columns,
            { name: "Accepted", type: "string", jsonPath: `.status.conditions[?(@.type=="${ACCEPTED_CONDITION}")].status`, description: "whether the gateway runs the current generation" },
            { name: "Reason", type: "string", jsonPath: `.status.conditions[?(@.type=="${ACCEPTED_CONDITION}")].reason`, priority: 1, description: "why not, when Accepted is False" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "since the resource was created" },
          ],
          schema: { openAPIV3Schema: { description: c.description, ...rootSchema(c.spec, statusSchema(c.summaries), c.kind) } },
        },
      ],
    },
  };
}

/** The Pipeline CRD (`pipelines.framegate.io`). */
export function pipelineCrd(): Record<string, unknown> {
  return crd({
    kind: "Pipeline",
    plural: "pipelines",
    description: "A framegate pipeline: which events (trigger) are selected how (select, limits) into which Argo Workflow. The same document as a pipelines/*.yaml rule file; the gateway fills in defaults.",
    spec: openApiSchema(pipelineSpecSchema),
    summaries: {
      trigger: 'the trigger in one line, e.g. "minio raw {camera}/**/*.jpg" or "webhook motion-alerts"',
      select: 'what select does, e.g. "sample 5s, dedupe 24h" (or "every event")',
    },
    columns: [
      { name: "Trigger", type: "string", jsonPath: ".status.trigger", description: "the trigger in one line" },
      { name: "Select", type: "string", jsonPath: ".status.select", description: "dedupe, sample and batch settings" },
      { name: "Suspended", type: "boolean", jsonPath: ".spec.suspend", description: "true while spec.suspend holds it: the pipeline matches nothing" },
      { name: "Bucket", type: "string", jsonPath: ".spec.trigger.bucket", priority: 1, description: "MinIO bucket (minio triggers)" },
      { name: "Key", type: "string", jsonPath: ".spec.trigger.key", priority: 1, description: "key pattern (minio triggers)" },
      { name: "Hook", type: "string", jsonPath: ".spec.trigger.hook", priority: 1, description: "POST /hooks/<hook> (webhook triggers)" },
      { name: "Notifications", type: "string", jsonPath: `.status.conditions[?(@.type=="${NOTIFICATIONS_CONDITION}")].reason`, priority: 1, description: "whether MinIO notifies the gateway of this trigger's bucket (Configured), or why not" },
    ],
  });
}

/** The ProcessingService CRD (`processingservices.framegate.io`): one catalog entry each. */
export function processingServiceCrd(): Record<string, unknown> {
  return crd({
    kind: SERVICE_KIND,
    plural: "processingservices",
    shortNames: ["procsvc"],
    description: "A framegate service catalog entry: the container a pipeline step runs, its parameters and placement. The same document as a services/<name>/service.yaml file.",
    spec: openApiSchema(serviceSpecSchema),
    summaries: {},
    columns: [
      { name: "Category", type: "string", jsonPath: ".spec.category", description: "pre-processing, ai, post-processing or other" },
      { name: "Image", type: "string", jsonPath: ".spec.image", description: "the container image" },
    ],
  });
}

/** File name (under k8s/base/crds/) and YAML text of every CRD. */
export function crdFiles(): { name: string; text: string }[] {
  const header = "# Generated from the zod schemas in src/rules/ by `npm run gen:crd` (framegate crd --out k8s/base/crds).\n# Do not edit: change the schema and regenerate; a test fails when this file is stale.\n";
  return [pipelineCrd(), processingServiceCrd()].map((c) => ({
    name: `${(c.metadata as { name: string }).name}.yaml`,
    text: header + stringify(c, { lineWidth: 0 }),
  }));
}
