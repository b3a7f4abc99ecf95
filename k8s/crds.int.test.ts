/**
 * @module k8s/crds.int.test — the generated CRDs on a real kube-apiserver: they install, the example
 * pipelines and catalog entries apply with `kubectl apply`, and what the schema refuses the API server
 * refuses too, naming the field: unknown fields (strict field validation), wrong types, and the CEL
 * rules for what the schema's refinements say.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKube, type KubeCluster } from "../test/harness/kube.js";
import { REPO_ROOT, toolPath } from "../test/harness/util.js";

const exec = promisify(execFile);
const NS = "pipelines-crd";
let kube: KubeCluster;
let kubeconfig: string;
const work = mkdtempSync(join(tmpdir(), "framegate-crds-"));

/** Runs kubectl with the admin kubeconfig; resolves to the exit code and both outputs (never throws on exit codes). */
async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, ...args], { maxBuffer: 8 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
    if (typeof err.code !== "number") throw e;
    return { code: err.code, stdout: err.stdout ?? "", stderr: err.stderr ?? err.message };
  }
}

/** Applies one Pipeline document (YAML text) in the test namespace with strict field validation. */
async function applyPipeline(name: string, yaml: string) {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, yaml);
  return kubectl("apply", "--validate=strict", "-n", NS, "-f", file);
}

const pipeline = (name: string, spec: string) => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata:
  name: ${name}
spec:
${spec}`;

const TRIGGER = `  trigger: { bucket: raw, key: "{camera}/**/*.jpg" }\n`;
const STEPS = `  workflow:\n    steps: [{ name: resize, service: resize }]\n`;

beforeAll(async () => {
  kube = await startKube();
  kubeconfig = kube.writeKubeconfig("crds");
  const install = await kubectl("apply", "--validate=strict", "-k", join(REPO_ROOT, "k8s", "base", "crds"));
  expect(install.code, install.stderr).toBe(0);
  const established = await kubectl("wait", "--for=condition=Established", "--timeout=30s", "crd/pipelines.framegate.io", "crd/processingservices.framegate.io");
  expect(established.code, established.stderr).toBe(0);
  expect((await kubectl("create", "namespace", NS)).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await kube?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the framegate.io CRDs on a real API server", () => {
  it("accept kubectl apply -f pipelines/ and list them with their columns", async () => {
    const r = await kubectl("apply", "--validate=strict", "-n", NS, "-f", join(REPO_ROOT, "pipelines"));
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(join(REPO_ROOT, "pipelines")).filter((f) => f.endsWith(".yaml"));
    expect(r.stdout.trim().split("\n")).toHaveLength(files.length);
    const list = await kubectl("get", "pipelines", "-n", NS);
    expect(list.stdout.split("\n")[0]).toMatch(/^NAME\s+TRIGGER\s+SELECT\s+SUSPENDED\s+ACCEPTED\s+AGE$/);
    expect(list.stdout).toMatch(/^people-detect\s/m);
    const wide = await kubectl("get", "pipelines", "-n", NS, "-o", "wide");
    expect(wide.stdout.split("\n")[0]).toMatch(/^NAME\s+TRIGGER\s+SELECT\s+SUSPENDED\s+BUCKET\s+KEY\s+HOOK\s+NOTIFICATIONS\s+ACCEPTED\s+REASON\s+AGE$/);
    expect(wide.stdout).toMatch(/^people-detect\s+raw\s+\{camera\}\/\*\*\/\*\.jpg\s+\d+s$/m);
    expect(wide.stdout).toMatch(/^motion-alerts\s+motion-alerts\s+\d+s$/m);
  });

  it("accept the service catalog as ProcessingServices", async () => {
    const dirs = readdirSync(join(REPO_ROOT, "services"), { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith("."));
    const args = dirs.flatMap((d) => ["-f", join(REPO_ROOT, "services", d.name, "service.yaml")]);
    const r = await kubectl("apply", "--validate=strict", "-n", NS, ...args);
    expect(r.code, r.stderr).toBe(0);
    const list = await kubectl("get", "procsvc", "-n", NS);
    expect(list.stdout).toMatch(/^detect\s+ai\s+ghcr\.io\/framegate\/detect:/m);
  });

  it("refuse an unknown field, naming its path", async () => {
    const r = await applyPipeline("unknown", pipeline("unknown", `${TRIGGER}  select: { sample: 5s, foo: 1 }\n${STEPS}`));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "spec.select.foo"');
  });

  it("refuse a wrong type, naming its path", async () => {
    const r = await applyPipeline("wrong-type", pipeline("wrong-type", `${TRIGGER}  limits: { maxInFlight: lots }\n${STEPS}`));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.limits\.maxInFlight: Invalid value: "string": spec\.limits\.maxInFlight in body must be of type integer/);
    const number = await applyPipeline("number-param", pipeline("number-param", `${TRIGGER}  workflow:\n    steps: [{ name: resize, service: resize, params: { width: 640 } }]\n`));
    expect(number.stderr).toMatch(/spec\.workflow\.steps\[0\]\.params\.width: Invalid value: "integer": .* must be of type string/);
  });

  it("refuse what the refinements say, by their CEL rules, with the schema's message", async () => {
    const both = await applyPipeline("both", pipeline("both", `${TRIGGER}  workflow:\n    templateRef: t\n    steps: [{ name: resize, service: resize }]\n`));
    expect(both.stderr).toContain("spec.workflow: Invalid value: \"object\": set exactly one of workflow.templateRef");
    const noBucket = await applyPipeline("no-bucket", pipeline("no-bucket", `  trigger: { key: "a/*.jpg" }\n${STEPS}`));
    expect(noBucket.stderr).toContain("spec.trigger: Invalid value: \"object\": a minio trigger (the default source) needs bucket");
    const mixed = await applyPipeline("mixed", pipeline("mixed", `  trigger: { source: webhook, hook: h, bucket: raw, where: { camera: ["a"] } }\n${STEPS}`));
    expect(mixed.stderr).toContain("bucket, key, prefix, suffix and events are fields of a minio trigger");
    expect(mixed.stderr).toContain("where.fields is for webhook triggers");
    const toleration = await applyPipeline("tol", pipeline("tol", `${TRIGGER}  workflow:\n    steps: [{ name: r, service: resize, tolerations: [{ key: gpu, operator: Exists, value: "yes" }] }]\n`));
    expect(toleration.stderr).toMatch(/spec\.workflow\.steps\[0\]\.tolerations\[0\]: Invalid value: "object": a toleration with operator "Exists" matches any value/);
    const name = await applyPipeline("name", pipeline("a.b", `${TRIGGER}${STEPS}`));
    expect(name.stderr).toContain("must be a DNS-1123 label");
    const listed = await kubectl("get", "pipelines", "-n", NS, "-o", "name");
    expect(listed.stdout).not.toMatch(/unknown|wrong-type|number-param|both|no-bucket|mixed|tol|a\.b/);
  });

  it("let the gateway's ServiceAccount read them, patch their status and write Pipelines (the composer), and nothing more (Role framegate-gateway)", async () => {
    expect((await kubectl("create", "namespace", "framegate")).code).toBe(0);
    const rbac = await kubectl("apply", "--validate=strict", "-n", "framegate", "-f", join(REPO_ROOT, "k8s", "base", "gateway", "rbac.yaml"));
    expect(rbac.code, rbac.stderr).toBe(0);
    const can = async (verb: string, resource: string, ns = "framegate") =>
      (await kubectl("auth", "can-i", "--as=system:serviceaccount:framegate:framegate-gateway", "-n", ns, verb, resource)).stdout.trim();
    for (const r of ["pipelines.framegate.io", "processingservices.framegate.io"]) {
      for (const verb of ["get", "list", "watch"]) expect(await can(verb, r), `${verb} ${r}`).toBe("yes");
    }
    // the composer writes Pipelines, one at a time; the catalog stays read-only
    for (const verb of ["create", "update", "patch", "delete"]) expect(await can(verb, "pipelines.framegate.io"), `${verb} pipelines`).toBe("yes");
    for (const verb of ["create", "update", "patch", "delete"]) expect(await can(verb, "processingservices.framegate.io"), `${verb} processingservices`).toBe("no");
    expect(await can("deletecollection", "pipelines.framegate.io")).toBe("no");
    expect(await can("escalate", "pipelines.framegate.io")).toBe("no");
    for (const verb of ["create", "patch", "delete"]) expect(await can(verb, "pipelines.framegate.io", "default"), `${verb} pipelines in default`).toBe("no");
    expect(await can("update", "customresourcedefinitions.apiextensions.k8s.io")).toBe("no");
    expect((await kubectl("auth", "can-i", "--as=system:serviceaccount:framegate:framegate-gateway", "-n", "framegate", "patch", "pipelines.framegate.io", "--subresource=status")).stdout.trim()).toBe("yes");
    expect((await kubectl("auth", "can-i", "--as=system:serviceaccount:framegate:framegate-gateway", "-n", "framegate", "update", "pipelines.framegate.io", "--subresource=status")).stdout.trim()).toBe("no");
    expect(await can("get", "leases.coordination.k8s.io/framegate-status-writer")).toBe("yes");
    expect(await can("update", "leases.coordination.k8s.io/framegate-status-writer")).toBe("yes");
    expect(await can("update", "leases.coordination.k8s.io/someone-else")).toBe("no");
    expect(await can("get", "secrets")).toBe("no");
    expect(await can("list", "configmaps")).toBe("no");
  });

  it("accept placement on a step", async () => {
    const r = await applyPipeline(
      "placed",
      pipeline("placed", `${TRIGGER}  workflow:\n    steps:\n      - name: detect\n        service: detect\n        nodeSelector: { hardware: gpu }\n        tolerations: [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }]\n        resources: { requests: { cpu: 500m }, limits: { nvidia.com/gpu: 1, memory: 2Gi } }\n`),
    );
    expect(r.code, r.stderr).toBe(0);
  });
});
