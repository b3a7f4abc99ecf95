import { describe, expect, it } from "vitest";
import { quantity, resourcesSchema, tolerationSchema } from "./placement-schema.js";

describe("placement fields", () => {
  it("keep quantities as text and refuse what Kubernetes would", () => {
    expect(quantity.parse(2)).toBe("2");
    expect(quantity.parse("512Mi")).toBe("512Mi");
    expect(quantity.parse("1.5")).toBe("1.5");
    expect(quantity.safeParse("1 Gi").success).toBe(false);
    expect(quantity.safeParse("lots").success).toBe(false);
    expect(quantity.safeParse(0.5).success).toBe(false);
  });

  it("check tolerations the way the API server does", () => {
    expect(tolerationSchema.safeParse({ key: "gpu", operator: "Exists", effect: "NoSchedule" }).success).toBe(true);
    expect(tolerationSchema.safeParse({ operator: "Exists" }).success).toBe(true);
    const exists = tolerationSchema.safeParse({ key: "gpu", operator: "Exists", value: "yes" });
    expect(exists.error?.issues[0]?.message).toMatch(/^a toleration with operator "Exists" matches any value/);
    const noKey = tolerationSchema.safeParse({ value: "x" });
    expect(noKey.error?.issues.map((i) => i.message)).toContain('a toleration without key must have operator "Exists" (it then tolerates every taint)');
    expect(tolerationSchema.safeParse({ key: "gpu", effect: "Sometimes" }).success).toBe(false);
  });

  it("refuse a GPU or huge-page request without an equal limit, as the API server would refuse the pod", () => {
    expect(resourcesSchema.safeParse({ limits: { "nvidia.com/gpu": 1 } }).success).toBe(true);
    expect(resourcesSchema.safeParse({ requests: { "nvidia.com/gpu": 1 }, limits: { "nvidia.com/gpu": "1" } }).success).toBe(true);
    expect(resourcesSchema.safeParse({ requests: { cpu: "2", "kubernetes.io/custom": 1 } }).success).toBe(true);
    const noLimit = resourcesSchema.safeParse({ requests: { "nvidia.com/gpu": 1, cpu: "500m" } });
    expect(noLimit.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["requests.nvidia.com/gpu", "has no limit; Kubernetes refuses a pod that requests nvidia.com/gpu without an equal limit — add limits.nvidia.com/gpu: 1 (or set only the limit: the request follows it)"],
    ]);
    const unequal = resourcesSchema.safeParse({ requests: { "hugepages-2Mi": "64Mi" }, limits: { "hugepages-2Mi": "128Mi" } });
    expect(unequal.error?.issues[0]?.message).toMatch(/^128Mi differs from the request \(64Mi\); Kubernetes requires a request and limit of hugepages-2Mi to be equal/);
    expect(resourcesSchema.safeParse({ limits: { "nvidia.com/gpu": "500m" } }).error?.issues[0]?.message).toMatch(/not a whole number/);
  });
});
