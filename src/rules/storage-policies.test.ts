/** @module rules/storage-policies.test — the identities' policies follow the rules, and grant nothing more. */
import { describe, expect, it } from "vitest";
import { loadRules } from "./loader.js";
import { storagePolicies } from "./storage-policies.js";
import type { CompiledPipeline } from "./types.js";

function pipe(name: string, trigger: object, outputBucket = "processed"): CompiledPipeline {
  return { name, file: "x.yaml", by: "{camera}", spec: { trigger, workflow: { outputBucket } } } as unknown as CompiledPipeline;
}

/** Every (action, resource) pair a policy grants, as "action resource" strings. */
function grants(p: { Statement: { Action: string[]; Resource: string[] }[] }): string[] {
  return p.Statement.flatMap((s) => s.Action.flatMap((a) => s.Resource.map((r) => `${a} ${r}`))).sort();
}

describe("storagePolicies", () => {
  it("the example pipelines: steps read raw and models, read+write processed; exactly that", async () => {
    const r = await loadRules({ rulesDir: "pipelines", servicesDir: "services" });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const s = storagePolicies(r.ruleSet.pipelines);
    expect(s.triggerBuckets).toEqual(["raw"]);
    expect(s.outputBuckets).toEqual(["processed"]);
    expect(grants(s.policies.steps)).toEqual([
      "s3:GetBucketLocation arn:aws:s3:::models",
      "s3:GetBucketLocation arn:aws:s3:::processed",
      "s3:GetBucketLocation arn:aws:s3:::raw",
      "s3:GetObject arn:aws:s3:::models/*",
      "s3:GetObject arn:aws:s3:::processed/*",
      "s3:GetObject arn:aws:s3:::raw/*",
      "s3:ListBucket arn:aws:s3:::models",
      "s3:ListBucket arn:aws:s3:::raw",
      "s3:PutObject arn:aws:s3:::processed/*",
    ]);
  });

  it("the results identity reads each pipeline's own output prefix and nothing else: no listing, no write, no raw", () => {
    const s = storagePolicies([pipe("a", { source: "minio", bucket: "raw" }), pipe("b", { source: "minio", bucket: "dock-cams" }, "dock-out")]);
    expect(s.resultPrefixes).toEqual(["dock-out/b/", "processed/a/"]);
    expect(grants(s.policies.results)).toEqual(["s3:GetObject arn:aws:s3:::dock-out/b/*", "s3:GetObject arn:aws:s3:::processed/a/*"]);
  });

  it("a pipeline with a new trigger bucket and output bucket widens the steps' and gateway's policies", () => {
    const before = storagePolicies([pipe("a", { source: "minio", bucket: "raw" })]);
    const after = storagePolicies([pipe("a", { source: "minio", bucket: "raw" }), pipe("b", { source: "minio", bucket: "dock-cams" }, "dock-out")]);
    const added = grants(after.policies.steps).filter((g) => !grants(before.policies.steps).includes(g));
    expect(added).toEqual([
      "s3:GetBucketLocation arn:aws:s3:::dock-cams",
      "s3:GetBucketLocation arn:aws:s3:::dock-out",
      "s3:GetObject arn:aws:s3:::dock-cams/*",
      "s3:GetObject arn:aws:s3:::dock-out/*",
      "s3:ListBucket arn:aws:s3:::dock-cams",
      "s3:PutObject arn:aws:s3:::dock-out/*",
    ]);
    expect(grants(after.policies.gateway)).toContain("s3:PutBucketNotification arn:aws:s3:::dock-cams");
    expect(grants(after.policies.gateway)).toContain("s3:GetObject arn:aws:s3:::dock-out/*");
  });

  it("the gateway may read a trigger bucket's objects only when a rule there needs their metadata (the sweep lists it)", async () => {
    const { compileKeyPattern } = await import("./key-pattern.js");
    const withCamera = (name: string, bucket: string, where?: object) =>
      ({ ...pipe(name, { source: "minio", bucket, where }), pattern: compileKeyPattern("{camera}/**/*.jpg") }) as CompiledPipeline;
    const s = storagePolicies([
      withCamera("a", "raw"),
      withCamera("b", "lobby", { metadata: { motion: "true" } }),
      withCamera("c", "dock", { contentType: ["image/*"] }),
      pipe("d", { source: "minio", bucket: "yard", prefix: "cam/" }), // no {camera}: the camera is metadata
    ]);
    const reads = grants(s.policies.gateway).filter((g) => g.startsWith("s3:GetObject"));
    expect(reads).toEqual(["s3:GetObject arn:aws:s3:::dock/*", "s3:GetObject arn:aws:s3:::lobby/*", "s3:GetObject arn:aws:s3:::processed/*", "s3:GetObject arn:aws:s3:::yard/*"]);
  });

  it("no identity may delete (but Argo's archive in its own bucket), and nobody but the steps writes", () => {
    const s = storagePolicies([pipe("a", { source: "minio", bucket: "raw" }), pipe("w", { source: "webhook", hook: "motion" })], { artifacts: "logs" });
    const all = [...grants(s.policies.steps), ...grants(s.policies.gateway)];
    expect(all.filter((g) => /Delete|s3:\*|Bypass|Policy|Admin/.test(g))).toEqual([]);
    expect(grants(s.policies.steps).filter((g) => g.startsWith("s3:PutObject"))).toEqual(["s3:PutObject arn:aws:s3:::processed/*"]);
    expect(grants(s.policies.gateway).filter((g) => g.startsWith("s3:PutObject"))).toEqual([]);
    expect(grants(s.policies.artifacts)).toEqual([
      "s3:DeleteObject arn:aws:s3:::logs/*",
      "s3:GetBucketLocation arn:aws:s3:::logs",
      "s3:GetObject arn:aws:s3:::logs/*",
      "s3:ListBucket arn:aws:s3:::logs",
      "s3:PutObject arn:aws:s3:::logs/*",
    ]);
  });

  it("is deterministic: the same rules in another order give the same documents", () => {
    const a = pipe("a", { source: "minio", bucket: "raw" });
    const b = pipe("b", { source: "minio", bucket: "lobby" }, "lobby-out");
    expect(JSON.stringify(storagePolicies([a, b]))).toBe(JSON.stringify(storagePolicies([b, a])));
  });
});
