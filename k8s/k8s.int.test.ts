/**
 * @module k8s/k8s.int.test — the Kustomize tree against real tools: every overlay builds with `kubectl
 * kustomize`, holds what docs/deploy.md promises (generated rules and catalog, no committed Secret, least-
 * privilege RBAC, probes), applies with `--dry-run=server` to a real kube-apiserver with Argo's CRDs after
 * k8s/create-secrets.sh ran against it, passes `argo lint --offline`, and its image-processing
 * WorkflowTemplate, run by a real workflow-controller on kwok nodes, gives the steps the keys the renderer
 * would. Missing binaries fail with the command that installs them (scripts/tools.sh), never skip.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { promisify } from "node:util";
import { CoreV1Api, CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import { parseAllDocuments, stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { installArgo, startWorkflowController } from "../test/harness/argo.js";
import { apiMessage, startKube, type KubeCluster } from "../test/harness/kube.js";
import { waitFor } from "../test/harness/wait.js";
import { startKwok, type FakeNodes } from "../test/harness/kwok.js";
import type { ManagedProcess } from "../test/harness/process.js";
import { REPO_ROOT, toolPath } from "../test/harness/util.js";
import { outputKey } from "../src/workflows/step-keys.js";
import { renderWorkflow } from "../src/workflows/render.js";
import { EXECUTOR_POD_SPEC_PATCH } from "../src/workflows/pod-security.js";
import { catalog, inlinePipeline, match, objectEvent } from "../test/fixtures/render-fixtures.js";
import { kustomize, type K8sObject } from "./kustomize.js";

const run = promisify(execFile);
const K8S = join(REPO_ROOT, "k8s");
const OVERLAYS = readdirSync(join(K8S, "overlays"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const work = mkdtempSync(join(tmpdir(), "framegate-k8s-"));

type Obj = K8sObject;
type PodSpec = {
  serviceAccountName?: string;
  containers: Array<Record<string, any>>;
  initContainers?: Array<Record<string, any>>;
  volumes?: Array<Record<string, any>>;
  nodeSelector?: Record<string, string>;
};

const build = kustomize;
/** The gateway and setup of overlay ha name every NATS server: the client fails over among them. */
const HA_NATS_URLS = [0, 1, 2].map((i) => `nats://nats-${i}.nats-headless.framegate.svc.cluster.local:4222`).join(",");

const find = (objects: Obj[], kind: string, name: string): Obj => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`the build has no ${kind} ${name}; it has: ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o;
};
const podSpec = (o: Obj): PodSpec => (o.spec as { template: { spec: PodSpec } }).template.spec;
const generated = (objects: Obj[], prefix: string): Obj => {
  const o = objects.find((x) => x.kind === "ConfigMap" && new RegExp(`^${prefix}-[a-z0-9]{10}$`).test(x.metadata.name));
  if (!o) throw new Error(`no generated ConfigMap ${prefix}-<hash> in the build`);
  return o;
};

/** Every Secret the build reads: namespace/name -> keys that must exist (optional refs excluded). */
function secretRefs(objects: Obj[]): Map<string, Set<string>> {
  const refs = new Map<string, Set<string>>();
  const add = (ns: string, name: string, key?: string) => {
    const k = `${ns}/${name}`;
    if (!refs.has(k)) refs.set(k, new Set());
    if (key) refs.get(k)!.add(key);
  };
  for (const o of objects) {
    const ns = o.metadata.namespace ?? "default";
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!v || typeof v !== "object") return;
      const r = v as Record<string, any>;
      if (r.secretKeyRef && !r.secretKeyRef.optional) add(ns, r.secretKeyRef.name, r.secretKeyRef.key);
      if (r.secret?.secretName && !r.secret.optional) add(ns, r.secret.secretName);
      if (r.accessKeySecret) add(ns, r.accessKeySecret.name, r.accessKeySecret.key);
      if (r.secretKeySecret) add(ns, r.secretKeySecret.name, r.secretKeySecret.key);
      Object.values(r).forEach(walk);
    };
    walk(o);
    // the artifact repository is YAML inside a ConfigMap value
    if (o.kind === "ConfigMap" && o.metadata.name === "artifact-repositories") {
      for (const text of Object.values((o.data ?? {}) as Record<string, string>)) walk(parseAllDocuments(text)[0]?.toJS());
    }
  }
  return refs;
}

let kube: KubeCluster | undefined;
let kubeStarting: Promise<KubeCluster> | undefined;
/** One kube-apiserver for the file, with Argo's CRDs, namespace argo and the harness's Argo RBAC. */
function cluster(): Promise<KubeCluster> {
  kubeStarting ??= (async () => {
    kube = await startKube();
    await installArgo(kube);
    return kube;
  })();
  return kubeStarting;
}
let controller: ManagedProcess | undefined;
let nodes: FakeNodes | undefined;

afterAll(async () => {
  await controller?.stop();
  await nodes?.stop();
  await kube?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function kubectl(args: string[], input?: string): Promise<{ code: number; out: string }> {
  const k = await cluster();
  const bin = toolPath("KUBECTL");
  return new Promise((resolve) => {
    const child = execFile(bin, ["--kubeconfig", k.kubeconfigPath, ...args], { maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe.each(OVERLAYS)("overlay %s", (overlay) => {
  const dir = join(K8S, "overlays", overlay);

  it("builds, with the rules and the service catalog generated from the repository's files", async () => {
    const { objects } = await build(dir);

    const pipelines = generated(objects, "framegate-pipelines");
    expect(pipelines.metadata.namespace).toBe("framegate");
    const ruleFiles = readdirSync(join(REPO_ROOT, "pipelines")).filter((f) => /\.ya?ml$/.test(f)).sort();
    expect(Object.keys(pipelines.data as object).sort(), "every pipelines/*.yaml must be listed in pipelines/Kustomization").toEqual(ruleFiles);
    for (const f of ruleFiles) expect((pipelines.data as Record<string, string>)[f]).toBe(readFileSync(join(REPO_ROOT, "pipelines", f), "utf8"));

    const services = generated(objects, "framegate-services");
    const serviceNames = readdirSync(join(REPO_ROOT, "services"), { withFileTypes: true })
      .filter((d) => d.isDirectory() && readdirSync(join(REPO_ROOT, "services", d.name)).includes("service.yaml"))
      .map((d) => d.name)
      .sort();
    expect(serviceNames.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(services.data as object).sort(), "every services/*/service.yaml must be listed in services/Kustomization").toEqual(serviceNames);
    for (const s of serviceNames) {
      expect((services.data as Record<string, string>)[s]).toBe(readFileSync(join(REPO_ROOT, "services", s, "service.yaml"), "utf8"));
    }

    // the same files as resources in the gateway's namespace (what FRAMEGATE_RULES_SOURCE=kubernetes reads)
    const asResources = (kind: string) => objects.filter((o) => o.kind === kind && o.apiVersion === "framegate.io/v1alpha1");
    const docOf = (path: string) => parseAllDocuments(readFileSync(path, "utf8"))[0]!.toJS() as Obj;
    expect(asResources("Pipeline").map((o) => o.metadata.name).sort(), "every pipelines/*.yaml must be listed under resources in pipelines/Kustomization").toEqual(
      ruleFiles.map((f) => docOf(join(REPO_ROOT, "pipelines", f)).metadata.name).sort(),
    );
    for (const p of asResources("Pipeline")) {
      expect(p.metadata.namespace).toBe("framegate");
      const file = ruleFiles.map((f) => docOf(join(REPO_ROOT, "pipelines", f))).find((d) => d.metadata.name === p.metadata.name)!;
      expect(p.spec).toEqual(file.spec);
    }
    expect(asResources("ProcessingService").map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort(), "every services/*/service.yaml must be listed under resources in services/Kustomization").toEqual(
      serviceNames.map((n) => `framegate/${n}`),
    );
    expect(objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name).sort()).toEqual(["pipelines.framegate.io", "processingservices.framegate.io"]);

    // the gateway and `framegate setup` mount both, the catalog as <name>/service.yaml
    for (const [kind, name] of [["Deployment", "framegate-gateway"], ["Job", "framegate-setup"]] as const) {
      const spec = podSpec(find(objects, kind, name));
      const vol = (n: string) => spec.volumes?.find((v) => v.name === n);
      expect(vol("pipelines")?.configMap?.name).toBe(pipelines.metadata.name);
      expect(vol("services")?.configMap?.name).toBe(services.metadata.name);
      expect(vol("services")?.configMap?.items).toEqual(serviceNames.map((s) => ({ key: s, path: `${s}/service.yaml` })));
      const env = Object.fromEntries((spec.containers[0]!.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
      expect(env.FRAMEGATE_RULES_DIR).toBe("/etc/framegate/pipelines");
      expect(env.FRAMEGATE_SERVICES_DIR).toBe("/etc/framegate/services");
      expect(env.FRAMEGATE_NATS_URL).toBe(overlay === "ha" ? HA_NATS_URLS : "nats://nats.framegate.svc.cluster.local:4222");
    }
  });

  it("runs the gateway as the design asks: 2 replicas, probes on 8080, PDB, metrics annotations, API token from a Secret", async () => {
    const { objects } = await build(dir);
    const gw = find(objects, "Deployment", "framegate-gateway");
    const spec = gw.spec as { replicas: number; template: { metadata: { annotations: Record<string, string> } } };
    expect(spec.replicas).toBe(2);
    expect(spec.template.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics" });
    const c = podSpec(gw).containers[0]!;
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080 }]);
    expect([c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(["/healthz", "/readyz"]);
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(c.env.find((e: { name: string }) => e.name === "FRAMEGATE_API_TOKEN").valueFrom.secretKeyRef).toEqual({ name: "framegate-api", key: "apiToken" });
    expect(podSpec(gw).serviceAccountName).toBe("framegate-gateway");
    expect(c.env.find((e: { name: string }) => e.name === "FRAMEGATE_ARGO_UI_URL")?.value, "the dashboard links Workflows to Argo's UI (port-forward by default)").toBe("https://localhost:2746");
    const rulesSource = c.env.find((e: { name: string }) => e.name === "FRAMEGATE_RULES_SOURCE")?.value;
    expect(rulesSource, "k3s reads the Pipelines it applies; the base keeps the files default").toBe(overlay.startsWith("k3s") || overlay === "ha" ? "kubernetes" : undefined);
    // the composer edits them there (behind the API token above); the base leaves rule writes off
    expect(c.env.find((e: { name: string }) => e.name === "FRAMEGATE_ALLOW_RULE_WRITES")?.value).toBe(overlay.startsWith("k3s") || overlay === "ha" ? "true" : undefined);
    expect((find(objects, "PodDisruptionBudget", "framegate-gateway").spec as { minAvailable: number }).minAvailable).toBe(1);
    expect((find(objects, "Service", "framegate").spec as { ports: unknown[] }).ports).toEqual([{ name: "http", port: 80, targetPort: "http" }]);
  });

  it("gives the gateway only create/get/list/watch on Workflows and get/patch on the semaphore ConfigMap in argo, read + status on its own resources, writes Pipelines (the composer), and never carries a Secret", async () => {
    const { objects } = await build(dir);
    expect(objects.filter((o) => o.kind === "Secret"), "Secrets come from k8s/create-secrets.sh, never from the tree").toEqual([]);
    expect(objects.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding")).toEqual([]);

    const role = find(objects, "Role", "framegate-workflows");
    expect(role.metadata.namespace).toBe("argo");
    expect(role.rules).toEqual([
      { apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create", "get", "list", "watch"] },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["framegate-semaphores"], verbs: ["get", "patch"] },
    ]);
    expect(find(objects, "ConfigMap", "framegate-semaphores").metadata.namespace, "the gateway cannot create it: the tree does").toBe("argo");
    const binding = find(objects, "RoleBinding", "framegate-workflows");
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "framegate-gateway", namespace: "framegate" }]);
    // in its own namespace: read framegate's resources, write Pipelines (the composer), patch only their status, hold one Lease
    const own = find(objects, "Role", "framegate-gateway");
    expect(own.metadata.namespace).toBe("framegate");
    expect(own.rules).toEqual([
      { apiGroups: ["framegate.io"], resources: ["pipelines", "processingservices"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["framegate.io"], resources: ["pipelines"], verbs: ["create", "update", "patch", "delete"] },
      { apiGroups: ["framegate.io"], resources: ["pipelines/status", "processingservices/status"], verbs: ["patch"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["framegate-status-writer"], verbs: ["get", "update"] },
    ]);
    expect(find(objects, "RoleBinding", "framegate-gateway").subjects).toEqual([{ kind: "ServiceAccount", name: "framegate-gateway", namespace: "framegate" }]);
    expect(find(objects, "ServiceAccount", "framegate-gateway").metadata.namespace).toBe("framegate");
    expect(find(objects, "ServiceAccount", "framegate-runner").metadata.namespace).toBe("argo");
    // Argo's docs/workflow-rbac.md (v3.4+): what the emissary executor needs, nothing more
    expect(find(objects, "Role", "framegate-runner").rules).toEqual([{ apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] }]);

    const repo = find(objects, "ConfigMap", "artifact-repositories");
    expect(repo.metadata.namespace).toBe("argo");
    const key = repo.metadata.annotations!["workflows.argoproj.io/default-artifact-repository"]!;
    const s3 = (parseAllDocuments((repo.data as Record<string, string>)[key]!)[0]!.toJS() as { s3: Record<string, unknown> }).s3;
    expect(s3).toMatchObject({ bucket: "argo-artifacts", endpoint: "minio.framegate.svc.cluster.local:9000" });
  });

  it("wires MinIO's notifications to JetStream with a queue dir, and creates the four buckets", async () => {
    const { objects } = await build(dir);
    const minio = podSpec(find(objects, overlay === "ha" ? "StatefulSet" : "Deployment", "minio"));
    const env = Object.fromEntries((minio.containers[0]!.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      MINIO_NOTIFY_NATS_ENABLE_PRIMARY: "on",
      MINIO_NOTIFY_NATS_JETSTREAM_PRIMARY: "on",
      MINIO_NOTIFY_NATS_SUBJECT_PRIMARY: "minio.events",
      MINIO_NOTIFY_NATS_ADDRESS_PRIMARY: "nats.framegate.svc.cluster.local:4222",
    });
    expect(env.MINIO_NOTIFY_NATS_QUEUE_DIR_PRIMARY).toMatch(/^\/export\//); // on the persistent volume
    const buckets = podSpec(find(objects, "Job", "minio-buckets")).containers[0]!.env.find((e: { name: string }) => e.name === "BUCKETS").value;
    expect(buckets.split(" ").sort()).toEqual(["argo-artifacts", "models", "processed", "raw"]);
    const nats = find(objects, "StatefulSet", "nats");
    expect((find(objects, "ConfigMap", "nats-config").data as Record<string, string>)["nats.conf"]).toMatch(/jetstream \{[^}]*store_dir: \/data\/jetstream/);
    expect((nats.spec as { serviceName: string }).serviceName).toBe("nats-headless");
    expect((find(objects, "Service", "nats-headless").spec as { clusterIP: string }).clusterIP).toBe("None");
    if (overlay.startsWith("k3s")) {
      const classes = [
        (find(objects, "PersistentVolumeClaim", "minio-data").spec as { storageClassName?: string }).storageClassName,
        (nats.spec as { volumeClaimTemplates: Array<{ spec: { storageClassName?: string } }> }).volumeClaimTemplates[0]!.spec.storageClassName,
      ];
      expect(classes).toEqual(["local-path", "local-path"]);
    }
  });

  it("applies with --dry-run=server to a real kube-apiserver with Argo's CRDs, after create-secrets.sh", async () => {
    const { yaml, objects } = await build(dir);
    const k = await cluster();
    // namespaces for real, with their labels (Pod Security): a dry-run Namespace is not there for the objects in it
    const namespaces = objects.filter((o) => o.kind === "Namespace");
    const nsApplied = await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: namespaces }));
    expect(nsApplied.code, nsApplied.out).toBe(0);
    await kubectl(["create", "namespace", "argo"]);

    const env = { ...process.env, KUBECTL: toolPath("KUBECTL"), KUBECONFIG: k.kubeconfigPath };
    const first = await run("bash", [join(K8S, "create-secrets.sh")], { env }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`k8s/create-secrets.sh failed: ${e.stderr || e.message}`);
    });
    expect(first.stdout).toMatch(/secrets ready/);
    const again = await run("bash", [join(K8S, "create-secrets.sh")], { env });
    expect(again.stdout, "a second run keeps what exists").toMatch(/framegate\/framegate-minio exists: kept/);

    // every Secret key the build reads exists after the script
    for (const [ref, keys] of secretRefs(objects)) {
      const [ns, name] = ref.split("/") as [string, string];
      const r = await kubectl(["-n", ns, "get", "secret", name, "-o", "json"]);
      expect(r.code, `${ref} is read by the manifests but create-secrets.sh did not create it: ${r.out}`).toBe(0);
      const data = (JSON.parse(r.out) as { data: Record<string, string> }).data;
      for (const key of keys) expect(Object.keys(data), `${ref} lacks key ${key}`).toContain(key);
    }
    const minioSecret = JSON.parse((await kubectl(["-n", "argo", "get", "secret", "framegate-minio", "-o", "json"])).out) as { data: Record<string, string> };
    expect(Buffer.from(minioSecret.data.endpoint!, "base64").toString()).toBe("http://minio.framegate.svc.cluster.local:9000");

    // Workflow steps and Argo's archive each get their own MinIO user, never the root one
    const secretOf = async (ns: string, name: string) =>
      Object.fromEntries(
        Object.entries((JSON.parse((await kubectl(["-n", ns, "get", "secret", name, "-o", "json"])).out) as { data: Record<string, string> }).data).map(
          ([key, v]) => [key, Buffer.from(v, "base64").toString()],
        ),
      );
    const root = await secretOf("framegate", "framegate-minio");
    const steps = await secretOf("argo", "framegate-minio");
    expect(steps.accessKey).toBe("framegate-steps");
    expect(steps.secretKey).not.toBe(root.secretKey);
    expect(await secretOf("framegate", "framegate-minio-steps")).toEqual(steps);
    expect((await secretOf("argo", "framegate-minio-artifacts")).accessKey).toBe("framegate-artifacts");
    expect((await secretOf("framegate", "framegate-minio-gateway")).accessKey).toBe("framegate-gateway");
    expect((await secretOf("framegate", "framegate-minio-results")).accessKey).toBe("framegate-results");
    // an install from before identities has the root user in argo/framegate-minio: the script replaces it
    await kubectl(["-n", "argo", "delete", "secret", "framegate-minio"]);
    await kubectl(["-n", "argo", "create", "secret", "generic", "framegate-minio", `--from-literal=endpoint=${root.endpoint}`, `--from-literal=accessKey=${root.accessKey}`, `--from-literal=secretKey=${root.secretKey}`]);
    const upgrade = await run("bash", [join(K8S, "create-secrets.sh")], { env });
    expect(upgrade.stdout).toMatch(/argo\/framegate-minio held other credentials .*replaced by user framegate-steps/);
    expect(await secretOf("argo", "framegate-minio")).toEqual(steps);

    // the CRDs for real first (docs/deploy.md does the same): a dry-run CRD does not serve its kind
    const crds = await kubectl(["apply", "--validate=strict", "-k", join(K8S, "base", "crds")]);
    expect(crds.code, crds.out).toBe(0);
    const established = await kubectl(["wait", "--for=condition=Established", "--timeout=30s", "crd", "-l", "app.kubernetes.io/part-of=framegate"]);
    expect(established.code, established.out).toBe(0);

    // the Prometheus Operator's CRDs (pinned copies, test/harness/monitoring-crds) for overlays with k8s/monitoring
    const monitoringCrds = await kubectl(["apply", "--server-side", "-k", join(REPO_ROOT, "test/harness/monitoring-crds")]);
    expect(monitoringCrds.code, monitoringCrds.out).toBe(0);
    // (kubectl wait fails on a CRD whose status has no conditions yet, so poll)
    const crdEstablished = (crd: string) => kubectl(["get", "crd", crd, "-o", "jsonpath={.status.conditions[?(@.type=='Established')].status}"]);
    for (const crd of ["servicemonitors", "podmonitors", "prometheusrules"]) {
      await waitFor(`CRD ${crd}.monitoring.coreos.com Established`, async () => (await crdEstablished(`${crd}.monitoring.coreos.com`)).out === "True", 30_000);
    }

    const file = join(work, `${overlay}.yaml`);
    writeFileSync(file, yaml);
    const r = await kubectl(["apply", "--dry-run=server", "--validate=strict", "-f", file]);
    expect(r.code, `kubectl apply --dry-run=server failed:\n${r.out}`).toBe(0);
    const applied = r.out.split("\n").filter((l) => /\(server dry run\)$/.test(l));
    expect(applied).toHaveLength(objects.length);
    // namespace framegate warns (and enforces) the restricted Pod Security Standard: no pod template may violate it
    expect(namespaces.find((n) => n.metadata.name === "framegate")?.metadata.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
    expect(r.out).not.toMatch(/violate PodSecurity/);
  }, 180_000);

  it("lets framegate-runner create and patch WorkflowTaskResults, and nothing else (asked of the API server)", async () => {
    const { objects } = await build(dir);
    const rbac = objects.filter((o) => o.metadata.name === "framegate-runner" && ["ServiceAccount", "Role", "RoleBinding"].includes(o.kind));
    expect(rbac.map((o) => o.kind).sort()).toEqual(["Role", "RoleBinding", "ServiceAccount"]);
    await kubectl(["create", "namespace", "argo"]);
    const applied = await kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: rbac }));
    expect(applied.code, applied.out).toBe(0);
    const can = async (verb: string, resource: string) =>
      (await kubectl(["auth", "can-i", verb, resource, "-n", "argo", "--as=system:serviceaccount:argo:framegate-runner"])).code === 0;
    const allowed = [
      ["create", "workflowtaskresults.argoproj.io"],
      ["patch", "workflowtaskresults.argoproj.io"],
    ];
    const denied = [
      ["get", "workflowtaskresults.argoproj.io"],
      ["delete", "workflowtaskresults.argoproj.io"],
      ["get", "pods"],
      ["patch", "pods"],
      ["watch", "pods"],
      ["get", "pods/log"],
      ["create", "pods/exec"],
      ["get", "secrets"],
      ["list", "configmaps"],
      ["create", "workflows.argoproj.io"],
      ["patch", "workflows.argoproj.io"],
    ];
    for (const [verb, resource] of allowed) expect(await can(verb!, resource!), `framegate-runner should be able to ${verb} ${resource}`).toBe(true);
    for (const [verb, resource] of denied) expect(await can(verb!, resource!), `framegate-runner must not ${verb} ${resource}`).toBe(false);
  }, 60_000);

  it("passes argo lint --offline for every WorkflowTemplate", async () => {
    const { objects } = await build(dir);
    const templates = objects.filter((o) => o.kind === "WorkflowTemplate");
    expect(templates.map((t) => t.metadata.name)).toContain("image-processing");
    const argo = toolPath("ARGO");
    for (const t of templates) {
      const file = join(work, `${overlay}-${t.metadata.name}.yaml`);
      writeFileSync(file, stringify(t));
      const r = await run(argo, ["lint", "--offline", "--output", "simple", file]).catch((e: { stdout?: string; stderr?: string; message: string }) => e);
      expect("code" in r ? (r as { code: number }).code : 0, `argo lint ${t.metadata.name}: ${(r as { stdout?: string }).stdout ?? ""}${(r as { stderr?: string }).stderr ?? ""}`).toBe(0);
    }
  });
});

describe("component detect-on-gpu", () => {
  const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
  type Spec = Record<string, unknown> & { resources: { limits: Record<string, string> } };

  it("puts detect on GPU nodes for inline steps (ProcessingService and ConfigMap alike) and in the WorkflowTemplate", async () => {
    const dir = mkdtempSync(join(work, "gpu-"));
    try {
      writeFileSync(
        join(dir, "kustomization.yaml"),
        stringify({
          apiVersion: "kustomize.config.k8s.io/v1beta1",
          kind: "Kustomization",
          resources: [relative(dir, join(K8S, "overlays/k3s"))],
          components: [relative(dir, join(K8S, "components/detect-on-gpu"))],
        }),
      );
      const { objects } = await build(dir);
      // inline steps: both forms of the catalog entry carry the placement, and they are the same entry
      const resource = find(objects, "ProcessingService", "detect").spec as Spec;
      const files = parseAllDocuments((generated(objects, "framegate-services").data as Record<string, string>).detect!)[0]!.toJS() as { spec: Spec };
      expect(files.spec, "detect-service.yaml and the ProcessingService patch differ: edit both").toEqual(resource);
      expect(resource).toMatchObject({
        image: "ghcr.io/framegate/detect-gpu:0.1.0",
        nodeSelector: { hardware: "gpu" },
        tolerations: [GPU_TOLERATION],
        runtimeClassName: "nvidia",
        concurrency: 1,
      });
      expect(resource.resources.limits["nvidia.com/gpu"]).toBe("1");
      // apart from the placement, the GPU entry is services/detect/service.yaml
      const plain = parseAllDocuments(readFileSync(join(REPO_ROOT, "services/detect/service.yaml"), "utf8"))[0]!.toJS() as { spec: Spec };
      const { image, nodeSelector, tolerations, runtimeClassName, concurrency, resources, ...rest } = resource;
      const { image: _i, resources: plainResources, ...plainRest } = plain.spec;
      expect(rest).toEqual(plainRest);
      expect({ ...resources, limits: { ...resources.limits, "nvidia.com/gpu": undefined } }).toEqual({ ...plainResources, limits: { ...plainResources.limits, "nvidia.com/gpu": undefined } });
      expect([image, nodeSelector, tolerations, runtimeClassName, concurrency]).not.toContain(undefined);

      const templates = (find(objects, "WorkflowTemplate", "image-processing").spec as { templates: Array<Record<string, any>> }).templates;
      const detect = templates.find((t) => t.name === "detect")!;
      expect(detect.nodeSelector).toEqual({ hardware: "gpu" });
      expect(detect.tolerations).toEqual([GPU_TOLERATION]);
      expect(detect.container.resources.limits["nvidia.com/gpu"]).toBe("1");
      expect(JSON.parse(detect.podSpecPatch as string)).toEqual({ runtimeClassName: "nvidia" });
      expect(detect.synchronization).toEqual({ semaphores: [{ configMapKeyRef: { name: "framegate-semaphores", key: "detect" } }] });
      expect(templates.find((t) => t.name === "resize")?.nodeSelector).toBeUndefined();
      const file = join(work, "gpu-image-processing.yaml");
      writeFileSync(file, stringify(find(objects, "WorkflowTemplate", "image-processing")));
      const r = await run(toolPath("ARGO"), ["lint", "--offline", "--output", "simple", file]).catch((e: { stdout?: string; stderr?: string; code: number }) => e);
      expect("code" in r ? (r as { code: number }).code : 0, `argo lint: ${(r as { stdout?: string }).stdout ?? ""}${(r as { stderr?: string }).stderr ?? ""}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("WorkflowTemplate image-processing on a real workflow-controller", () => {
  it("gives resize and detect the contract's environment with the keys the renderer computes", async () => {
    const k = await cluster();
    nodes = await startKwok(k);
    controller = await startWorkflowController(k, "argo");
    const { objects } = await build(join(K8S, "overlays", OVERLAYS[0]!));
    const template = find(objects, "WorkflowTemplate", "image-processing");
    expect(JSON.parse((template.spec as { podSpecPatch: string }).podSpecPatch), "the template patches Argo's executor as the renderer does").toEqual(
      JSON.parse(EXECUTOR_POD_SPEC_PATCH),
    );
    const api = k.kubeConfig().makeApiClient(CustomObjectsApi);
    const applied = await kubectl(["apply", "-f", "-"], JSON.stringify(template));
    expect(applied.code, applied.out).toBe(0);
    // the Workflows' namespace enforces the restricted Pod Security Standard (docs/deploy.md): Argo's pods
    // for both Workflows below are only created if they meet it, executor containers included
    const labelled = await kubectl(["label", "--overwrite", "namespace", "argo", "pod-security.kubernetes.io/enforce=restricted"]);
    expect(labelled.code, labelled.out).toBe(0);
    const plain = await kubectl(["-n", "argo", "run", "plain", "--image=busybox", "--dry-run=server"]);
    expect(plain.out, "a pod without a security context is refused, so the check below means something").toMatch(/violates PodSecurity "restricted/);
    const inline = renderWorkflow([match(inlinePipeline(), objectEvent("gate-8/2026/01/01/120000-1.jpg"))], catalog());
    await api.createNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace: "argo", plural: "workflows", body: inline });

    // dots in the folder and the name, to check that only the extension goes
    const key = "gate-7/2026/01/01/v1.2/120000.5-1.jpeg";
    const wf = (await api.createNamespacedCustomObject({
      group: "argoproj.io",
      version: "v1alpha1",
      namespace: "argo",
      plural: "workflows",
      body: {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Workflow",
        metadata: { generateName: "image-processing-" },
        spec: {
          workflowTemplateRef: { name: "image-processing" },
          arguments: { parameters: [{ name: "key", value: key }, { name: "camera", value: "gate-7" }, { name: "pipeline", value: "lobby" }] },
        },
      },
    })) as { metadata: { name: string } };

    const core = k.kubeConfig().makeApiClient(CoreV1Api);
    const pods: Record<string, V1Pod> = {};
    try {
      await waitFor("the resize and detect pods of the Workflow", async () => {
          const list = await core.listNamespacedPod({ namespace: "argo", labelSelector: `workflows.argoproj.io/workflow=${wf.metadata.name}` });
          for (const p of list.items) {
            const step = p.metadata?.labels?.["framegate.io/step"];
            if (step) pods[step] = p;
          }
          return !!pods.resize && !!pods.detect;
        }, 90_000, { pollMs: 200, describeError: apiMessage });
    } catch (e) {
      const status = await api.getNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace: "argo", plural: "workflows", name: wf.metadata.name });
      throw new Error(
        `${(e as Error).message}\npods seen: ${Object.keys(pods).join(", ") || "none"}\nworkflow status: ${JSON.stringify((status as { status?: unknown }).status, null, 1)}\ncontroller log:\n${controller.output.toString().slice(-6000)}`,
      );
    }

    const envOf = (p: V1Pod) =>
      Object.fromEntries((p.spec!.containers.find((c) => c.name === "main")!.env ?? []).map((e) => [e.name, e.valueFrom ? `secret:${e.valueFrom.secretKeyRef?.name}/${e.valueFrom.secretKeyRef?.key}` : (e.value ?? "")]));
    const resizeOut = outputKey("lobby", "resize", key, key, "jpg");
    const detectOut = outputKey("lobby", "detect", key, resizeOut, "jpg");
    expect(resizeOut).toBe("lobby/resize/gate-7/2026/01/01/v1.2/120000.5-1.jpg");

    const resize = envOf(pods.resize!);
    expect(resize).toMatchObject({
      FRAMEGATE_PIPELINE: "lobby",
      FRAMEGATE_STEP: "resize",
      FRAMEGATE_CAMERA: "gate-7",
      FRAMEGATE_INPUT_BUCKET: "raw",
      FRAMEGATE_OUTPUT_BUCKET: "processed",
      FRAMEGATE_PARAM_WIDTH: "640",
      MINIO_ENDPOINT: "secret:framegate-minio/endpoint",
      MINIO_SECRET_KEY: "secret:framegate-minio/secretKey",
    });
    expect(JSON.parse(resize.FRAMEGATE_INPUT_KEYS!)).toEqual([key]);
    expect(JSON.parse(resize.FRAMEGATE_OUTPUT_KEYS!)).toEqual([resizeOut]);

    const detect = envOf(pods.detect!);
    expect(detect).toMatchObject({ FRAMEGATE_STEP: "detect", FRAMEGATE_INPUT_BUCKET: "processed", FRAMEGATE_PARAM_MODEL: "", FRAMEGATE_PARAM_CLASSES: "person" });
    expect(JSON.parse(detect.FRAMEGATE_INPUT_KEYS!)).toEqual([resizeOut]);
    expect(JSON.parse(detect.FRAMEGATE_OUTPUT_KEYS!)).toEqual([detectOut]);
    expect(pods.detect!.spec!.serviceAccountName).toBe("framegate-runner");
    expect(pods.resize!.spec!.containers.find((c) => c.name === "main")!.image).toBe("ghcr.io/framegate/resize:0.1.0");
    expect(basename(pods.detect!.spec!.containers.find((c) => c.name === "main")!.image!)).toBe("detect:0.1.0");

    // admitted under "restricted": non-root, read-only root, /tmp on an emptyDir, executor locked down too
    const inlinePod = await waitFor(
      "the first pod of the rendered inline Workflow (refused if it violated the restricted standard)",
      async () => (await core.listNamespacedPod({ namespace: "argo", labelSelector: `workflows.argoproj.io/workflow=${inline.metadata.name}` })).items[0],
      60_000,
      { describeError: apiMessage },
    );
    for (const p of [pods.resize!, pods.detect!, inlinePod]) {
      expect(p.metadata!.labels!["framegate.io/role"], "the label the network policies select Workflow pods by").toBe("step");
      expect(p.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } });
      const containers = Object.fromEntries([...(p.spec!.initContainers ?? []), ...p.spec!.containers].map((c) => [c.name, c]));
      expect(Object.keys(containers).sort()).toEqual(["init", "main", "wait"]);
      expect(containers.main!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      expect(containers.main!.volumeMounts).toContainEqual(expect.objectContaining({ name: "scratch", mountPath: "/tmp" }));
      expect(p.spec!.volumes).toContainEqual(expect.objectContaining({ name: "scratch", emptyDir: { sizeLimit: "1Gi" } }));
      for (const name of ["init", "wait"]) expect(containers[name]!.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    }
  }, 240_000);
});
