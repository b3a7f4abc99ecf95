import { describe, expect, it } from "vitest";
import { formatPath } from "./format-path.js";

describe("formatPath", () => {
  it("joins names with dots, indexes in brackets, quotes keys that are no plain name", () => {
    expect(formatPath(["Records", 2, "s3", "object", "key"])).toBe("Records[2].s3.object.key");
    expect(formatPath(["where", "fields", "device.kind"])).toBe('where.fields["device.kind"]');
    expect(formatPath([0, "a b"])).toBe('[0]["a b"]');
  });

  it("continues a prefix", () => {
    expect(formatPath(["camera"], "body")).toBe("body.camera");
    expect(formatPath([1], "items")).toBe("items[1]");
    expect(formatPath([], "body")).toBe("body");
  });
});
