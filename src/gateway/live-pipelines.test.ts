import { beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { parse } from "yaml";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { REPO_ROOT } from "../../test/harness/util.js";
import { readServiceFiles } from "../rules/catalog.js";
import { PipelineApiError, type PipelineClient, type PipelineObject } from "../rules/pipeline-client.js";
import { resourceLabel } from "../rules/resource-rules.js";
import { dryRun } from "../workflows/dry-run.js";
import { createMetrics, type Metrics } from "../lib/metrics.js";
import { createGatewayApp } from "./app.js";
import { LivePipelines } from "./live-pipelines.js";
import { SAVED_AT_ANNOTATION, SAVED_FROM_ANNOTATION, conflictReport, type PipelineDocument } from "./pipeline-document.js";
import { RuleDrafts } from "./rule-drafts.js";

const NS = "framegate";
const TOKEN = "live-composer-token-0123456789";
const auth = { Authorization: `Bearer ${TOKEN}` };

const spec = (confidence: string) => ({
  trigger: { bucket: "raw", key: "{camera}/**/*.jpg" },
  select: { sample: "5s" },
  workflow: { steps: [{ name: "resize", service: "resize" }, { name: "detect", service: "detect", after: ["resize"], params: { confidence } }] as { name: string; service: string; after?: string[]; params?: Record<string, string> }[] },
});
const doc = (confidence: string, extra: Partial<PipelineDocument["metadata"]> = {}): PipelineDocument => ({ apiVersion: "framegate.io/v1alpha1", kind: "Pipeline", metadata: { name: "people-detect", ...extra }, spec: spec(confidence) });
const yamlOf = (d: PipelineDocument) => JSON.stringify(d); // JSON is YAML

/** The API server's resourceVersion rules, in memory: every write moves it on; a stale one is a 409. */
class MemoryPipelines implements PipelineClient {
  readonly objects = new Map<string, PipelineObject>();
  rv = 100;
  readonly patches: object[] = [];
  #stamp(o: PipelineObject, generation: number): PipelineObject {
    const stored = structuredClone({ ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv), generation } });
    this.objects.set(o.metadata.name, stored);
    return structuredClone(stored);
  }
  async get(name: string) {
    const o = this.objects.get(name);
    if (!o) throw new PipelineApiError("not-found", `pipelines "${name}" not found`);
    return structuredClone(o);
  }
  async create(body: PipelineObject) {
    if (this.objects.has(body.metadata.name)) throw new PipelineApiError("exists", "already exists");
    return this.#stamp(body, 1);
  }
  async replace(body: PipelineObject) {
    const cur = await this.get(body.metadata.name);
    if (cur.metadata.resourceVersion !== body.metadata.resourceVersion) throw new PipelineApiError("conflict", "the object has been modified");
    return this.#stamp(body, (cur.metadata.generation ?? 1) + 1);
  }
  async patch(name: string, p: { metadata?: { resourceVersion?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> }) {
    this.patches.push(p);
    const cur = await this.get(name);
    if (p.metadata?.resourceVersion && p.metadata.resourceVersion !== cur.metadata.resourceVersion) throw new PipelineApiError("conflict", "the object has been modified");
    const s = { ...(cur.spec as object), ...p.spec } as Record<string, unknown>;
    for (const k of Object.keys(s)) if (s[k] === null) delete s[k];
    return this.#stamp({ ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...p.metadata?.annotations } }, spec: s }, (cur.metadata.generation ?? 1) + 1);
  }
  async delete(name: string, resourceVersion: string) {
    const cur = await this.get(name);
    if (cur.metadata.resourceVersion !== resourceVersion) throw new PipelineApiError("conflict", "precondition failed");
    this.objects.delete(name);
  }
  /** the status writer: a new resourceVersion, the same generation and spec */
  statusWrite() {
    const cur = this.objects.get("people-detect")!;
    this.#stamp({ ...cur, status: { observedGeneration: cur.metadata.generation } }, cur.metadata.generation ?? 1);
  }
  /** a change by someone else (kubectl) */
  kubectlSet(confidence: string) {
    const cur = this.objects.get("people-detect")!;
    this.#stamp({ ...cur, spec: spec(confidence) }, (cur.metadata.generation ?? 1) + 1);
  }
}

let client: MemoryPipelines;
const services = await readServiceFiles(join(REPO_ROOT, "services"));

let metrics: Metrics;

function app(writable = true) {
  const drafts = new RuleDrafts({
    rulesDir: "/nonexistent",
    servicesDir: "/nonexistent",
    allowWrites: false,
    dryRun,
    fileFor: (name) => resourceLabel("Pipeline", { metadata: { name, namespace: NS } }),
    sources: async () => ({ rules: [], services: services.files, issues: [] }),
  });
  const livePipelines = new LivePipelines({
    client,
    namespace: NS,
    writable,
    snapshot: () => ({ pipelines: [...client.objects.values()], verdicts: [] }),
    check: (name, text) => drafts.checkAs(name, text),
    now: () => new Date("2026-12-01T07:00:00Z"),
  });
  return createGatewayApp(makeDeps({ apiToken: TOKEN, drafts, livePipelines, metrics }));
}

async function open() {
  const res = await app().request("/api/pipelines/people-detect", { headers: auth });
  expect(res.status).toBe(200);
  expect(res.headers.get("etag")).toMatch(/^"\d+"$/);
  return (await res.json()) as { resourceVersion: string; yaml: string; document: PipelineDocument };
}

function put(body: object, headers: Record<string, string>, writable = true) {
  return app(writable).request("/api/pipelines/people-detect", { method: "PUT", headers: { ...auth, "content-type": "application/json", "user-agent": "test-browser/1.0", ...headers }, body: JSON.stringify(body) });
}

beforeEach(async () => {
  metrics = createMetrics({ defaultMetrics: false });
  client = new MemoryPipelines();
  await client.create({
    apiVersion: "framegate.io/v1alpha1",
    kind: "Pipeline",
    metadata: { name: "people-detect", namespace: NS, labels: { "argocd.argoproj.io/instance": "framegate" }, annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", team: "vision" } },
    spec: spec("0.5"),
  });
});

describe("conflictReport", () => {
  it("shows their change since the version opened, mine, and the fields both changed", () => {
    const opened = doc("0.5");
    const theirs = { ...doc("0.8"), spec: { ...spec("0.8"), select: { sample: "10s" } } };
    const mine = doc("0.7");
    const r = conflictReport(opened, theirs, mine);
    expect(r.theirs!.map((c) => c.path)).toEqual(["spec.select.sample", "spec.workflow.steps[1].params.confidence"]);
    expect(r.mine).toEqual([{ path: "spec.workflow.steps[1].params.confidence", kind: "changed", before: "0.5", after: "0.7" }]);
    expect(r.overlap).toEqual(["spec.workflow.steps[1].params.confidence"]);
    expect(r.lines.filter((l) => l.op !== " ").map((l) => `${l.op}${l.text.trim()}`)).toEqual(["-sample: 5s", "+sample: 10s", "-confidence: \"0.5\"", "+confidence: \"0.8\""]);
  });

  it("has no overlap when the two sides changed different fields", () => {
    const r = conflictReport(doc("0.5"), { ...doc("0.5"), spec: { ...spec("0.5"), select: { sample: "10s" } } }, doc("0.7"));
    expect(r.overlap).toEqual([]);
    expect(r.theirs).toHaveLength(1);
  });
});

describe("editing Pipeline resources (optimistic concurrency)", () => {
  it("opens a Pipeline with its resourceVersion and YAML, without the server's annotations", async () => {
    const p = await open();
    expect(p.resourceVersion).toBe("101");
    expect(p.document.metadata.annotations).toEqual({ team: "vision" });
    expect(parse(p.yaml)).toEqual(p.document);
  });

  it("saves at the version opened, records when and from where, and keeps labels and kubectl's annotation", async () => {
    const p = await open();
    const res = await put({ yaml: yamlOf({ ...p.document, spec: spec("0.7") }), base: p.yaml }, { "if-match": `"${p.resourceVersion}"`, "x-forwarded-for": "203.0.113.9" });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get("etag")).toBe('"102"');
    const stored = client.objects.get("people-detect")!;
    expect((stored.spec as ReturnType<typeof spec>).workflow.steps[1]!.params!.confidence).toBe("0.7");
    expect(stored.metadata.labels).toEqual({ "argocd.argoproj.io/instance": "framegate" });
    expect(stored.metadata.annotations).toMatchObject({ team: "vision", "kubectl.kubernetes.io/last-applied-configuration": "{}", [SAVED_AT_ANNOTATION]: "2026-12-01T07:00:00.000Z" });
    expect(stored.metadata.annotations![SAVED_FROM_ANNOTATION]).toBe("address unknown for 203.0.113.9; agent test-browser/1.0");
    expect(JSON.stringify(stored.metadata.annotations)).not.toContain(TOKEN);
  });

  it("refuses a save when the resource changed since it was opened, with their change, and writes nothing", async () => {
    const p = await open();
    client.kubectlSet("0.9");
    const before = structuredClone(client.objects.get("people-detect"));
    const res = await put({ yaml: yamlOf({ ...p.document, spec: spec("0.7") }), base: p.yaml }, { "if-match": p.resourceVersion });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { reason: string; error: string; current: { resourceVersion: string }; theirs: { path: string; after: unknown }[]; overlap: string[] };
    expect(body.reason).toBe("conflict");
    expect(body.error).toMatch(/changed since you opened it \(now at resourceVersion 102, by kubectl or GitOps\): nothing was saved/);
    expect(body.current.resourceVersion).toBe("102");
    expect(body.theirs).toEqual([{ path: "spec.workflow.steps[1].params.confidence", kind: "changed", before: "0.5", after: "0.9" }]);
    expect(body.overlap).toEqual(["spec.workflow.steps[1].params.confidence"]);
    expect(client.objects.get("people-detect")).toEqual(before);
    const writes = (await metrics.registry.getSingleMetric("framegate_pipeline_writes_total")!.get()).values;
    expect(writes).toEqual([{ labels: { action: "replace", outcome: "conflict" }, value: 1 }]);
  });

  it("turns the API server's own 409 (a change between the check and the write) into the same report", async () => {
    const p = await open();
    const replace = client.replace.bind(client);
    client.replace = async (b) => (client.kubectlSet("0.9"), replace(b));
    const res = await put({ yaml: yamlOf({ ...p.document, spec: spec("0.7") }), base: p.yaml }, { "if-match": p.resourceVersion });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { theirs: { after: unknown }[] }).theirs[0]!.after).toBe("0.9");
    expect((client.objects.get("people-detect")!.spec as ReturnType<typeof spec>).workflow.steps[1]!.params!.confidence).toBe("0.9");
  });

  it("checks with the loader first: 422 with the field path, nothing written", async () => {
    const p = await open();
    const bad = { ...p.document, spec: { ...spec("0.5"), workflow: { steps: [{ name: "resize", service: "resise" }] } } };
    const res = await put({ yaml: yamlOf(bad) }, { "if-match": p.resourceVersion });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { issues: { path: string; file: string; message: string }[] };
    expect(body.issues[0]).toMatchObject({ path: "spec.workflow.steps[0].service", file: `Pipeline ${NS}/people-detect` });
    expect(body.issues[0]!.message).toMatch(/"resise" is not in the catalog/);
    expect(client.rv).toBe(101);
    const elsewhere = await put({ yaml: yamlOf({ ...p.document, metadata: { ...p.document.metadata, namespace: "other" } as PipelineDocument["metadata"] }) }, { "if-match": p.resourceVersion });
    expect(elsewhere.status).toBe(422);
    expect(((await elsewhere.json()) as { issues: { path: string; message: string }[] }).issues).toEqual([expect.objectContaining({ path: "metadata.namespace", message: expect.stringMatching(/namespace framegate only/) })]);
    expect(client.rv).toBe(101);
  });

  it("wants a precondition (428), creates with If-None-Match: * (412 when taken), and answers 403 with writes off", async () => {
    const p = await open();
    const yaml = yamlOf(p.document);
    expect((await put({ yaml }, {})).status).toBe(428);
    expect((await put({ yaml }, { "if-none-match": "*" })).status).toBe(412);
    expect((await put({ yaml }, { "if-match": p.resourceVersion }, false)).status).toBe(403);
    const clone = yamlOf({ ...p.document, metadata: { name: "people-detect-copy" } });
    const res = await app().request("/api/pipelines/people-detect-copy", { method: "PUT", headers: { ...auth, "if-none-match": "*" }, body: JSON.stringify({ yaml: clone }) });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(client.objects.get("people-detect-copy")!.metadata.annotations).toHaveProperty(SAVED_AT_ANNOTATION);
  });

  it("diffs a draft against the live version and says when the live one moved on", async () => {
    const p = await open();
    client.kubectlSet("0.9");
    const res = await app().request("/api/pipelines/people-detect/diff", { method: "POST", headers: auth, body: JSON.stringify({ yaml: yamlOf(doc("0.7")), resourceVersion: p.resourceVersion }) });
    const d = (await res.json()) as { changedSinceOpened: boolean; changes: { path: string; before: unknown; after: unknown }[]; lines: { op: string; text: string }[] };
    expect(d.changedSinceOpened).toBe(true);
    expect(d.changes.find((c) => c.path === "spec.workflow.steps[1].params.confidence")).toMatchObject({ before: "0.9", after: "0.7" });
    expect(d.lines.filter((l) => l.op === "+").map((l) => l.text.trim())).toContain('confidence: "0.7"');
  });

  it("deletes only at the version opened, and suspends/resumes with a merge patch of spec.suspend", async () => {
    const p = await open();
    client.kubectlSet("0.9");
    const stale = await app().request("/api/pipelines/people-detect", { method: "DELETE", headers: { ...auth, "if-match": p.resourceVersion } });
    expect(stale.status).toBe(409);
    expect(client.objects.has("people-detect")).toBe(true);
    const suspended = await app().request("/api/pipelines/people-detect/suspend", { method: "POST", headers: auth });
    expect(suspended.status).toBe(200);
    expect(client.patches.at(-1)).toMatchObject({ spec: { suspend: true }, metadata: { annotations: { [SAVED_AT_ANNOTATION]: "2026-12-01T07:00:00.000Z" } } });
    expect(((await (await app().request("/api/pipelines", { headers: auth })).json()) as { resources: { name: string; suspended: boolean }[] }).resources).toMatchObject([{ name: "people-detect", suspended: true }]);
    await app().request("/api/pipelines/people-detect/resume", { method: "POST", headers: auth });
    expect(client.patches.at(-1)).toMatchObject({ spec: { suspend: null } });
    expect(client.objects.get("people-detect")!.spec).not.toHaveProperty("suspend");
    const rv = client.objects.get("people-detect")!.metadata.resourceVersion!;
    const gone = await app().request("/api/pipelines/people-detect", { method: "DELETE", headers: { ...auth, "if-match": `"${rv}"` } });
    expect(gone.status).toBe(200);
    expect(client.objects.has("people-detect")).toBe(false);
  });

  it("is no conflict when only the status was written since (same document, same generation)", async () => {
    const p = await open();
    client.statusWrite();
    const saved = await put({ yaml: yamlOf({ ...p.document, spec: spec("0.7") }), base: p.yaml }, { "if-match": p.resourceVersion });
    expect(saved.status, await saved.clone().text()).toBe(200);
    expect((client.objects.get("people-detect")!.spec as ReturnType<typeof spec>).workflow.steps[1]!.params!.confidence).toBe("0.7");
    // without the opened YAML the server cannot tell: a conflict
    client.statusWrite();
    const rv = String(client.rv - 1);
    expect((await put({ yaml: yamlOf({ ...p.document, spec: spec("0.8") }) }, { "if-match": rv })).status).toBe(409);

    const { generation, resourceVersion } = client.objects.get("people-detect")!.metadata;
    client.statusWrite();
    const suspend = await app().request(`/api/pipelines/people-detect/suspend?generation=${generation}`, { method: "POST", headers: { ...auth, "if-match": `"${resourceVersion}"` } });
    expect(suspend.status).toBe(200);
    const moved = client.objects.get("people-detect")!.metadata;
    client.kubectlSet("0.9");
    const del = await app().request(`/api/pipelines/people-detect?generation=${moved.generation}`, { method: "DELETE", headers: { ...auth, "if-match": `"${moved.resourceVersion}"` } });
    expect(del.status, "a spec change since: the generation moved on").toBe(409);
    const now = client.objects.get("people-detect")!.metadata;
    client.statusWrite();
    expect((await app().request(`/api/pipelines/people-detect?generation=${now.generation}`, { method: "DELETE", headers: { ...auth, "if-match": `"${now.resourceVersion}"` } })).status).toBe(200);
    expect(client.objects.has("people-detect")).toBe(false);
    expect((await app().request("/api/pipelines/people-detect?generation=x", { method: "DELETE", headers: { ...auth, "if-match": "1" } })).status).toBe(400);
  });
});
