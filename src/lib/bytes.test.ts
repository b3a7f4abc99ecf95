import { describe, expect, it } from "vitest";
import { formatBytes, parseBytes } from "./bytes.js";

describe("bytes", () => {
  it("reads sizes the way nats-server's config does (KB = KiB)", () => {
    expect(parseBytes("4GB")).toBe(4 * 1024 ** 3);
    expect(parseBytes("512MiB")).toBe(512 * 1024 ** 2);
    expect(parseBytes("1.5k")).toBe(1536);
    expect(parseBytes("100")).toBe(100);
    expect(() => parseBytes("lots")).toThrow(/not a size: write a number and a unit, e.g. 512MiB/);
  });
  it("writes exact units whole and others with one decimal", () => {
    expect(formatBytes(1024 ** 3)).toBe("1 GiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1 << 20)).toBe("1 MiB");
    expect(formatBytes(999)).toBe("999 bytes");
  });
});
