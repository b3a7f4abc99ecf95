import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatIssue } from "../lib/errors.js";
import { loadRulesFromText, type LoadResult } from "./loader.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SERVICES = ["resize", "detect"].map((n) => ({ path: `services/${n}/service.yaml`, text: readFileSync(join(ROOT, "services", n, "service.yaml"), "utf8") }));

const LEGACY_PIPELINE = `apiVersion: framegate/v1
kind: Pipeline
metadata:
  name: people
  description: Look for people
spec:
  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }
  workflow:
    steps:
      - { name: resize, service: resize, params: { width: 320, height: "240" } }
    parameters: { camera: "{camera}", retries: 3 }
`;

const NEW_PIPELINE = LEGACY_PIPELINE.replace("framegate/v1", "framegate.io/v1alpha1")
  .replace("  description: Look for people\nspec:\n", "spec:\n  description: Look for people\n")
  .replace("width: 320", 'width: "320"')
  .replace("retries: 3", 'retries: "3"');

const LEGACY_SERVICE = `apiVersion: framegate/v1
kind: Service
metadata:
  name: blur
  description: Blur faces
  category: post-processing
spec:
  image: example/blur:1
  command: [blur]
  params:
    radius: { type: integer, default: 8 }
    soft: { type: boolean, default: true }
`;

function ok(r: LoadResult) {
  if (!r.ok) throw new Error(r.issues.map(formatIssue).join("\n"));
  return r.ruleSet;
}

describe("the legacy form (apiVersion: framegate/v1)", () => {
  it("loads as the new form, with one warning per document that lists the edits that migrate it", () => {
    const legacy = loadRulesFromText([{ path: "pipelines/people.yaml", text: LEGACY_PIPELINE }], SERVICES);
    const migrated = ok(legacy).pipelines[0]!;
    expect(migrated.pipeline.apiVersion).toBe("framegate.io/v1alpha1");
    expect(migrated.spec.description).toBe("Look for people");
    expect(migrated.spec.workflow.steps![0]!.params).toEqual({ width: "320", height: "240" });
    expect(migrated.spec.workflow.parameters).toEqual({ camera: "{camera}", retries: "3" });
    expect(legacy.warnings.map(formatIssue)).toEqual([
      'pipelines/people.yaml:1:13: apiVersion: "framegate/v1" is the old form, still read but not accepted by Kubernetes — to migrate: set apiVersion: framegate.io/v1alpha1; move metadata.description to spec.description; quote the 2 number/boolean values under spec.workflow.parameters and steps[].params (640 -> "640")',
    ]);

    const current = loadRulesFromText([{ path: "pipelines/people.yaml", text: NEW_PIPELINE }], SERVICES);
    expect(current.warnings).toEqual([]);
    expect(ok(current).pipelines[0]!.spec).toEqual(migrated.spec);
  });

  it("migrates a catalog entry of kind Service to ProcessingService", () => {
    const r = loadRulesFromText([], [...SERVICES, { path: "services/blur/service.yaml", text: LEGACY_SERVICE }]);
    const blur = ok(r).catalog.get("blur")!;
    expect(blur.kind).toBe("ProcessingService");
    expect(blur.spec).toMatchObject({ description: "Blur faces", category: "post-processing" });
    expect(blur.spec.params.radius!.default).toBe("8");
    expect(blur.spec.params.soft!.default).toBe("true");
    expect(r.warnings.map(formatIssue)).toEqual([
      'services/blur/service.yaml:1:13: apiVersion: "framegate/v1" is the old form, still read but not accepted by Kubernetes — to migrate: set apiVersion: framegate.io/v1alpha1; set kind: ProcessingService; move metadata.description and metadata.category to spec; quote the 2 number/boolean defaults under spec.params (640 -> "640")',
    ]);
  });

  it("keeps reporting real problems of a legacy document, and warns as well", () => {
    const r = loadRulesFromText([{ path: "pipelines/people.yaml", text: LEGACY_PIPELINE.replace("service: resize", "service: resise") }], SERVICES);
    expect(r.ok).toBe(false);
    expect(r.warnings).toHaveLength(1);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toEqual(["spec.workflow.steps[0].service"]);
  });
});

describe("the new form says what the resource needs", () => {
  it("refuses numbers as parameter values, saying to quote them", () => {
    const r = loadRulesFromText([{ path: "pipelines/people.yaml", text: NEW_PIPELINE.replace('width: "320"', "width: 320") }], SERVICES);
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([
      'pipelines/people.yaml:10:59: spec.workflow.steps[0].params.width: must be text: quote numbers and booleans ("640", "0.5", "true"), as the Kubernetes resource keeps one type per field, got a number (320)',
    ]);
  });

  it("points metadata.description at spec.description", () => {
    const text = NEW_PIPELINE.replace("metadata:\n  name: people\n", "metadata:\n  name: people\n  description: here\n");
    const r = loadRulesFromText([{ path: "pipelines/people.yaml", text }], SERVICES);
    expect(r.ok ? [] : r.issues.map(formatIssue)).toEqual([
      'pipelines/people.yaml:5:3: metadata.description: unknown field "description" — move it to spec.description: metadata holds only Kubernetes ObjectMeta (name, namespace, labels, annotations)',
    ]);
  });
});
