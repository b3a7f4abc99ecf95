import { describe, expect, it } from "vitest";
import { literalSuffix, notificationFilters } from "./notification-filters.js";
import type { CompiledPipeline } from "./types.js";

function pipe(name: string, bucket: string, key: string, literalPrefix: string, events = ["s3:ObjectCreated:Put"]): CompiledPipeline {
  return {
    name,
    file: "x.yaml",
    by: "{camera}",
    pattern: { source: key, literalPrefix, captures: [], match: () => null },
    spec: { trigger: { source: "minio", bucket, key, events } },
  } as unknown as CompiledPipeline;
}

describe("notificationFilters", () => {
  it("derives the literal suffix of a key pattern", () => {
    expect(literalSuffix("{camera}/**/*.jpg")).toBe(".jpg");
    expect(literalSuffix("cam-1/**")).toBe("");
    expect(literalSuffix("{camera}/frames")).toBe("/frames");
    expect(literalSuffix("fixed/key.jpg")).toBe("fixed/key.jpg");
  });

  it("merges pipelines on one bucket into one non-overlapping filter", () => {
    const f = notificationFilters([
      pipe("a", "raw", "gate-01/**/*.jpg", "gate-01/"),
      pipe("b", "raw", "gate-02/**/*.jpg", "gate-02/", ["s3:ObjectCreated:*"]),
      pipe("c", "other", "{camera}/**/*.png", ""),
    ]);
    expect(f).toHaveLength(2);
    const raw = f.find((x) => x.bucket === "raw")!;
    expect(raw.prefix).toBe("gate-0");
    expect(raw.suffix).toBe(".jpg");
    expect(raw.events).toEqual(["s3:ObjectCreated:*"]);
    expect(raw.pipelines).toEqual(["a", "b"]);
    expect(f.find((x) => x.bucket === "other")!.suffix).toBe(".png");
  });

  it("uses the compiled pattern's literal suffix: a root thumb.jpg matches **/thumb.jpg", async () => {
    const { compileKeyPattern } = await import("./key-pattern.js");
    const pattern = compileKeyPattern("**/thumb.jpg");
    expect(pattern.match("thumb.jpg")).not.toBeNull();
    const p = { ...pipe("t", "raw", "**/thumb.jpg", ""), pattern };
    const [f] = notificationFilters([p]);
    expect("thumb.jpg".endsWith(f!.suffix)).toBe(true);
  });

  it("drops the suffix when pipelines disagree", () => {
    const f = notificationFilters([pipe("a", "raw", "{camera}/*.jpg", ""), pipe("b", "raw", "{camera}/*.webp", "")]);
    expect(f[0]!.suffix).toBe("");
  });
});
