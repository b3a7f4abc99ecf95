import { describe, expect, it } from "vitest";
import { rng } from "../../test/fixtures/rng.js";
import { LABEL_VALUE_RE, labelValue, MAX_NAME_LENGTH, workflowName } from "./name.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;


const ALPHABET = [..."abcXYZ019 -_./+%#~é東😀\t{}"];
function randomText(rand: () => number, max: number): string {
  let out = "";
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) out += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return out;
}

function randomPipeline(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 63);
  let s = "p";
  while (s.length < n) s += "abc-019"[Math.floor(rand() * 7)];
  return s.replace(/-+$/, "") || "p";
}

describe("workflowName", () => {
  it("is readable: pipeline, camera, 10 hex", () => {
    expect(workflowName("people-detect", ["raw/gate-01/a.jpg@e1"], "gate-01")).toMatch(/^people-detect-gate-01-[0-9a-f]{10}$/);
    expect(workflowName("people-detect", ["h-1"])).toMatch(/^people-detect-[0-9a-f]{10}$/);
  });

  it("is a DNS-1123 label of at most 63 characters for random pipelines, cameras and keys", () => {
    const rand = rng(42);
    for (let i = 0; i < 2000; i++) {
      const p = randomPipeline(rand);
      const camera = rand() < 0.2 ? undefined : randomText(rand, 90);
      const name = workflowName(p, [`raw/${randomText(rand, 300)}@e`], camera);
      expect(name.length, name).toBeLessThanOrEqual(MAX_NAME_LENGTH);
      expect(name, JSON.stringify({ p, camera })).toMatch(DNS_LABEL);
    }
  });

  it("uses the full 63 characters for long names and keeps the hash whole", () => {
    const name = workflowName("a".repeat(63), ["x"], "c".repeat(100));
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^a{30}-c{21}-[0-9a-f]{10}$/);
  });

  it("is the same for the same pipeline and object, whatever the batch order", () => {
    const rand = rng(7);
    for (let i = 0; i < 300; i++) {
      const ids = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => `raw/${randomText(rand, 40)}@${randomText(rand, 8)}`);
      const shuffled = [...ids].reverse();
      expect(workflowName("p", shuffled, "cam")).toBe(workflowName("p", ids, "cam"));
    }
  });

  it("differs for different objects, etags, versions and pipelines (no collisions over many random keys)", () => {
    const rand = rng(1);
    const seen = new Map<string, string>();
    for (let i = 0; i < 5000; i++) {
      const id = `raw/${randomText(rand, 30)}${i}@${i % 3 === 0 ? "v" : "e"}${i}`;
      const name = workflowName("people-detect", [id], "gate-01");
      expect(seen.get(name), `${id} collides`).toBeUndefined();
      seen.set(name, id);
    }
    expect(workflowName("p", ["raw/a.jpg@e1"])).not.toBe(workflowName("p", ["raw/a.jpg@e2"]));
    expect(workflowName("p", ["raw/a.jpg@e1"])).not.toBe(workflowName("q", ["raw/a.jpg@e1"]));
    expect(workflowName("p", ["raw/a.jpg@e1"])).not.toBe(workflowName("p", ["raw2/a.jpg@e1"]));
    // pipelines that agree on their first 30 characters still get different names
    expect(workflowName(`${"x".repeat(30)}-one`, ["i"])).not.toBe(workflowName(`${"x".repeat(30)}-two`, ["i"]));
    // a batch is not the same as its first event
    expect(workflowName("p", ["a", "b"])).not.toBe(workflowName("p", ["a"]));
  });

  it("does not let the camera decide identity", () => {
    const a = workflowName("p", ["raw/a.jpg@e1"], "Gate 01");
    const b = workflowName("p", ["raw/a.jpg@e1"], "gate-01");
    expect(a).toBe(b);
  });

  it("drops a camera with nothing usable", () => {
    expect(workflowName("p", ["i"], "###")).toMatch(/^p-[0-9a-f]{10}$/);
  });
});

describe("labelValue", () => {
  it.each([
    ["gate-01", "gate-01"],
    ["Gate #7 (north)", "Gate-7-north"],
    ["_x_", "x"],
    ["..", ""],
    ["東京", ""],
    ["a".repeat(70), "a".repeat(63)],
    [`${"a".repeat(62)}-b`, "a".repeat(62)],
  ])("%j -> %j", (input, out) => {
    expect(labelValue(input)).toBe(out);
  });

  it("is always a valid label value", () => {
    const rand = rng(9);
    for (let i = 0; i < 2000; i++) {
      const v = labelValue(randomText(rand, 120));
      expect(v.length).toBeLessThanOrEqual(63);
      expect(v).toMatch(LABEL_VALUE_RE);
    }
  });
});
