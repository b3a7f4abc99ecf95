/**
 * @module rules/catalog-schema — the service catalog entry (`services/<name>/service.yaml`, and the
 * `ProcessingService` resource of `framegate.io/v1alpha1`), the single source of its types and of its CRD.
 */
import { z } from "zod";
import { nodeSelectorSchema, resourcesSchema, tolerationSchema } from "./placement-schema.js";
import { API_VERSION, dnsLabel, objectMetaSchema, paramValue } from "./schema.js";

/**
 * The kind of a catalog entry. Not `Service`: that is the core Kubernetes kind (`kubectl get services`
 * would be ambiguous to people, and `svc` is taken); a processing service is a part of a pipeline.
 */
export const SERVICE_KIND = "ProcessingService";

export const serviceParamSchema = z.strictObject({
  description: z.string().optional(),
  type: z.enum(["string", "integer", "number", "boolean", "enum"]).default("string"),
  /** allowed values when type is enum */
  values: z.array(z.string()).optional(),
  default: paramValue.optional(),
  required: z.boolean().default(false),
});

export const serviceSpecSchema = z.strictObject({
  description: z.string().max(1024).optional(),
  /** grouping for the composer: pre-processing, ai, post-processing */
  category: z.enum(["pre-processing", "ai", "post-processing", "other"]).default("other"),
  image: z.string().min(1),
  command: z.array(z.string()).min(1),
  args: z.array(z.string()).default([]),
  params: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, "param names are letters, digits and '_'"), serviceParamSchema).default({}),
  /** extension of the object the service writes ("jpg", "png"); default: the input's extension */
  outputExtension: z.string().regex(/^[a-z0-9]+$/).optional(),
  /**
   * suffix of the JSON sidecar the service writes next to each output with the frame's detections
   * (`{"detections": [{"label", "score", "box": {x, y, width, height}}], "image": {width, height}, "input": {bucket, key}}`;
   * detect: ".json"); the results index reads it
   */
  detections: z.string().regex(/^\.[A-Za-z0-9._-]{1,32}$/, 'must be a key suffix such as ".json"').optional(),
  resources: resourcesSchema.optional(),
  nodeSelector: nodeSelectorSchema.optional(),
  tolerations: z.array(tolerationSchema).max(32).optional(),
  /**
   * the pod's RuntimeClass, e.g. `nvidia` for the NVIDIA container runtime on K3s (docs/deploy.md), rendered
   * as the step template's podSpecPatch
   */
  runtimeClassName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, "must be a RuntimeClass name: lowercase letters, digits, '-' and '.'")
    .max(253)
    .optional(),
  retries: z.number().int().min(0).max(10).default(2),
  /**
   * at most this many steps of this service run at once in a Workflow namespace, across every Workflow
   * (an Argo semaphore, workflows/semaphores.ts); e.g. detect at the number of GPUs. Unset: no cap
   */
  concurrency: z.number().int().min(1).max(10_000).optional(),
});

export const serviceSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `apiVersion must be "${API_VERSION}"` }),
  kind: z.literal(SERVICE_KIND, { error: `kind must be "${SERVICE_KIND}"` }),
  metadata: objectMetaSchema,
  spec: serviceSpecSchema,
});

export type Service = z.infer<typeof serviceSchema>;
export type ServiceParam = z.infer<typeof serviceParamSchema>;
