/**
 * @module gateway/live-pipelines.int.test — the composer's API on Pipeline resources against a real
 * kube-apiserver, with the gateway's ServiceAccount and Role only: the list with every resource's status
 * (a refused one included), a save at the opened resourceVersion, the conflict when kubectl changed the
 * resource in between (refused by the pre-check, and by the API server itself when the change lands
 * between the check and the write), clone, delete with a precondition, suspend and resume.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { startKube, type KubeCluster } from "../../test/harness/kube.js";
import { REPO_ROOT, toolPath } from "../../test/harness/util.js";
import { waitFor } from "../../test/harness/wait.js";
import { resourceDraftSources } from "../cli/kube-rules.js";
import { KubeRuleSource } from "../rules/kube-rule-source.js";
import { KubePipelineClient } from "../rules/pipeline-client.js";
import { StatusLease } from "../rules/status-lease.js";
import { dryRun } from "../workflows/dry-run.js";
import { createGatewayApp } from "./app.js";
import { LivePipelines, type OpenedPipeline, type PipelineResourceSummary } from "./live-pipelines.js";
import { SAVED_AT_ANNOTATION, SAVED_FROM_ANNOTATION, type PipelineDocument } from "./pipeline-document.js";
import { RuleDrafts } from "./rule-drafts.js";

const exec = promisify(execFile);
const NS = "framegate";
const TOKEN = "live-pipelines-int-token-0123456789";
const log = pino({ level: process.env.TEST_LOG ?? "silent" });
const work = mkdtempSync(join(tmpdir(), "framegate-live-pipelines-"));
let kube: KubeCluster;
let kubeconfig: string;
let source: KubeRuleSource;
let lease: StatusLease;
let client: KubePipelineClient;
let app: ReturnType<typeof createGatewayApp>;

async function kubectl(...args: string[]): Promise<string> {
  try {
    return (await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, "-n", NS, ...args])).stdout;
  } catch (e) {
    throw new Error(`kubectl ${args.join(" ")}: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
}
const kubectlJson = async (...args: string[]) => JSON.parse(await kubectl(...args, "-o", "json")) as { metadata: { resourceVersion: string; annotations?: Record<string, string>; generation: number }; spec: Record<string, unknown> & { workflow: { steps: { params?: Record<string, string> }[] } } };

const headers = (h: Record<string, string> = {}) => ({ Authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "user-agent": "int-test/1", ...h });
async function call<T>(method: string, path: string, body?: object, h?: Record<string, string>): Promise<{ status: number; json: T }> {
  const res = await app.request(`/api${path}`, { method, headers: headers(h), ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as T };
}
const open = async (name: string) => (await call<OpenedPipeline>("GET", `/pipelines/${name}`)).json;
const withConfidence = (d: PipelineDocument, value: string): PipelineDocument => {
  const spec = structuredClone(d.spec) as { workflow: { steps: { name: string; params?: Record<string, string> }[] } };
  const detect = spec.workflow.steps.find((s) => s.name === "detect")!;
  detect.params = { ...detect.params, confidence: value };
  return { ...d, spec };
};
const detectIndex = (spec: { workflow: { steps: unknown[] } }) => spec.workflow.steps.findIndex((s) => (s as { name: string }).name === "detect");

beforeAll(async () => {
  kube = await startKube();
  kubeconfig = kube.writeKubeconfig("live-pipelines");
  await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, "apply", "-k", join(REPO_ROOT, "k8s", "base", "crds")]);
  await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, "wait", "--for=condition=Established", "--timeout=30s", "crd", "-l", "app.kubernetes.io/part-of=framegate"]);
  await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, "create", "namespace", NS]);
  await kubectl("create", "serviceaccount", "framegate-gateway");
  await kubectl("apply", "-f", join(REPO_ROOT, "k8s", "base", "gateway", "rbac.yaml"));
  await kubectl("apply", "-f", join(REPO_ROOT, "pipelines"));
  for (const s of ["resize", "detect", "blur"]) await kubectl("apply", "-f", join(REPO_ROOT, "services", s, "service.yaml"));
  // everything below runs as the gateway: its token, its Role
  const token = (await kubectl("create", "token", "framegate-gateway", "--duration=1h")).trim();
  const kc = kube.kubeConfig(token, NS);
  lease = new StatusLease({ kc, namespace: NS, identity: "int", log, durationSeconds: 10, onLeader: () => source?.resync() });
  source = new KubeRuleSource({ kc, namespace: NS, log, lease, onChange: () => undefined });
  await lease.start();
  await source.start();
  expect(await source.whenSynced(15_000)).toBe(true);
  client = new KubePipelineClient(kc, NS);
  const drafts = new RuleDrafts({ rulesDir: work, servicesDir: work, allowWrites: false, dryRun, ...resourceDraftSources({ source, namespace: NS }) });
  const livePipelines = new LivePipelines({
    client,
    namespace: NS,
    writable: true,
    snapshot: () => ({ pipelines: source.resources().pipelines, verdicts: source.judgement?.verdicts ?? [] }),
    check: (name, text) => drafts.checkAs(name, text),
  });
  app = createGatewayApp(makeDeps({ apiToken: TOKEN, drafts, livePipelines, validateRules: (t) => drafts.validate(t) }));
}, 120_000);

afterAll(async () => {
  await source?.stop();
  await lease?.stop();
  await kube?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the composer's API on Pipeline resources (real kube-apiserver, the gateway's Role)", () => {
  it("lists every Pipeline with its status, a refused one included", async () => {
    writeFileSync(join(work, "bad.yaml"), `apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata: { name: redact-faces }\nspec:\n  trigger: { bucket: raw, key: "{camera}/**/*.png" }\n  workflow:\n    steps: [{ name: redact, service: redact }]\n`);
    await kubectl("apply", "-f", join(work, "bad.yaml"));
    const list = async () => (await call<{ source: string; resources: PipelineResourceSummary[] }>("GET", "/pipelines")).json;
    await waitFor("every status written", async () => (await list()).resources.every((r) => r.accepted !== null && r.observedGeneration === r.generation), 30_000);
    const { source: from, resources } = await list();
    expect(from).toBe("kubernetes");
    expect(resources.map((r) => r.name)).toEqual(expect.arrayContaining(["people-detect", "motion-alerts", "redact-faces"]));
    const refused = resources.find((r) => r.name === "redact-faces")!;
    expect(refused).toMatchObject({ accepted: { status: "False", reason: "InvalidSpec" }, running: false, suspended: false });
    expect(refused.accepted!.message).toMatch(/spec\.workflow\.steps\[0\]\.service: service "redact" is not in the catalog/);
    expect(resources.find((r) => r.name === "people-detect")).toMatchObject({ accepted: { status: "True" }, running: true, trigger: "minio raw {camera}/**/*.jpg" });
    expect(resources.find((r) => r.name === "people-detect")!.resourceVersion).toMatch(/^\d+$/);
  });

  it("saves a changed parameter at the opened version, recording when and from where", async () => {
    const opened = await open("people-detect");
    const res = await call<{ pipeline: OpenedPipeline }>("PUT", "/pipelines/people-detect", { yaml: JSON.stringify(withConfidence(opened.document, "0.66")), base: opened.yaml }, { "if-match": `"${opened.resourceVersion}"` });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const stored = await kubectlJson("get", "pipeline", "people-detect");
    expect(stored.spec.workflow.steps[detectIndex(stored.spec)]!.params!.confidence).toBe("0.66");
    expect(stored.metadata.generation).toBe(res.json.pipeline.generation);
    expect(Date.now() - Date.parse(stored.metadata.annotations![SAVED_AT_ANNOTATION]!)).toBeLessThan(60_000);
    expect(stored.metadata.annotations![SAVED_FROM_ANNOTATION]).toMatch(/agent int-test\/1/);
    expect(stored.metadata.annotations).toHaveProperty("kubectl.kubernetes.io/last-applied-configuration");
    await waitFor("the gateway runs it", async () => source.judgement?.ruleSet.pipelines.find((p) => p.name === "people-detect")?.spec.workflow.steps?.find((s) => s.name === "detect")?.params.confidence === "0.66", 10_000);
  });

  it("refuses a save over a kubectl change made while it was open, showing their change; kubectl's value stays", async () => {
    const opened = await open("people-detect");
    const i = detectIndex(opened.document.spec as { workflow: { steps: unknown[] } });
    await kubectl("patch", "pipeline", "people-detect", "--type=json", "-p", JSON.stringify([{ op: "add", path: `/spec/workflow/steps/${i}/params/confidence`, value: "0.91" }]));
    const res = await call<{ reason: string; error: string; theirs: { path: string; after: unknown }[]; overlap: string[]; current: OpenedPipeline }>(
      "PUT", "/pipelines/people-detect", { yaml: JSON.stringify(withConfidence(opened.document, "0.7")), base: opened.yaml }, { "if-match": opened.resourceVersion },
    );
    expect(res.status).toBe(409);
    expect(res.json.theirs).toEqual([expect.objectContaining({ path: `spec.workflow.steps[${i}].params.confidence`, after: "0.91" })]);
    expect(res.json.overlap).toEqual([`spec.workflow.steps[${i}].params.confidence`]);
    expect(res.json.error).toMatch(/changed since you opened it/);
    const stored = await kubectlJson("get", "pipeline", "people-detect");
    expect(stored.spec.workflow.steps[i]!.params!.confidence).toBe("0.91");
    // the status writer may have moved the resourceVersion on since; the generation is kubectl's
    expect(res.json.current.generation).toBe(stored.metadata.generation);
  });

  it("turns the API server's 409 into the same report when kubectl's change lands between the check and the write", async () => {
    const opened = await open("people-detect");
    const i = detectIndex(opened.document.spec as { workflow: { steps: unknown[] } });
    const replace = client.replace.bind(client);
    client.replace = async (body) => {
      await kubectl("patch", "pipeline", "people-detect", "--type=merge", "-p", JSON.stringify({ spec: { select: { sample: "7s" } } }));
      return replace(body);
    };
    try {
      const res = await call<{ reason: string; theirs: { path: string; after: unknown }[]; overlap: string[] }>("PUT", "/pipelines/people-detect", { yaml: JSON.stringify(withConfidence(opened.document, "0.5")), base: opened.yaml }, { "if-match": opened.resourceVersion });
      expect(res.status).toBe(409);
      expect(res.json.theirs).toEqual([expect.objectContaining({ path: "spec.select.sample", after: "7s" })]);
      expect(res.json.overlap).toEqual([]);
    } finally {
      client.replace = replace;
    }
    const stored = await kubectlJson("get", "pipeline", "people-detect");
    expect(stored.spec.workflow.steps[i]!.params!.confidence).toBe("0.91");
  });

  it("refuses a draft the loader refuses (422, the field path), and creates, clones, deletes with a precondition", async () => {
    const opened = await open("people-detect");
    const bad = withConfidence(opened.document, "high");
    const invalid = await call<{ issues: { path: string; message: string }[] }>("PUT", "/pipelines/people-detect", { yaml: JSON.stringify(bad) }, { "if-match": opened.resourceVersion });
    expect(invalid.status).toBe(422);
    expect(invalid.json.issues[0]!.path).toMatch(/^spec\.workflow\.steps\[\d\]\.params\.confidence$/);

    const clone = { ...opened.document, metadata: { name: "people-detect-night" } };
    const created = await call<{ pipeline: OpenedPipeline }>("PUT", "/pipelines/people-detect-night", { yaml: JSON.stringify(clone) }, { "if-none-match": "*" });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect((await kubectlJson("get", "pipeline", "people-detect-night")).spec).toEqual(opened.document.spec);
    expect((await call("PUT", "/pipelines/people-detect-night", { yaml: JSON.stringify(clone) }, { "if-none-match": "*" })).status).toBe(412);

    await kubectl("annotate", "pipeline", "people-detect-night", "touched=yes");
    const stale = await call<{ reason: string }>("DELETE", "/pipelines/people-detect-night", undefined, { "if-match": created.json.pipeline.resourceVersion });
    expect(stale.status).toBe(409);
    expect((await kubectl("get", "pipelines", "-o", "name"))).toContain("people-detect-night");
    const now = await open("people-detect-night");
    expect((await call("DELETE", "/pipelines/people-detect-night", undefined, { "if-match": `"${now.resourceVersion}"` })).status).toBe(200);
    expect(await kubectl("get", "pipelines", "-o", "name")).not.toContain("people-detect-night");
  });

  it("suspends and resumes with spec.suspend, and the list says so", async () => {
    expect((await call("POST", "/pipelines/motion-alerts/suspend")).status).toBe(200);
    expect((await kubectlJson("get", "pipeline", "motion-alerts")).spec.suspend).toBe(true);
    await waitFor("listed as suspended", async () => (await call<{ resources: PipelineResourceSummary[] }>("GET", "/pipelines")).json.resources.find((r) => r.name === "motion-alerts")?.suspended === true, 10_000);
    expect((await call("POST", "/pipelines/motion-alerts/resume")).status).toBe(200);
    expect((await kubectlJson("get", "pipeline", "motion-alerts")).spec).not.toHaveProperty("suspend");
  });
});
