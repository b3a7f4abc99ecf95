/**
 * @module rules/schema — the Pipeline rule format (`pipelines/*.yaml`), the single source of its types.
 * Strict: unknown fields are errors. Defaults live here and nowhere else.
 */
import { z } from "zod";
import { DURATION_RE } from "../lib/duration.js";

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

export const minioWhereSchema = z.strictObject({
  camera: globList.optional(),
  contentType: globList.optional(),
  minSize: z.number().int().nonnegative().optional(),
  maxSize: z.number().int().positive().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

export const minioTriggerSchema = z.strictObject({
  source: z.literal("minio"),
  bucket: z.string().min(3).max(63).regex(/^[a-z0-9][a-z0-9.-]+[a-z0-9]$/, "must be an S3 bucket name (lowercase letters, digits, '.', '-', 3-63 characters)"),
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
});

export const triggerSchema = z.preprocess(
  (v) => (v && typeof v === "object" && !Array.isArray(v) && !("source" in v) ? { ...v, source: "minio" } : v),
  z.discriminatedUnion("source", [minioTriggerSchema, webhookTriggerSchema], {
    error: 'spec.trigger.source must be "minio" or "webhook"',
  }),
);

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

export const stepSchema = z.strictObject({
  name: dnsLabel,
  service: z.string().min(1),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  after: z.array(dnsLabel).default([]),
  nodeSelector: z.record(z.string(), z.string()).optional(),
});

export const workflowSchema = z
  .strictObject({
    namespace: dnsLabel.default("argo"),
    serviceAccountName: dnsLabel.optional(),
    templateRef: dnsLabel.optional(),
    steps: z.array(stepSchema).min(1).optional(),
    /** Workflow arguments; values are templates such as "{camera}" */
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
    /** where steps write their outputs */
    outputBucket: z.string().min(3).default("processed"),
    ttlSecondsAfterFinished: z.number().int().nonnegative().default(3600),
    activeDeadlineSeconds: z.number().int().positive().optional(),
  })
  .refine((w) => (w.templateRef === undefined) !== (w.steps === undefined), {
    message: "set exactly one of workflow.templateRef (a WorkflowTemplate in the cluster) or workflow.steps (an inline DAG of catalog services)",
  });

export const pipelineSchema = z.strictObject({
  apiVersion: z.literal("framegate/v1", { error: 'apiVersion must be "framegate/v1"' }),
  kind: z.literal("Pipeline", { error: 'kind must be "Pipeline"' }),
  metadata: z.strictObject({
    name: dnsLabel,
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    trigger: triggerSchema,
    select: selectSchema.default({}),
    limits: limitsSchema.default({}),
    workflow: workflowSchema,
  }),
});

export type Pipeline = z.infer<typeof pipelineSchema>;
export type PipelineInput = z.input<typeof pipelineSchema>;
export type Trigger = Pipeline["spec"]["trigger"];
export type MinioTrigger = z.infer<typeof minioTriggerSchema>;
export type WebhookTrigger = z.infer<typeof webhookTriggerSchema>;
export type Step = z.infer<typeof stepSchema>;
export type Select = z.infer<typeof selectSchema>;
export type Limits = z.infer<typeof limitsSchema>;
