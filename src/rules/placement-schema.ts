/**
 * @module rules/placement-schema — where a step's pod runs and what it may use: `nodeSelector`,
 * `tolerations` (the Kubernetes toleration shape) and `resources` (requests/limits). Shared by the
 * pipeline steps and the service catalog, so a step and its service speak the same shape.
 */
import { z } from "zod";

/** A Kubernetes resource quantity: `100m`, `512Mi`, `2`, `1.5`, `1e3`. */
export const QUANTITY_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?(\d+(\.\d*)?|\.\d+))?$/;

/** Text such as "512Mi", or a whole number; numbers are kept as text, the form Kubernetes prints. */
export const quantity = z
  .union([
    z.string().regex(QUANTITY_RE, 'must be a Kubernetes quantity such as "500m", "2", "512Mi" or "1Gi"'),
    z.number().int().nonnegative(),
  ])
  .transform(String);

export const resourcesSchema = z.strictObject({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
});

export const nodeSelectorSchema = z.record(z.string(), z.string());

export const tolerationSchema = z
  .strictObject({
    key: z.string().max(316).optional(),
    operator: z.enum(["Exists", "Equal"]).optional(),
    value: z.string().max(63).optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .refine((t) => !(t.operator === "Exists" && t.value !== undefined), {
    message: 'a toleration with operator "Exists" matches any value — remove value, or use operator "Equal"',
  })
  .refine((t) => t.key !== undefined || t.operator === "Exists", {
    message: 'a toleration without key must have operator "Exists" (it then tolerates every taint)',
  })
  .meta({
    "x-kubernetes-validations": [
      { rule: "!(has(self.operator) && self.operator == 'Exists' && has(self.value))", message: 'a toleration with operator "Exists" matches any value — remove value, or use operator "Equal"' },
      { rule: "has(self.key) || (has(self.operator) && self.operator == 'Exists')", message: 'a toleration without key must have operator "Exists" (it then tolerates every taint)' },
    ],
  });

export type Resources = z.infer<typeof resourcesSchema>;
export type Toleration = z.infer<typeof tolerationSchema>;
