import { describe, expect, it } from "vitest";
import { backoffMs } from "./backoff.js";

describe("backoffMs", () => {
  it("doubles per attempt within [step/2, step], capped", () => {
    for (let i = 0; i < 200; i++) {
      const a1 = backoffMs(1);
      expect(a1).toBeGreaterThanOrEqual(500);
      expect(a1).toBeLessThanOrEqual(1000);
      const a4 = backoffMs(4, 500, 30_000);
      expect(a4).toBeGreaterThanOrEqual(2000);
      expect(a4).toBeLessThanOrEqual(4000);
      const capped = backoffMs(1000, 500, 30_000);
      expect(capped).toBeGreaterThanOrEqual(15_000);
      expect(capped).toBeLessThanOrEqual(30_000);
    }
  });

  it("spreads the delays (jitter)", () => {
    expect(new Set(Array.from({ length: 50 }, () => backoffMs(6))).size).toBeGreaterThan(10);
  });
});
