import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { REPO_ROOT } from "../../test/harness/util.js";
import { dryRun } from "../workflows/dry-run.js";
import { loadRules } from "../rules/loader.js";
import { createGatewayApp } from "./app.js";
import { RuleDrafts } from "./rule-drafts.js";

const TOKEN = "composer-token-0123456789";
const SERVICES = join(REPO_ROOT, "services");

const draft = (name: string, key = "{camera}/**/*.jpg") => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata:
  name: ${name}
spec:
  trigger:
    bucket: raw
    key: "${key}"
    where:
      camera: ["yard-*"]
  workflow:
    steps:
      - name: resize
        service: resize
        params: { width: "320" }
      - name: detect
        service: detect
        after: [resize]
`;

let rulesDir: string;
let reloads: number;

beforeEach(() => {
  rulesDir = mkdtempSync(join(tmpdir(), "fg-compose-"));
  writeFileSync(join(rulesDir, "existing.yaml"), draft("existing"));
  reloads = 0;
});
afterEach(() => rmSync(rulesDir, { recursive: true, force: true }));

function app(opts: { allowWrites?: boolean; token?: string } = {}) {
  const drafts = new RuleDrafts({
    rulesDir,
    servicesDir: SERVICES,
    allowWrites: opts.allowWrites ?? true,
    dryRun: (events, ruleSet) => dryRun(events, ruleSet),
    afterWrite: async () => {
      reloads++;
      return { changed: true, issues: [] };
    },
  });
  return createGatewayApp(makeDeps({ drafts, validateRules: (t) => drafts.validate(t), ...(opts.token && { apiToken: opts.token }) }));
}

const auth = { Authorization: `Bearer ${TOKEN}` };

describe("POST /api/validate with a draft", () => {
  it("reports a bad key pattern at its path, line and column", async () => {
    const res = await app().request("/api/validate", { method: "POST", body: draft("yard", "{camera/**/*.jpg") });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; issues: { path: string; line: number; col: number; file: string; text: string }[] };
    expect(body.ok).toBe(false);
    expect(body.issues).toHaveLength(1);
    expect(body.issues[0]).toMatchObject({ path: "spec.trigger.key", line: 8, col: 10, file: join(rulesDir, "yard.yaml") });
    expect(body.issues[0]!.text).toContain('unclosed "{"');
  });

  it("catches a name already used by another file of the rules folder, and only reports the draft's own issues", async () => {
    writeFileSync(join(rulesDir, "broken.yaml"), "apiVersion: framegate.io/v1alpha1\nkind: Nope\n");
    const ok = (await (await app().request("/api/validate", { method: "POST", body: draft("yard") })).json()) as { ok: boolean; issues: unknown[] };
    expect(ok).toEqual({ ok: true, issues: [] });
    writeFileSync(join(rulesDir, "copy.yaml"), draft("existing"));
    const res = (await (await app().request("/api/validate", { method: "POST", body: draft("existing") })).json()) as { issues: { file: string; message: string }[] };
    // existing.yaml is the draft's own file (replaced), copy.yaml still holds "existing"
    expect(res.issues.map((i) => i.message)).toEqual([expect.stringContaining('pipeline "existing" is already defined at')]);
    expect(res.issues.every((i) => i.file === join(rulesDir, "existing.yaml"))).toBe(true);
  });
});

describe("POST /api/match/draft", () => {
  it("dry-runs the draft alone against a made-up upload and renders its Workflow", async () => {
    const res = await app().request("/api/match/draft", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rules: draft("yard"), object: { bucket: "raw", key: "yard-01/2026/01/02/120000-1.jpg" } }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { events: { key: string }[]; matches: { pipeline: string; workflow: { spec: { templates: { name: string }[] } } }[]; misses: unknown[] };
    expect(body.events[0]!.key).toBe("yard-01/2026/01/02/120000-1.jpg");
    // only the draft is tried: "existing" covers the same keys but is not part of the dry run
    expect(body.matches.map((m) => m.pipeline)).toEqual(["yard"]);
    expect(body.matches[0]!.workflow.spec.templates.map((t) => t.name)).toEqual(expect.arrayContaining(["resize", "detect"]));
    expect(body.misses).toEqual([]);
  });

  it("says which trigger condition failed when the draft does not match", async () => {
    const res = await app().request("/api/match/draft", {
      method: "POST",
      body: JSON.stringify({ rules: draft("yard"), object: { bucket: "raw", key: "gate-01/a.jpg" } }),
    });
    const body = (await res.json()) as { matches: unknown[]; misses: { pipeline: string; reason: string }[] };
    expect(body.matches).toEqual([]);
    expect(body.misses).toEqual([{ pipeline: "yard", event: 0, reason: 'the camera "gate-01" matches none of where.camera: "yard-*"' }]);
  });

  it("answers 422 with the issues for an invalid draft and 400 for input that is not an event", async () => {
    const bad = await app().request("/api/match/draft", { method: "POST", body: JSON.stringify({ rules: draft("yard", "{camera"), object: { bucket: "raw", key: "a" } }) });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(["spec.trigger.key"]);
    const notEvent = await app().request("/api/match/draft", { method: "POST", body: JSON.stringify({ rules: draft("yard"), event: { hello: 1 } }) });
    expect(notEvent.status).toBe(400);
    expect(((await notEvent.json()) as { error: string }).error).toMatch(/^event: the input is not an event/);
    const both = await app().request("/api/match/draft", { method: "POST", body: JSON.stringify({ rules: draft("yard") }) });
    expect(both.status).toBe(400);
    expect(((await both.json()) as { error: string }).error).toContain('send exactly one of "event"');
  });
});

describe("PUT /api/pipelines/:name", () => {
  it("validates, writes <rulesDir>/<name>.yaml atomically, reloads, and framegate validate accepts the folder", async () => {
    const res = await app({ token: TOKEN }).request("/api/pipelines/yard", { method: "PUT", headers: auth, body: draft("yard") });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ ok: true, created: true, file: join(rulesDir, "yard.yaml") });
    expect(readFileSync(join(rulesDir, "yard.yaml"), "utf8")).toBe(draft("yard"));
    expect(readdirSync(rulesDir).sort()).toEqual(["existing.yaml", "yard.yaml"]); // no temp file left behind
    expect(reloads).toBe(1);
    const loaded = await loadRules({ rulesDir, servicesDir: SERVICES });
    expect(loaded.ok && loaded.ruleSet.pipelines.map((p) => p.name)).toEqual(["existing", "yard"]);
  });

  it("needs the API token when one is set", async () => {
    const res = await app({ token: TOKEN }).request("/api/pipelines/yard", { method: "PUT", body: draft("yard") });
    expect(res.status).toBe(401);
    expect(readdirSync(rulesDir)).toEqual(["existing.yaml"]);
  });

  it("refuses when rule writes are off, saying which setting turns them on", async () => {
    const res = await app({ allowWrites: false }).request("/api/pipelines/yard", { method: "PUT", body: draft("yard") });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toContain("FRAMEGATE_ALLOW_RULE_WRITES=true");
    expect(readdirSync(rulesDir)).toEqual(["existing.yaml"]);
    const caps = await app({ allowWrites: false }).request("/api/dashboard");
    expect(await caps.json()).toMatchObject({ ruleWrites: false, composer: true });
  });

  it("writes nothing for an invalid pipeline or a name that differs from the path, and answers where the problems are", async () => {
    const invalid = await app().request("/api/pipelines/yard", { method: "PUT", body: draft("yard", "{camera") });
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(["spec.trigger.key"]);
    const renamed = await app().request("/api/pipelines/other", { method: "PUT", body: draft("yard") });
    expect(renamed.status).toBe(422);
    expect(((await renamed.json()) as { issues: { path: string; message: string }[] }).issues[0]).toMatchObject({ path: "metadata.name", message: expect.stringContaining('differs from the name it is saved as ("other")') });
    const badName = await app().request("/api/pipelines/Bad_Name", { method: "PUT", body: draft("yard") });
    expect(badName.status).toBe(400);
    expect(readdirSync(rulesDir)).toEqual(["existing.yaml"]);
  });

  it("replaces an existing file only without If-None-Match: *", async () => {
    const changed = draft("existing", "{camera}/**/*.png");
    const refused = await app().request("/api/pipelines/existing", { method: "PUT", headers: { "If-None-Match": "*" }, body: changed });
    expect(refused.status).toBe(412);
    expect(await refused.json()).toMatchObject({ ok: false, reason: "exists", error: expect.stringContaining("existing.yaml already exists") });
    expect(readFileSync(join(rulesDir, "existing.yaml"), "utf8")).toBe(draft("existing"));
    const replaced = await app().request("/api/pipelines/existing", { method: "PUT", body: changed });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ ok: true, created: false });
    expect(readFileSync(join(rulesDir, "existing.yaml"), "utf8")).toBe(changed);
  });
});
