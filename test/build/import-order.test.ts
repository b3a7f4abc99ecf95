/**
 * @module test/build/import-order.test — the folders of src/ import each other in the one order
 * ARCHITECTURE.md gives (each folder only those before it, so there are no cycles), and ARCHITECTURE.md
 * describes every folder there is (and none that is not).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/util.js";

const SRC = join(REPO_ROOT, "src");

/** ARCHITECTURE.md's order: a folder may import those of a lower rank only (same rank: neither imports the other). */
const RANK: Record<string, number> = { lib: 0, storage: 1, triggers: 1, config: 2, rules: 3, workflows: 4, status: 5, results: 5, flow: 6, gateway: 6, sweep: 7, cli: 8 };

/** The one import across ranks ARCHITECTURE.md names: the on-demand run's request, result and error types. */
const ALLOWED = new Set(["gateway -> flow/run-object.ts"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe("src/ folders", () => {
  it("are each ranked here and described in ARCHITECTURE.md", () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const architecture = readFileSync(join(REPO_ROOT, "ARCHITECTURE.md"), "utf8");
    expect(folders.filter((f) => !(f in RANK)), "src/ folders without a place in the import order").toEqual([]);
    expect(folders.filter((f) => !architecture.includes(`- \`src/${f}/\``)), "src/ folders ARCHITECTURE.md does not describe").toEqual([]);
    const described = [...architecture.matchAll(/^- `src\/([a-z-]+)\/`/gm)].map((m) => m[1]!);
    expect(described.filter((f) => !folders.includes(f)), "folders ARCHITECTURE.md describes that src/ does not have").toEqual([]);
  });

  it("import only folders before them", () => {
    const wrong: string[] = [];
    let edges = 0;
    for (const file of sourceFiles(SRC)) {
      const from = relative(SRC, file).split("/")[0]!;
      for (const [, spec] of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g)) {
        const target = relative(SRC, join(dirname(file), spec!)).replace(/\.js$/, ".ts");
        const to = target.split("/")[0]!;
        if (to === from || to.startsWith("..") || !target.includes("/")) continue;
        edges++;
        if (RANK[to]! < RANK[from]!) continue;
        if (ALLOWED.has(`${from} -> ${target}`)) continue;
        wrong.push(`${relative(REPO_ROOT, file)} imports ${target} (${from} may not import ${to})`);
      }
    }
    expect(edges).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  });
});
