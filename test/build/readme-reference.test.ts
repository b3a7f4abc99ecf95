/**
 * @module test/build/readme-reference.test — README's reference tables are checked against the code: every
 * variable `src/config/env.ts` reads has a row in the configuration table (and no row names one it does not
 * read), every `framegate_*` metric README names is registered by `src/lib/metrics.ts`, and the HTTP table lists
 * the routes `src/gateway` serves (the dashboard's files aside), no more and no fewer.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envSchema } from "../../src/config/env.js";
import { createMetrics } from "../../src/lib/metrics.js";
import { REPO_ROOT } from "../harness/util.js";

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");

/** `A_{X,Y}_B` -> `A_X_B`, `A_Y_B` (each brace group in turn). */
function expandBraces(name: string): string[] {
  const m = /\{([^{}]*)\}/.exec(name);
  if (!m) return [name];
  return m[1]!.split(",").flatMap((alt) => expandBraces(name.slice(0, m.index) + alt + name.slice(m.index + m[0].length)));
}

/** The variables the first cells of README's "## Configuration" table name. */
function configTableNames(): Set<string> {
  const start = readme.indexOf("\n## Configuration\n");
  if (start < 0) throw new Error('README.md has no "## Configuration" section');
  const end = readme.indexOf("\n## ", start + 1);
  const names = new Set<string>();
  for (const line of readme.slice(start, end).split("\n")) {
    if (!line.startsWith("| `FRAMEGATE_")) continue;
    const first = line.split(" | ")[0]!;
    for (const [, n] of first.matchAll(/`([A-Z0-9_{},]+)`/g)) for (const x of expandBraces(n!)) names.add(x);
  }
  return names;
}

describe("README's configuration table", () => {
  it("expands brace groups as the table writes them", () => {
    expect(expandBraces("FRAMEGATE_MINIO_{STEPS,GATEWAY}_{ACCESS,SECRET}_KEY")).toEqual([
      "FRAMEGATE_MINIO_STEPS_ACCESS_KEY",
      "FRAMEGATE_MINIO_STEPS_SECRET_KEY",
      "FRAMEGATE_MINIO_GATEWAY_ACCESS_KEY",
      "FRAMEGATE_MINIO_GATEWAY_SECRET_KEY",
    ]);
  });

  it("has a row for every variable env.ts reads, and none for a variable it does not read", () => {
    const read = Object.keys(envSchema.shape).sort();
    const documented = configTableNames();
    expect(read.length).toBeGreaterThan(50);
    expect(read.filter((n) => !documented.has(n)), "read by src/config/env.ts, missing from README's table").toEqual([]);
    expect([...documented].filter((n) => !read.includes(n)).sort(), "in README's table, not read by src/config/env.ts").toEqual([]);
  });
});

describe("metrics README names", () => {
  it("are all registered by src/lib/metrics.ts", () => {
    const registered = new Set(createMetrics({ defaultMetrics: false }).registry.getMetricsAsArray().map((m) => m.name));
    // a name ending in `_` is a prefix README writes with `*` or `{a,b}` after it
    const named = [...new Set([...readme.matchAll(/\bframegate_[a-z0-9_]+(\{[a-z_,]+\})?/g)].flatMap((m) => (m[1]?.includes(",") && m[0].endsWith("_" + m[1]) ? expandBraces(m[0]) : [m[0].replace(/\{.*$/, "")])))];
    const missing = named.filter((n) => !(n.endsWith("_") ? [...registered].some((r) => r.startsWith(n)) : registered.has(n) || registered.has(n.replace(/_(bucket|sum|count)$/, ""))));
    expect(named.length).toBeGreaterThan(30);
    expect(missing, "named in README.md, not registered in src/lib/metrics.ts").toEqual([]);
  });
});

/** Where each gateway route file is mounted (app.ts); the rest are under `/api`. */
const MOUNTS: Record<string, string> = { "hooks.ts": "/hooks", "ops.ts": "" };

/** `METHOD /path` of every route the gateway's files declare, `${action}` paths expanded from their loop. */
function gatewayRoutes(): string[] {
  const dir = join(REPO_ROOT, "src", "gateway");
  const routes: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "dashboard.ts")) {
    const text = readFileSync(join(dir, file), "utf8");
    const actions = [...text.matchAll(/\["(\w+)", (?:true|false)\]/g)].map((m) => m[1]!);
    for (const [, method, path] of text.matchAll(/\bapp\.(get|post|put|delete)\(\s*[`"]([^`"]+)[`"]/g)) {
      const full = `${method!.toUpperCase()} ${MOUNTS[file] ?? "/api"}${path}`;
      routes.push(...(full.includes("${action}") ? actions.map((a) => full.replace("${action}", a)) : [full]));
    }
  }
  return [...new Set(routes)].sort();
}

/** `METHOD /path` of every route README's "## HTTP" table names (`<name>` written as `:name`). */
function readmeRoutes(): string[] {
  const start = readme.indexOf("\n## HTTP\n");
  if (start < 0) throw new Error('README.md has no "## HTTP" section');
  const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
  const routes = section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .flatMap((l) => [...l.split(" | ")[0]!.matchAll(/`(GET|POST|PUT|DELETE) (\/[^`]*)`/g)].map((m) => `${m[1]} ${m[2]!.replace(/<(\w+)>/g, ":$1")}`));
  return [...new Set(routes)].sort();
}

describe("README's HTTP table", () => {
  it("lists every route the gateway serves, and only those", () => {
    const served = gatewayRoutes();
    const listed = readmeRoutes();
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((r) => !listed.includes(r)), "served by src/gateway, missing from README's HTTP table").toEqual([]);
    expect(listed.filter((r) => !served.includes(r)), "in README's HTTP table, not served by src/gateway").toEqual([]);
  });
});
