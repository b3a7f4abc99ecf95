/**
 * @module rules/schema — the Pipeline rule format (`pipelines/*.yaml`, and the `Pipeline` resource of
 * `framegate.io/v1alpha1`), the single source of its types and of the CRD's schema (crd-schema.ts).
 * Strict: unknown fields are errors. Defaults live here and nowhere else (not in the CRD).
 * `x-kubernetes-validations` metadata are the CEL forms of the refinements, for the API server.
 */
import { z } from "zod";
import { DURATION_RE } from "../lib/duration.js";
import { nodeSelectorSchema, resourcesSchema, tolerationSchema } from "./placement-schema.js";

/** The group and version of framegate's resources. */
export const API_GROUP = "framegate.io";
export const API_VERSION = "framegate.io/v1alpha1";
/** The form before the resources: still read, with a warning that says how to migrate (legacy-form.ts). */
export const LEGACY_API_VERSION = "framegate/v1";

/** DNS-1123 label: lowercase alphanumerics and '-', starting and ending alphanumeric, at most 63. */
export const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const dnsLabel = z
  .string()
  .regex(DNS_LABEL_RE, "must be a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, starting and ending with a letter or digit");

export const duration = z
  .string()
  .regex(DURATION_RE, "must be a duration: a number and a unit, e.g. 500ms, 5s, 10m, 24h, 7d");

/** What "an object was created" means by default: real uploads, not tagging/retention/legal-hold changes. */
export const DEFAULT_OBJECT_EVENTS = [
  "s3:ObjectCreated:Put",
  "s3:ObjectCreated:Post",
  "s3:ObjectCreated:Copy",
  "s3:ObjectCreated:CompleteMultipartUpload",
] as const;

const eventName = z
  .string()
  .regex(/^s3:[A-Za-z]+(:[A-Za-z]+|:\*)?$|^s3:\*$/, 'must be a MinIO event name such as "s3:ObjectCreated:Put", or end in "*" ("s3:ObjectCreated:*")');

const globList = z.array(z.string().min(1)).min(1);

/**
 * A parameter value: text. Kubernetes keeps a Pipeline's values as typed, and one type per field is
 * what a structural schema allows, so numbers and booleans are quoted.
 */
export const paramValue = z.string({
  error: (iss) => (iss.input === undefined ? undefined : 'must be text: quote numbers and booleans ("640", "0.5", "true"), as the Kubernetes resource keeps one type per field'),
});

/** ObjectMeta as far as a rule file may set it; the rest of a resource's metadata is the API server's. */
export const objectMetaSchema = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const minioWhereSchema = z.strictObject({
  camera: globList.optional(),
  contentType: globList.optional(),
  minSize: z.number().int().nonnegative().optional(),
  maxSize: z.number().int().positive().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
}).meta({
  "x-kubernetes-validations": [{ rule: "!has(self.minSize) || !has(self.maxSize) || self.minSize <= self.maxSize", message: "minSize is larger than maxSize, so nothing can match — swap or fix them" }],
});

const s3Bucket = z.string().min(3).max(63).regex(/^[a-z0-9][a-z0-9.-]+[a-z0-9]$/, "must be an S3 bucket name (lowercase letters, digits, '.', '-', 3-63 characters)");

export const minioTriggerSchema = z.strictObject({
  source: z.literal("minio").default("minio"),
  bucket: s3Bucket,
  key: z.string().min(1).optional(),
  prefix: z.string().min(1).optional(),
  suffix: z.string().min(1).optional(),
  events: z.array(eventName).min(1).default([...DEFAULT_OBJECT_EVENTS]),
  where: minioWhereSchema.optional(),
});

export const webhookWhereSchema = z.strictObject({
  /** dot paths into the JSON body -> globs the value (as a string) must match one of */
  fields: z.record(z.string(), globList).optional(),
});

export const webhookTriggerSchema = z.strictObject({
  source: z.literal("webhook"),
  hook: dnsLabel,
  where: webhookWhereSchema.optional(),
  /**
   * the buckets a body's `bucket` may name (the steps read its object there); default: the buckets the
   * minio rules trigger on, and `models`. A body naming another bucket is refused.
   */
  buckets: z.array(s3Bucket).min(1).optional(),
});

const isWebhook = "(has(self.source) && self.source == 'webhook')";

export const triggerSchema = z
  .discriminatedUnion("source", [minioTriggerSchema, webhookTriggerSchema], {
    error: 'spec.trigger.source must be "minio" or "webhook"',
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: `${isWebhook} || has(self.bucket)`, message: "a minio trigger (the default source) needs bucket" },
      { rule: `!${isWebhook} || has(self.hook)`, message: "a webhook trigger needs hook: the <name> of POST /hooks/<name>" },
      { rule: `!${isWebhook} || !(has(self.bucket) || has(self.key) || has(self.prefix) || has(self.suffix) || has(self.events))`, message: "bucket, key, prefix, suffix and events are fields of a minio trigger — remove them or set source: minio" },
      { rule: `${isWebhook} || !has(self.hook)`, message: "hook is a field of a webhook trigger — remove it or set source: webhook" },
      { rule: `!has(self.where) || (${isWebhook} ? !(has(self.where.camera) || has(self.where.contentType) || has(self.where.minSize) || has(self.where.maxSize) || has(self.where.metadata)) : !has(self.where.fields))`, message: "where.fields is for webhook triggers; where.camera, contentType, minSize, maxSize and metadata are for minio triggers" },
      { rule: "!(has(self.key) && (has(self.prefix) || has(self.suffix)))", message: "set either key or prefix/suffix, not both — a key pattern can say both at once" },
    ],
  });

export const selectSchema = z.strictObject({
  /** partition key template; default "{camera}" when the trigger can name a camera, else "{bucket}" (or "{hook}") */
  by: z.string().min(1).optional(),
  dedupe: duration.optional(),
  sample: duration.optional(),
  batch: z
    .strictObject({
      size: z.number().int().min(1).max(500),
      window: duration,
    })
    .optional(),
});

export const limitsSchema = z.strictObject({
  maxInFlight: z.number().int().positive().optional(),
  ratePerSecond: z.number().positive().optional(),
});

/** Most steps one pipeline may have (a Workflow is one object in etcd; a DAG this large is a mistake). */
export const MAX_STEPS = 50;

export const stepSchema = z.strictObject({
  name: dnsLabel,
  service: z.string().min(1),
  params: z.record(z.string(), paramValue).default({}),
  after: z.array(dnsLabel).max(MAX_STEPS).default([]),
  /** placement, merged over the service's own (the step's keys win) */
  nodeSelector: nodeSelectorSchema.optional(),
  tolerations: z.array(tolerationSchema).max(32).optional(),
  /** replaces the service's resources for this step, requests and limits each as a whole */
  resources: resourcesSchema.optional(),
});

export const workflowSchema = z
  .strictObject({
    namespace: dnsLabel.default("argo"),
    serviceAccountName: dnsLabel.optional(),
    templateRef: dnsLabel.optional(),
    steps: z.array(stepSchema).min(1).max(MAX_STEPS).optional(),
    /** Workflow arguments; values are templates such as "{camera}" */
    parameters: z.record(z.string(), paramValue).default({}),
    /** where steps write their outputs */
    outputBucket: z.string().min(3).default("processed"),
    ttlSecondsAfterFinished: z.number().int().nonnegative().default(3600),
    activeDeadlineSeconds: z.number().int().positive().optional(),
  })
  .refine((w) => (w.templateRef === undefined) !== (w.steps === undefined), {
    message: "set exactly one of workflow.templateRef (a WorkflowTemplate in the cluster) or workflow.steps (an inline DAG of catalog services)",
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "has(self.templateRef) != has(self.steps)", message: "set exactly one of workflow.templateRef (a WorkflowTemplate in the cluster) or workflow.steps (an inline DAG of catalog services)" },
    ],
  });

export const pipelineSpecSchema = z.strictObject({
  /** what the pipeline is for, shown by the dashboard */
  description: z.string().max(1024).optional(),
  /**
   * true: the pipeline matches nothing until it is resumed (absent means false; the gateway applies
   * that default, not the CRD). Its waiting work is settled as for a deleted pipeline (flow/release.ts).
   */
  suspend: z.boolean().optional().meta({ description: "true: the pipeline matches nothing until set back to false or removed; a filling batch is submitted, events waiting for limits are released as skipped" }),
  trigger: triggerSchema,
  select: selectSchema.default({}),
  limits: limitsSchema.default({}),
  workflow: workflowSchema,
});

export const pipelineSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `apiVersion must be "${API_VERSION}"` }),
  kind: z.literal("Pipeline", { error: 'kind must be "Pipeline"' }),
  metadata: objectMetaSchema,
  spec: pipelineSpecSchema,
});

export type Pipeline = z.infer<typeof pipelineSchema>;
export type PipelineInput = z.input<typeof pipelineSchema>;
export type Trigger = Pipeline["spec"]["trigger"];
export type MinioTrigger = z.infer<typeof minioTriggerSchema>;
export type WebhookTrigger = z.infer<typeof webhookTriggerSchema>;
export type Step = z.infer<typeof stepSchema>;
export type Select = z.infer<typeof selectSchema>;
export type Limits = z.infer<typeof limitsSchema>;
