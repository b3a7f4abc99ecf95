/**
 * Renders a Workflow for every example pipeline in `pipelines/` (with a synthetic event that matches
 * it) and runs the real `argo lint --offline` on them, together with the WorkflowTemplates in `k8s/`
 * that templateRef pipelines name. A missing argo binary fails the test (scripts/tools.sh argo).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { match, objectEvent, pipeline } from "../../test/fixtures/render-fixtures.js";
import { REPO_ROOT, toolPath } from "../../test/harness/util.js";
import { formatIssue } from "../lib/errors.js";
import { serviceSchema } from "../rules/catalog-schema.js";
import { loadRules } from "../rules/loader.js";
import { compileMatcher } from "../rules/matcher.js";
import type { Catalog, CompiledPipeline, Match, Matcher } from "../rules/types.js";
import type { NormalizedEvent, ObjectEvent } from "../triggers/event.js";
import { createHookEvent } from "../triggers/hook-event.js";
import { renderWorkflow } from "./render.js";
import type { Workflow } from "./types.js";

const run = promisify(execFile);

/** A string that a glob accepts: `*` and `?` filled in. */
function fromGlob(glob: string, fill = "01"): string {
  return glob.replace(/\*+/g, fill).replace(/\?/g, "x");
}

/** A key that a trigger's key pattern (or prefix/suffix) accepts, for the given camera. */
function keyFor(trigger: { key?: string; prefix?: string; suffix?: string }, camera: string, n: number): string {
  if (trigger.key) {
    return trigger.key
      .replace(/\{camera\}/g, camera)
      .replace(/\{[A-Za-z_][\w.-]*\}/g, "v1")
      .replace(/\*\*/g, "2024/05/01")
      .replace(/\*/g, `120000-${n}`);
  }
  return `${trigger.prefix ?? ""}${camera}/2024/05/01/120000-${n}${trigger.suffix ?? ".jpg"}`;
}

function setPath(obj: Record<string, unknown>, path: string, value: string) {
  const parts = path.split(".");
  let cur = obj;
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[parts.at(-1)!] = value;
}

/** Synthetic events (3 for batch pipelines) that the pipeline's trigger and `where` accept. */
function eventsFor(p: CompiledPipeline): NormalizedEvent[] {
  const t = p.spec.trigger;
  const count = p.spec.select.batch ? 3 : 1;
  if (t.source === "webhook") {
    return Array.from({ length: count }, (_, i) => {
      const body: Record<string, unknown> = { camera: "gate-01", bucket: "raw", key: `gate-01/2024/05/01/120000-${i}.jpg`, seq: i };
      for (const [path, globs] of Object.entries(t.where?.fields ?? {})) setPath(body, path, fromGlob(globs[0]!));
      return createHookEvent({ hook: t.hook, body, receivedAt: "2024-05-01T12:00:00Z" });
    });
  }
  const where = t.where ?? {};
  const camera = where.camera ? fromGlob(where.camera[0]!) : "gate-01";
  const eventName = t.events.find((e) => !e.includes("*")) ?? "s3:ObjectCreated:Put";
  const size = Math.min(Math.max(where.minSize ?? 0, 48_213), where.maxSize ?? Number.MAX_SAFE_INTEGER);
  const metadata: Record<string, string> = { camera };
  for (const [k, v] of Object.entries(where.metadata ?? {})) metadata[k.toLowerCase().replace(/^x-amz-meta-/, "")] = fromGlob(v, "x");
  return Array.from({ length: count }, (_, i): ObjectEvent => {
    const key = keyFor(t, camera, i);
    const etag = `9b2cf535f27731c97434364${i}a3985328`;
    return {
      source: "minio",
      id: `${t.bucket}/${key}@${etag}`,
      eventName,
      eventTime: "2024-05-01T12:00:00.000Z",
      bucket: t.bucket,
      key,
      size,
      etag,
      contentType: where.contentType ? fromGlob(where.contentType[0]!, "jpeg") : "image/jpeg",
      sequencer: `17C1D1B0A6E4F2C${i}`,
      metadata,
    };
  });
}

function matchesOf(matcher: Matcher, p: CompiledPipeline, events: NormalizedEvent[]): Match[] {
  return events.map((ev) => {
    const m = matcher.match(ev).find((x) => x.pipeline.name === p.name);
    if (!m) throw new Error(`the synthetic event ${JSON.stringify(ev)} does not match pipeline ${p.name}: teach eventsFor() about its trigger`);
    return m;
  });
}

function yamlFiles(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** Every WorkflowTemplate document under k8s/, by name. */
function workflowTemplates(): Map<string, { file: string; doc: unknown }> {
  const found = new Map<string, { file: string; doc: unknown }>();
  for (const file of yamlFiles(join(REPO_ROOT, "k8s"))) {
    for (const d of parseAllDocuments(readFileSync(file, "utf8"))) {
      const doc = d.toJS() as { kind?: string; metadata?: { name?: string } } | null;
      if (doc?.kind === "WorkflowTemplate" && doc.metadata?.name) found.set(doc.metadata.name, { file: relative(REPO_ROOT, file), doc });
    }
  }
  return found;
}

/**
 * Runs `argo lint --offline --output simple`. Resolving the binary here, inside each test, makes a
 * missing one fail every test with toolPath's "Install it with `scripts/tools.sh argo`" (a throw in
 * beforeAll would report the tests as skipped).
 */
async function argoLint(paths: string[]): Promise<{ code: number; output: string }> {
  const argo = toolPath("ARGO");
  try {
    const r = await run(argo, ["lint", "--offline", "--output", "simple", ...paths], { timeout: 60_000 });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === "number" ? e.code : -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}${e.stdout || e.stderr ? "" : e.message}` };
  }
}

describe("rendered Workflows pass argo lint --offline", () => {
  let dir: string;
  let pipelines: CompiledPipeline[];
  let catalog: Catalog;
  let matcher: Matcher;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "framegate-lint-"));
    const loaded = await loadRules({ rulesDir: join(REPO_ROOT, "pipelines"), servicesDir: join(REPO_ROOT, "services") });
    if (!loaded.ok) throw new Error(`the example rules are invalid:\n${loaded.issues.map(formatIssue).join("\n")}`);
    pipelines = loaded.ruleSet.pipelines;
    catalog = loaded.ruleSet.catalog;
    matcher = compileMatcher(pipelines);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("has example pipelines of both kinds to check", () => {
    expect(pipelines.length).toBeGreaterThan(0);
    expect(pipelines.some((p) => p.spec.workflow.steps)).toBe(true);
    expect(pipelines.some((p) => p.spec.workflow.templateRef)).toBe(true);
  });

  it("lints every example pipeline's Workflow with the WorkflowTemplates they reference", async () => {
    const templates = workflowTemplates();
    const files: string[] = [];
    const usedTemplates = new Map<string, string>(); // template -> namespace it is looked up in
    for (const p of pipelines) {
      const wf = renderWorkflow(matchesOf(matcher, p, eventsFor(p)), catalog);
      const ref = p.spec.workflow.templateRef;
      if (ref) {
        expect(templates.has(ref), `pipeline ${p.name} names WorkflowTemplate "${ref}", which no file under k8s/ defines`).toBe(true);
        usedTemplates.set(ref, wf.metadata.namespace);
      }
      const file = join(dir, `workflow-${p.name}.yaml`);
      writeFileSync(file, stringify(wf, { lineWidth: 0 }));
      files.push(file);
    }
    for (const [name, namespace] of usedTemplates) {
      // kustomize gives k8s/ resources their namespace; lint looks the template up in the Workflow's
      const doc = templates.get(name)!.doc as { metadata: Record<string, unknown> };
      const file = join(dir, `workflowtemplate-${name}.yaml`);
      writeFileSync(file, stringify({ ...doc, metadata: { ...doc.metadata, namespace } }, { lineWidth: 0 }));
      files.push(file);
    }
    const r = await argoLint(files);
    expect(r.code, `argo lint --offline failed:\n${r.output}`).toBe(0);
  });

  it("lints Workflows for awkward keys, cameras and a batch of many", async () => {
    const p = pipelines.find((x) => x.spec.workflow.steps && x.spec.trigger.source === "minio")!;
    const [base] = eventsFor(p) as ObjectEvent[];
    const awkward = ["a b+c%d/東京/😀 frame.jpg", "x/y/dotted.name.jpg", `deep/${"d/".repeat(40)}f.jpg`, "quote\"and'apos\\back.jpg"].map((suffix, i) => {
      const key = base!.key.replace(/[^/]*$/, suffix.replaceAll("/", "-"));
      return { ...base!, key, id: `${base!.bucket}/${key}@e${i}`, etag: `e${i}` };
    });
    const files: string[] = [];
    for (const [i, ev] of awkward.entries()) {
      const ms = matchesOf(matcher, p, [ev]);
      const m = { ...ms[0]!, camera: "Gate #7 (north) ünïcode ".repeat(4) };
      const file = join(dir, `awkward-${i}.yaml`);
      writeFileSync(file, stringify(renderWorkflow([m], catalog), { lineWidth: 0 }));
      files.push(file);
    }
    const many = Array.from({ length: 200 }, (_, i) => ({ ...base!, key: base!.key.replace(/[^/]*$/, `f-${i}.jpg`), id: `k${i}`, etag: `e${i}` }));
    const file = join(dir, "batch.yaml");
    writeFileSync(file, stringify(renderWorkflow(matchesOf(matcher, p, many), catalog), { lineWidth: 0 }));
    files.push(file);
    const r = await argoLint(files);
    expect(r.code, r.output).toBe(0);
  });

  it("lints a batch whose keys hold Argo template tags (escaped, not substituted)", async () => {
    const p = pipelines.find((x) => x.spec.workflow.steps && x.spec.trigger.source === "minio" && !/\{(key|file|dir)\}/.test(JSON.stringify(x.spec.workflow)));
    expect(p, "an example pipeline with steps whose templates do not use {key}, {file} or {dir}").toBeDefined();
    const [base] = eventsFor(p!) as ObjectEvent[];
    const evs = ["{{inputs.parameters.x}}", "{{=sprig.env('HOME')}}", "{{workflow.name}}"].map((tag, i) => {
      const key = base!.key.replace(/[^/]*$/, `${tag}-${i}.jpg`);
      return { ...base!, key, id: `${base!.bucket}/${key}@t${i}`, etag: `t${i}` };
    });
    const file = join(dir, "tags.yaml");
    writeFileSync(file, stringify(renderWorkflow(matchesOf(matcher, p!, evs), catalog), { lineWidth: 0 }));
    const r = await argoLint([file]);
    expect(r.code, r.output).toBe(0);
  });

  it("lints steps with placement: nodeSelector, tolerations and resources", async () => {
    const p = pipeline("placed", {
      steps: [
        { name: "resize", service: "resize", resources: { requests: { cpu: "250m" }, limits: { cpu: 2, memory: "1Gi" } } },
        {
          name: "detect",
          service: "detect",
          after: ["resize"],
          nodeSelector: { hardware: "gpu" },
          tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }, { key: "dedicated", operator: "Equal", value: "vision", effect: "NoExecute", tolerationSeconds: 60 }],
          resources: { limits: { "nvidia.com/gpu": 1, memory: "4Gi" } },
        },
      ],
    });
    const wf = renderWorkflow([match(p, objectEvent("gate-01/2026/01/01/000000-1.jpg"))], catalog);
    const detect = (wf.spec.templates as { name: string; tolerations?: unknown[]; container?: { resources?: unknown } }[]).find((t) => t.name === "detect")!;
    expect(detect.tolerations).toHaveLength(2);
    expect(detect.container!.resources).toEqual({ limits: { "nvidia.com/gpu": "1", memory: "4Gi" } });
    const file = join(dir, "placed.yaml");
    writeFileSync(file, stringify(wf, { lineWidth: 0 }));
    const r = await argoLint([file]);
    expect(r.code, r.output).toBe(0);
  });

  it("lints steps of the GPU catalog entry (k8s/components/detect-on-gpu): GPU limit, toleration, runtime class, semaphore", async () => {
    const gpu = serviceSchema.parse(parse(readFileSync(join(REPO_ROOT, "k8s/components/detect-on-gpu/detect-service.yaml"), "utf8")));
    const gpuCatalog: Catalog = new Map([...catalog, ["detect", gpu]]);
    const p = pipeline("on-gpu", {
      steps: [
        { name: "resize", service: "resize" },
        { name: "detect", service: "detect", after: ["resize"] },
        { name: "detect-full", service: "detect" },
      ],
    });
    const wf = renderWorkflow([match(p, objectEvent("gate-01/2026/01/01/000000-1.jpg"))], gpuCatalog);
    const all = wf.spec.templates as { name: string; synchronization?: unknown; podSpecPatch?: string; tolerations?: unknown[]; container?: { resources?: { limits?: Record<string, string> } } }[];
    for (const t of all.filter((x) => x.name.startsWith("detect"))) {
      expect(t.synchronization).toEqual({ semaphores: [{ configMapKeyRef: { name: "framegate-semaphores", key: "detect" } }] });
      expect(t.podSpecPatch).toBe('{"runtimeClassName":"nvidia"}');
      expect(t.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
      expect(t.container!.resources!.limits!["nvidia.com/gpu"]).toBe("1");
    }
    const file = join(dir, "on-gpu.yaml");
    writeFileSync(file, stringify(wf, { lineWidth: 0 }));
    const r = await argoLint([file]);
    expect(r.code, r.output).toBe(0);
  });

  it("is strict: argo lint rejects a rendered Workflow with an unknown field (so the passes above mean something)", async () => {
    const p = pipelines.find((x) => x.spec.workflow.steps)!;
    const wf: Workflow = renderWorkflow(matchesOf(matcher, p, eventsFor(p).slice(0, 1)), catalog);
    const broken = { ...wf, spec: { ...wf.spec, templatez: [] } };
    const file = join(dir, "broken.yaml");
    writeFileSync(file, stringify(broken));
    const r = await argoLint([file]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/templatez/);
  });
});
