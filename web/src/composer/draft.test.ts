import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { CatalogService } from "./draft.js";
import { addStep, draftYaml, emptyDraft, moveStep, removeStep, renameStep, toPipeline } from "./draft.js";
import { formatPath } from "../../../src/lib/format-path.js";
import { parentPath, placeIssues } from "./issues.js";
import { scalar, toYaml } from "./yaml.js";

const catalog: CatalogService[] = [
  {
    name: "resize",
    category: "pre-processing",
    params: [
      { name: "width", type: "integer", default: "640", required: false },
      { name: "fit", type: "enum", values: ["cover", "inside"], default: "inside", required: false },
    ],
  },
  {
    name: "detect",
    category: "ai",
    params: [
      { name: "confidence", type: "number", default: "0.5", required: false },
      { name: "nms", type: "boolean", required: false },
    ],
  },
];

describe("the composer's YAML writer", () => {
  it("writes strings YAML would misread as quoted strings, and everything else plain", () => {
    for (const s of ["{camera}/**/*.jpg", "true", "no", "640", "1e3", "", " lead", "a: b", "x #y", "@at", "*", "- dash", "null", "~", "gate-*", "é", ".5", "0x1F", "0o17", "1_000", "12:30", "-1", "+1", "24h", "5s", "1.2.3"]) {
      expect(parse(`v: ${scalar(s)}`)).toEqual({ v: s });
      expect(parse(`v: [${scalar(s, true)}]`)).toEqual({ v: [s] });
    }
    expect(scalar("raw")).toBe("raw");
    expect(scalar("image/jpeg")).toBe("image/jpeg");
    expect(scalar("{camera}")).toBe('"{camera}"');
    expect(scalar("24h")).toBe("24h");
  });

  it("round-trips nested maps, lists of maps and flow lists through a real YAML parser", () => {
    const doc = { a: { b: [{ name: "x", after: ["y", "z-1"], params: { n: 1, ok: true } }, { name: "w" }], c: "s p" }, d: [], e: {} };
    expect(parse(toYaml(doc))).toEqual(doc);
  });
});

describe("the draft model", () => {
  it("chains new steps, keeps names unique, and follows renames and removals in after", () => {
    let d = addStep(addStep(addStep(emptyDraft(), "resize"), "detect"), "resize");
    expect(d.steps.map((s) => [s.name, s.after])).toEqual([["resize", []], ["detect", ["resize"]], ["resize-2", ["detect"]]]);
    d = renameStep(d, d.steps[0]!.id, "small");
    expect(d.steps[1]!.after).toEqual(["small"]);
    d = removeStep(d, d.steps[1]!.id);
    expect(d.steps.map((s) => [s.name, s.after])).toEqual([["small", []], ["resize-2", []]]);
  });

  it("drops after-links that would point below a step when it moves up", () => {
    const d = addStep(addStep(emptyDraft(), "resize"), "detect");
    const moved = moveStep(d, d.steps[1]!.id, -1);
    expect(moved.steps.map((s) => [s.name, s.after])).toEqual([["detect", []], ["resize", []]]);
  });

  it("writes a pipeline with the params that differ from defaults, as text, and leaves empty sections out", () => {
    let d = { ...emptyDraft(), name: "yard", cameras: "yard-*, gate-1", maxInFlight: "10", dedupe: "" };
    d = addStep(addStep(d, "resize"), "detect");
    d.steps[0]!.params = { width: "320", fit: "inside" };
    d.steps[1]!.params = { confidence: "0.7", nms: "true" };
    const doc = parse(draftYaml(d, catalog));
    expect(doc).toEqual(toPipeline(d, catalog));
    expect(doc.spec).toEqual({
      trigger: { source: "minio", bucket: "raw", key: "{camera}/**/*.jpg", where: { camera: ["yard-*", "gate-1"] } },
      limits: { maxInFlight: 10 },
      workflow: {
        namespace: "argo",
        steps: [
          { name: "resize", service: "resize", params: { width: "320" } },
          { name: "detect", service: "detect", after: ["resize"], params: { confidence: "0.7", nms: "true" } },
        ],
        parameters: { camera: "{camera}", key: "{key}" },
      },
    });
  });

  it("keeps text the operator typed into a number field, so the validator can name that field", () => {
    const doc = toPipeline({ ...emptyDraft(), name: "x", maxInFlight: "ten" }, catalog) as { spec: { limits: { maxInFlight: unknown } } };
    expect(doc.spec.limits.maxInFlight).toBe("ten");
  });
});

describe("placing issues on fields", () => {
  const issue = (path: string) => ({ file: "f", line: 1, col: 1, path, message: "m", text: "t" });

  it("formats and walks paths like the gateway", () => {
    expect(formatPath(["spec", "workflow", "steps", 1, "params", "width"])).toBe("spec.workflow.steps[1].params.width");
    expect(formatPath(["spec", "workflow", "parameters", "a.b"])).toBe('spec.workflow.parameters["a.b"]');
    expect(parentPath("spec.workflow.steps[1].after[0]")).toBe("spec.workflow.steps[1].after");
    expect(parentPath('spec.workflow.parameters["a.b"]')).toBe("spec.workflow.parameters");
    expect(parentPath("spec")).toBe("");
  });

  it("puts an issue on its field, else the nearest enclosing one, else apart", () => {
    const fields = new Set(["spec.trigger.key", "spec.workflow.steps[1].after", "spec.workflow.steps"]);
    const placed = placeIssues([issue("spec.trigger.key"), issue("spec.workflow.steps[1].after[0]"), issue("spec.workflow.steps[3].service"), issue("kind")], fields);
    expect([...placed.byField.keys()]).toEqual(["spec.trigger.key", "spec.workflow.steps[1].after", "spec.workflow.steps"]);
    expect(placed.unplaced.map((i) => i.path)).toEqual(["kind"]);
  });
});
