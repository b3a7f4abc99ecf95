import { describe, expect, it } from "vitest";
import { MAX_DIFF_LINES, fieldChanges, lineDiff, pathsOverlap } from "./spec-diff.js";

describe("fieldChanges", () => {
  it("names each changed, added and removed field by its path, lists by index", () => {
    const before = { spec: { select: { sample: "5s" }, workflow: { steps: [{ name: "resize", params: { width: "640" } }, { name: "detect", params: { confidence: "0.5" } }] } } };
    const after = { spec: { select: { dedupe: "24h" }, workflow: { steps: [{ name: "resize", params: { width: "640" } }, { name: "detect", params: { confidence: "0.7" } }, { name: "blur" }] } } };
    expect(fieldChanges(before, after)).toEqual([
      { path: "spec.select.sample", kind: "removed", before: "5s" },
      { path: "spec.select.dedupe", kind: "added", after: "24h" },
      { path: "spec.workflow.steps[1].params.confidence", kind: "changed", before: "0.5", after: "0.7" },
      { path: "spec.workflow.steps[2]", kind: "added", after: { name: "blur" } },
    ]);
  });

  it("finds nothing in equal documents, whatever their key order", () => {
    expect(fieldChanges({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
  });

  it("quotes keys that are no plain names, as issues do", () => {
    expect(fieldChanges({ labels: {} }, { labels: { "app.kubernetes.io/name": "x" } })).toEqual([{ path: 'labels["app.kubernetes.io/name"]', kind: "added", after: "x" }]);
  });
});

describe("pathsOverlap", () => {
  it("holds for the same path and for a path inside another, not for siblings with a common prefix", () => {
    expect(pathsOverlap("spec.select", "spec.select.sample")).toBe(true);
    expect(pathsOverlap("spec.workflow.steps[1]", "spec.workflow.steps[1].params.x")).toBe(true);
    expect(pathsOverlap("spec.select.sample", "spec.select.sample")).toBe(true);
    expect(pathsOverlap("spec.select.sample", "spec.select.sampleRate")).toBe(false);
    expect(pathsOverlap("spec.workflow.steps[1]", "spec.workflow.steps[10]")).toBe(false);
  });
});

describe("lineDiff", () => {
  it("keeps common lines and shows a replaced line as removed, then added", () => {
    const { lines, truncated } = lineDiff("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n");
    expect(truncated).toBe(false);
    expect(lines.map((l) => `${l.op}${l.text}`)).toEqual([" a", "-b", "+B", " c", " d", "+e"]);
  });

  it("diffs from and to nothing", () => {
    expect(lineDiff("", "x\n").lines).toEqual([{ op: "+", text: "x" }]);
    expect(lineDiff("x", "").lines).toEqual([{ op: "-", text: "x" }]);
  });

  it("finds the longest common run when lines move", () => {
    const { lines } = lineDiff("1\n2\n3\n4\n5", "1\n3\n4\n2\n5");
    expect(lines.filter((l) => l.op === " ").map((l) => l.text)).toEqual(["1", "3", "4", "5"]);
    expect(lines.filter((l) => l.op !== " ")).toEqual([{ op: "-", text: "2" }, { op: "+", text: "2" }]);
  });

  it(`past ${MAX_DIFF_LINES} lines on a side shows everything as replaced and says it is truncated`, () => {
    const big = Array.from({ length: MAX_DIFF_LINES + 1 }, (_, i) => `line ${i}`).join("\n");
    const r = lineDiff(big, "line 0");
    expect(r.truncated).toBe(true);
    expect(r.lines).toHaveLength(MAX_DIFF_LINES + 2);
    expect(r.lines.at(-1)).toEqual({ op: "+", text: "line 0" });
    expect(lineDiff("a\nb", "a\nc", 1).truncated).toBe(true);
  });
});
