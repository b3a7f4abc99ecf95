/** @module rules/catalog-schema — the service catalog entry (`services/<name>/service.yaml`). */
import { z } from "zod";
import { dnsLabel } from "./schema.js";

const quantity = z.union([z.string(), z.number()]).transform(String);

export const serviceParamSchema = z.strictObject({
  description: z.string().optional(),
  type: z.enum(["string", "integer", "number", "boolean", "enum"]).default("string"),
  /** allowed values when type is enum */
  values: z.array(z.string()).optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
  required: z.boolean().default(false),
});

export const serviceSchema = z.strictObject({
  apiVersion: z.literal("framegate/v1", { error: 'apiVersion must be "framegate/v1"' }),
  kind: z.literal("Service", { error: 'kind must be "Service"' }),
  metadata: z.strictObject({
    name: dnsLabel,
    description: z.string().optional(),
    /** grouping for the composer: pre-processing, ai, post-processing */
    category: z.enum(["pre-processing", "ai", "post-processing", "other"]).default("other"),
  }),
  spec: z.strictObject({
    image: z.string().min(1),
    command: z.array(z.string()).min(1),
    args: z.array(z.string()).default([]),
    params: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, "param names are letters, digits and '_'"), serviceParamSchema).default({}),
    /** extension of the object the service writes ("jpg", "png"); default: the input's extension */
    outputExtension: z.string().regex(/^[a-z0-9]+$/).optional(),
    resources: z
      .strictObject({
        requests: z.record(z.string(), quantity).optional(),
        limits: z.record(z.string(), quantity).optional(),
      })
      .optional(),
    nodeSelector: z.record(z.string(), z.string()).optional(),
    retries: z.number().int().min(0).max(10).default(2),
  }),
});

export type Service = z.infer<typeof serviceSchema>;
export type ServiceParam = z.infer<typeof serviceParamSchema>;
