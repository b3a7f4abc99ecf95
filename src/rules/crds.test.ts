import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CrdSchemaError, openApiSchema, type OpenApiSchema } from "./crd-schema.js";
import { crdFiles, pipelineCrd } from "./crds.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Every schema node under `node`, with its path. */
function* nodes(node: OpenApiSchema, path = ""): Generator<[string, OpenApiSchema]> {
  yield [path, node];
  for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, OpenApiSchema>)) yield* nodes(v, `${path}.${k}`);
  if (node.items) yield* nodes(node.items as OpenApiSchema, `${path}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === "object") yield* nodes(node.additionalProperties as OpenApiSchema, `${path}.*`);
}

describe("the CRDs in k8s/base/crds", () => {
  it.each(crdFiles().map((f) => [f.name, f.text]))("%s is what the schema generates (run npm run gen:crd when this fails)", (name, text) => {
    const file = join(ROOT, "k8s", "base", "crds", name);
    expect(readFileSync(file, "utf8"), `${file} is stale: run npm run gen:crd and commit the result`).toBe(text);
  });

  it("are structural: a type on every node, no preserved unknown fields, no defaults", () => {
    const versions = (pipelineCrd().spec as { versions: { schema: { openAPIV3Schema: OpenApiSchema } }[] }).versions;
    const root = versions[0]!.schema.openAPIV3Schema;
    const all = [...nodes(root)];
    expect(all.length).toBeGreaterThan(60);
    for (const [path, node] of all) {
      expect(node.type !== undefined || node["x-kubernetes-int-or-string"] === true, `${path} has no type`).toBe(true);
      expect(node, path).not.toHaveProperty("x-kubernetes-preserve-unknown-fields");
      expect(node, path).not.toHaveProperty("default");
      expect(node, path).not.toHaveProperty("additionalProperties", false);
    }
    const paths = new Map(all);
    expect(paths.get(".spec.workflow.steps[].params.*")).toEqual({ type: "string" });
    expect(paths.get(".spec.workflow.steps[].resources.limits.*")).toMatchObject({ "x-kubernetes-int-or-string": true });
    expect(paths.get(".spec.workflow.steps[].tolerations[].operator")).toEqual({ type: "string", enum: ["Exists", "Equal"] });
    expect(paths.get(".spec.trigger.source")).toEqual({ type: "string", enum: ["minio", "webhook"] });
    expect(paths.get(".spec.trigger")!.required).toBeUndefined();
    expect(paths.get(".spec")!.required).toEqual(["trigger", "workflow"]);
    expect(paths.get(".spec.workflow")!["x-kubernetes-validations"]).toEqual([expect.objectContaining({ rule: "has(self.templateRef) != has(self.steps)" })]);
  });
});

describe("openApiSchema", () => {
  it("says which field has no structural form", () => {
    const bad = z.strictObject({ a: z.strictObject({ b: z.union([z.string(), z.boolean()]) }) });
    expect(() => openApiSchema(bad)).toThrow(CrdSchemaError);
    expect(() => openApiSchema(bad)).toThrow(/^\.a\.b: a union of boolean,string has no structural form/);
  });

  it("keeps limits and patterns, and leaves defaults and optional fields out of required", () => {
    const s = z.strictObject({ n: z.number().int().positive().max(9), t: z.string().min(2).regex(/^x+$/), d: z.string().default("x"), o: z.array(z.string()).max(3).optional() });
    expect(openApiSchema(s)).toEqual({
      type: "object",
      required: ["n", "t"],
      properties: {
        n: { type: "integer", minimum: 0, exclusiveMinimum: true, maximum: 9 },
        t: { type: "string", minLength: 2, pattern: "^x+$" },
        d: { type: "string" },
        o: { type: "array", items: { type: "string" }, maxItems: 3 },
      },
    });
  });
});
