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

/**
 * Extended resources (`nvidia.com/gpu`: a domain outside kubernetes.io) and huge pages cannot be overcommitted:
 * the API server refuses a pod whose request has no equal limit, so the pipeline is refused here instead of
 * every Workflow failing at its pod.
 */
export function isNonOvercommittable(name: string): boolean {
  if (name.startsWith("hugepages-")) return true;
  const slash = name.indexOf("/");
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  return domain !== "kubernetes.io" && !domain.endsWith(".kubernetes.io");
}

export const resourcesSchema = z
  .strictObject({
    requests: z.record(z.string(), quantity).optional(),
    limits: z.record(z.string(), quantity).optional(),
  })
  .superRefine((r, ctx) => {
    for (const [name, request] of Object.entries(r.requests ?? {})) {
      if (!isNonOvercommittable(name)) continue;
      const limit = r.limits?.[name];
      if (limit === undefined)
        ctx.addIssue({ code: "custom", path: ["requests", name], message: `has no limit; Kubernetes refuses a pod that requests ${name} without an equal limit — add limits.${name}: ${request} (or set only the limit: the request follows it)` });
      else if (limit !== request)
        ctx.addIssue({ code: "custom", path: ["limits", name], message: `${limit} differs from the request (${request}); Kubernetes requires a request and limit of ${name} to be equal — make both ${limit}, or drop the request` });
    }
    for (const [name, v] of Object.entries(r.limits ?? {}))
      if (isNonOvercommittable(name) && !name.startsWith("hugepages-") && !/^\d+$/.test(v))
        ctx.addIssue({ code: "custom", path: ["limits", name], message: `${v} is not a whole number; Kubernetes counts ${name} in whole units — write e.g. 1` });
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
