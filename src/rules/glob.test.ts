import { describe, expect, it } from "vitest";
import { compileGlob, compileGlobList, globLiteralPrefix } from "./glob.js";

describe("compileGlob", () => {
  const cases: [string, string, boolean][] = [
    ["gate-*", "gate-01", true],
    ["gate-*", "gate-", true],
    ["gate-*", "lobby-01", false],
    ["lobby-0?", "lobby-07", true],
    ["lobby-0?", "lobby-0", false],
    ["lobby-0?", "lobby-071", false],
    ["*-gate", "north-gate", true],
    ["*-gate", "north-gate-2", false],
    ["image/*", "image/jpeg", true],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXcYb", false],
    ["exact", "exact", true],
    ["exact", "exactly", false],
    ["*", "", true],
    ["**", "anything/at all", true],
    ["Tor S?d*", "Tor Süd 1", true],
    ["a+b%20*", "a+b%20c", true],
  ];
  for (const [glob, value, want] of cases) {
    it(`${JSON.stringify(glob)} ${want ? "matches" : "does not match"} ${JSON.stringify(value)}`, () => {
      expect(compileGlob(glob)(value)).toBe(want);
    });
  }

  it("stays within O(glob x value) on adversarial input (no catastrophic backtracking)", () => {
    const test = compileGlob("*a*a*a*a*a*a*a*a*b");
    const t0 = performance.now();
    expect(test("a".repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe("compileGlobList", () => {
  it("matches when any glob matches, optionally ignoring case", () => {
    const t = compileGlobList(["gate-*", "lobby-0?"]);
    expect([t("gate-9"), t("lobby-01"), t("lobby-11")]).toEqual([true, true, false]);
    const ci = compileGlobList(["image/JPEG"], { ignoreCase: true });
    expect([ci("IMAGE/jpeg"), ci("image/png")]).toEqual([true, false]);
  });
});

describe("globLiteralPrefix", () => {
  it("is the text before the first wildcard", () => {
    expect([globLiteralPrefix("gate-*"), globLiteralPrefix("lobby-0?"), globLiteralPrefix("*x"), globLiteralPrefix("plain")]).toEqual(["gate-", "lobby-0", "", "plain"]);
  });
});
