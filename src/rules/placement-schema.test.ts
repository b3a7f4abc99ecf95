import { describe, expect, it } from "vitest";
import { quantity, tolerationSchema } from "./placement-schema.js";

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
});
