import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatIssue } from "../lib/errors.js";
import { loadCatalog, loadCatalogFromText, paramValueProblem } from "./catalog.js";

const service = (name: string, params = "    width: { type: integer, default: \"640\" }\n") =>
  `apiVersion: framegate.io/v1alpha1\nkind: ProcessingService\nmetadata:\n  name: ${name}\nspec:\n  category: pre-processing\n  image: example/${name}:1\n  command: ["node", "main.js"]\n  params:\n${params}`;

describe("loadCatalogFromText", () => {
  it("loads services with their defaults filled in", () => {
    const r = loadCatalogFromText([{ path: "services/resize/service.yaml", text: service("resize") }]);
    expect(r.issues).toEqual([]);
    const s = r.catalog.get("resize")!;
    expect(s.spec.params.width).toEqual({ type: "integer", default: "640", required: false });
    expect(s.spec.retries).toBe(2);
    expect(s.spec.args).toEqual([]);
    expect(r.declaredAt.get("resize")).toEqual({ file: "services/resize/service.yaml", line: 4, col: 9 });
  });

  it("requires metadata.name to match the service's folder", () => {
    const r = loadCatalogFromText([{ path: "services/resize/service.yaml", text: service("resizer") }]);
    expect(r.issues.map(formatIssue)).toEqual([
      'services/resize/service.yaml:4:9: metadata.name: "resizer" differs from its folder "resize" — rename one so the catalog name and services/<name>/ agree',
    ]);
  });

  it("rejects a service defined twice, naming the first definition", () => {
    const r = loadCatalogFromText([
      { path: "services/a/service.yaml", text: `${service("a")}---\n${service("a")}` },
    ]);
    expect(r.issues.map(formatIssue)).toEqual([
      'services/a/service.yaml:15:9: metadata.name: service "a" is already defined at services/a/service.yaml:4:9 — service names must be unique',
    ]);
  });

  it("checks defaults against their type and enum values", () => {
    const params = [
      "    width: { type: integer, default: wide }",
      "    fit: { type: enum, default: inside }",
      "    format: { type: enum, values: [jpeg, png], default: gif }",
      "    quality: { type: string, values: [a] }",
      "    ratio: { type: number, default: \"0.5\" }",
      "    flag: { type: boolean, default: yes }",
      "",
    ].join("\n");
    const r = loadCatalogFromText([{ path: "services/x/service.yaml", text: service("x", params) }]);
    expect(r.issues.map(formatIssue)).toEqual([
      'services/x/service.yaml:10:38: spec.params.width.default: default must be a whole number, got "wide"',
      "services/x/service.yaml:11:18: spec.params.fit.type: type enum needs values: [...] listing the allowed values",
      'services/x/service.yaml:12:57: spec.params.format.default: default must be one of jpeg, png, got "gif"',
      "services/x/service.yaml:13:30: spec.params.quality.values: values only apply to type: enum (this parameter is string) — remove values or set type: enum",
      'services/x/service.yaml:15:37: spec.params.flag.default: default must be true or false, got "yes"',
    ]);
  });

  it("reports schema problems with positions, including bad parameter names", () => {
    const text = service("x", "    bad-name: { type: string }\n    ok: { type: integr }\n").replace("  image: example/x:1\n", "  image: example/x:1\n  imagePullPolicy: Always\n");
    const r = loadCatalogFromText([{ path: "services/x/service.yaml", text }]);
    expect(r.issues.map(formatIssue)).toEqual([
      "services/x/service.yaml:8:3: spec.imagePullPolicy: unknown field \"imagePullPolicy\" — remove it; fields here: description, category, image, command, args, params, outputExtension, detections, resources, nodeSelector, tolerations, runtimeClassName, retries, concurrency",
      "services/x/service.yaml:11:5: spec.params.bad-name: invalid name \"bad-name\": param names are letters, digits and '_'",
      'services/x/service.yaml:12:17: spec.params.ok.type: must be "string", "integer", "number", "boolean" or "enum", got text "integr" — did you mean "integer"?',
    ]);
  });
});

describe("paramValueProblem", () => {
  it("accepts values of the declared type and explains the rest", () => {
    expect(paramValueProblem({ type: "integer", required: false }, "-3")).toBeNull();
    expect(paramValueProblem({ type: "integer", required: false }, "3.5")).toBe('must be a whole number, got "3.5"');
    expect(paramValueProblem({ type: "number", required: false }, "0.25")).toBeNull();
    expect(paramValueProblem({ type: "number", required: false }, "")).toBe('must be a number, got ""');
    expect(paramValueProblem({ type: "string", required: false }, "")).toBeNull();
  });
});

describe("loadCatalog", () => {
  it("reads <name>/service.yaml under the folder and says when the folder is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "framegate-services-"));
    mkdirSync(join(dir, "resize"));
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(dir, "resize", "service.yaml"), service("resize"));
    const r = await loadCatalog(dir);
    expect(r.ok && [...r.catalog.keys()]).toEqual(["resize"]);
    expect(r.ok && r.files).toEqual([join(dir, "resize", "service.yaml")]);
    const missing = await loadCatalog(join(dir, "nope"));
    expect(!missing.ok && missing.issues.map(formatIssue)).toEqual([
      `${join(dir, "nope")}:1:1: (document): cannot read the services folder: it does not exist — pass the folder holding <name>/service.yaml (--services DIR)`,
    ]);
  });
});
