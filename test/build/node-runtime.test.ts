/**
 * @module test/build/node-runtime.test — one Node everywhere: the version scripts/tools.sh pins (what `make`
 * and `.ci/run` run under) is the one the images start from, `engines` and `@types/node` name its major, and
 * the suite itself runs under it (and so does the GitHub workflow).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/util.js";

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), "utf8");

function pinnedNode(): string {
  const m = /^NODE_VERSION=(\d+\.\d+\.\d+)\b/m.exec(read("scripts/tools.sh"));
  if (!m?.[1]) throw new Error("scripts/tools.sh has no NODE_VERSION=X.Y.Z line");
  return m[1];
}

function major(version: string): number {
  return Number(version.replace(/^v/, "").split(".")[0]);
}

describe("the Node runtime", () => {
  const pinned = pinnedNode();

  for (const dockerfile of ["Dockerfile", "services/resize/Dockerfile"]) {
    it(`${dockerfile} builds and runs on node:${pinned}`, () => {
      const bases = [...read(dockerfile).matchAll(/^FROM\s+node:(\S+)/gm)].map((m) => m[1]);
      expect(bases.length).toBeGreaterThan(0);
      for (const tag of bases) expect(tag).toBe(`${pinned}-bookworm-slim`);
    });
  }

  for (const pkg of ["package.json", "services/resize/package.json"]) {
    it(`${pkg} asks for Node >= ${major(pinned)} and types of that major`, () => {
      const json = JSON.parse(read(pkg)) as {
        engines?: { node?: string };
        devDependencies?: Record<string, string>;
      };
      expect(json.engines?.node).toBe(`>=${major(pinned)}`);
      const types = json.devDependencies?.["@types/node"] ?? "";
      expect(types).toMatch(/^\d+\.\d+\.\d+$/); // an exact pin, like every other dependency
      expect(major(types)).toBe(major(pinned));
    });
  }

  it(".github/workflows/test.yml sets up the same Node (its npm fetches the pinned one)", () => {
    const versions = [...read(".github/workflows/test.yml").matchAll(/^\s*node-version:\s*"?([^"\s]+)"?/gm)].map((m) => m[1]);
    expect(versions).toEqual([pinned]);
  });

  it("runs this suite", () => {
    // `make test` and .ci/run put the pinned Node first on PATH; an older system Node fails here
    expect(major(process.version)).toBeGreaterThanOrEqual(major(pinned));
  });
});
