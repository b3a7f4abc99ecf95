import { describe, expect, it } from "vitest";
import { formatDurations, type FileDuration } from "./durations.js";

const file = (name: string, testsMs: number, importMs = 0, state = "passed"): FileDuration => ({
  file: name,
  state,
  importMs,
  testsMs,
});

describe("formatDurations", () => {
  it("lists files slowest first by import plus tests, with a total over all of them", () => {
    const lines = formatDurations(
      [file("fast.test.ts", 100, 50), file("slow.int.test.ts", 41_000, 800), file("mid.int.test.ts", 9_000, 1_000)],
      { wallMs: 43_210 },
    );
    expect(lines[0]).toBe("test files by duration (slowest first, 3 of 3):");
    expect(lines.slice(2).map((l) => l.trim())).toEqual([
      "41.8 s  41.0 s   0.8 s  slow.int.test.ts",
      "10.0 s   9.0 s   1.0 s  mid.int.test.ts",
      "0.1 s   0.1 s   0.1 s  fast.test.ts",
      "52.0 s  total of 3 files, wall time 43.2 s",
    ]);
  });

  it("shows only the top N but totals every file", () => {
    const files = Array.from({ length: 30 }, (_, i) => file(`f${String(i).padStart(2, "0")}.test.ts`, (i + 1) * 1_000));
    const lines = formatDurations(files, { top: 25 });
    const rows = lines.slice(2, -1);
    expect(rows).toHaveLength(25);
    expect(rows[0]).toContain("f29.test.ts");
    expect(rows[24]).toContain("f05.test.ts");
    expect(lines.join("\n")).not.toContain("f04.test.ts");
    // 1 + 2 + ... + 30 seconds
    expect(lines.at(-1)?.trim()).toBe("465.0 s  total of 30 files (5 not shown)");
  });

  it("marks a file that did not pass, and orders equal times by name", () => {
    const lines = formatDurations([file("b.test.ts", 2_000, 0, "failed"), file("a.test.ts", 2_000)]);
    expect(lines[2]).toMatch(/ a\.test\.ts$/);
    expect(lines[3]).toMatch(/ b\.test\.ts {2}\[failed\]$/);
  });

  it("keeps the columns aligned when a file takes minutes", () => {
    const lines = formatDurations([file("long.int.test.ts", 1_234_500), file("short.test.ts", 300)]);
    const col = lines[1]!.indexOf("file");
    expect(lines[2]!.indexOf("long.int.test.ts")).toBe(col);
    expect(lines[3]!.indexOf("short.test.ts")).toBe(col);
    expect(lines[2]!.trim()).toMatch(/^1234\.5 s/);
  });
});
