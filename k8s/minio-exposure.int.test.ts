/**
 * @module k8s/minio-exposure.int.test — how cameras reach MinIO's S3 port from outside the cluster: every
 * overlay's NodePort Service (component minio-nodeport) and the Ingress of component minio-ingress expose
 * the S3 port of the MinIO pods and nothing else, keep the camera's address visible to the NetworkPolicy
 * (externalTrafficPolicy: Local), and the Ingress with its TLS and its NetworkPolicy applies with
 * --dry-run=server to a real kube-apiserver. The flows themselves are checked by network-policy.int.test.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { startKube, type KubeCluster } from "../test/harness/kube.js";
import { REPO_ROOT, toolPath } from "../test/harness/util.js";
import { kustomize, type K8sObject } from "./kustomize.js";

const K8S = join(REPO_ROOT, "k8s");
const OVERLAYS = readdirSync(join(K8S, "overlays"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const work = mkdtempSync(join(tmpdir(), "framegate-minio-exposure-"));
let kube: KubeCluster | undefined;
afterAll(async () => {
  await kube?.stop();
  rmSync(work, { recursive: true, force: true });
});

type ContainerPort = { name?: string; containerPort: number };
type ServiceSpec = { type?: string; externalTrafficPolicy?: string; selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string | number; nodePort?: number }> };

/** The MinIO pods of a build (Deployment or StatefulSet labelled app.kubernetes.io/name=minio). */
function minioPods(objects: K8sObject[]): Array<{ labels: Record<string, string>; ports: ContainerPort[] }> {
  return objects
    .filter((o) => ["Deployment", "StatefulSet"].includes(o.kind))
    .map((o) => (o.spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ ports?: ContainerPort[] }> } } }).template)
    .filter((t) => t.metadata.labels["app.kubernetes.io/name"] === "minio")
    .map((t) => ({ labels: t.metadata.labels, ports: t.spec.containers.flatMap((c) => c.ports ?? []) }));
}

/** The container port a Service port reaches on the pods it selects. */
function targetsOf(objects: K8sObject[], svc: ServiceSpec): number[] {
  const pods = minioPods(objects).filter((p) => Object.entries(svc.selector).every(([k, v]) => p.labels[k] === v));
  expect(pods.length, "the Service selects MinIO's pods").toBeGreaterThan(0);
  return svc.ports.map((sp) => {
    const hit = pods[0]!.ports.find((cp) => (typeof sp.targetPort === "number" ? cp.containerPort === sp.targetPort : cp.name === sp.targetPort));
    if (!hit) throw new Error(`target port ${sp.targetPort} is no port of MinIO's container`);
    return hit.containerPort;
  });
}

async function kubectl(args: string[], input?: string): Promise<{ code: number; out: string }> {
  kube ??= await startKube();
  const k = kube;
  return new Promise((resolve) => {
    const child = execFile(toolPath("KUBECTL"), ["--kubeconfig", k.kubeconfigPath, ...args], { maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe.each(OVERLAYS)("overlay %s", (overlay) => {
  it("exposes MinIO's S3 port, and only it, on NodePort 30900 with the camera's address kept", async () => {
    const { objects } = await kustomize(join(K8S, "overlays", overlay));
    const svc = objects.find((o) => o.kind === "Service" && o.metadata.name === "minio-cameras");
    expect(svc, "component minio-nodeport is in the overlay").toBeDefined();
    const spec = svc!.spec as ServiceSpec;
    expect(svc!.metadata.namespace).toBe("framegate");
    expect(spec.type).toBe("NodePort");
    expect(spec.externalTrafficPolicy, "the NetworkPolicy sees the camera's address, not a node's").toBe("Local");
    expect(spec.ports.map((p) => p.nodePort)).toEqual([30900]);
    expect(targetsOf(objects, spec), "the S3 port, never the console (9001)").toEqual([9000]);
    // the policy that admits cameras covers exactly that port
    const cameras = objects.find((o) => o.kind === "NetworkPolicy" && o.metadata.labels?.["framegate.io/peer"] === "cameras");
    const ingress = (cameras!.spec as { ingress: Array<{ ports: Array<{ port: number }> }> }).ingress;
    expect(ingress.flatMap((r) => r.ports.map((p) => p.port))).toEqual([9000]);
  });
});

describe("component minio-ingress", () => {
  it("routes https://<host>/ to MinIO's S3 port with TLS, and applies with --dry-run=server", async () => {
    const dir = mkdtempSync(join(work, "ingress-"));
    writeFileSync(
      join(dir, "kustomization.yaml"),
      stringify({
        apiVersion: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: [relative(dir, join(K8S, "overlays", "k3s"))],
        components: [relative(dir, join(K8S, "components", "minio-ingress"))],
      }),
    );
    const { objects } = await kustomize(dir);
    const ing = objects.find((o) => o.kind === "Ingress" && o.metadata.name === "minio-s3")!;
    type IngressSpec = { tls: Array<{ hosts: string[]; secretName: string }>; rules: Array<{ host: string; http: { paths: Array<{ path: string; backend: { service: { name: string; port: { name: string } } } }> } }> };
    const spec = ing.spec as IngressSpec;
    expect(spec.tls).toEqual([{ hosts: [spec.rules[0]!.host], secretName: "minio-s3-tls" }]);
    const backends = spec.rules.flatMap((r) => r.http.paths.map((p) => p.backend.service));
    expect(backends).toEqual([{ name: "minio", port: { name: "s3" } }]);
    const minioSvc = objects.find((o) => o.kind === "Service" && o.metadata.name === "minio")!.spec as ServiceSpec;
    expect(targetsOf(objects, { ...minioSvc, ports: minioSvc.ports.filter((p) => p.name === "s3") })).toEqual([9000]);

    const extra = objects.filter((o) => (o.kind === "Ingress" && o.metadata.name === "minio-s3") || (o.kind === "NetworkPolicy" && o.metadata.name === "minio-from-ingress"));
    expect(extra).toHaveLength(2);
    const ns = await kubectl(["create", "namespace", "framegate"]);
    expect(ns.code, ns.out).toBe(0);
    const r = await kubectl(["apply", "--dry-run=server", "--validate=strict", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: extra }));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/ingress.networking.k8s.io\/minio-s3 created \(server dry run\)/);
    expect(r.out).toMatch(/networkpolicy.networking.k8s.io\/minio-from-ingress created \(server dry run\)/);
    // the check means something: the API server refuses an Ingress whose backend names no port
    const broken = structuredClone(ing) as K8sObject & { spec: IngressSpec };
    (broken.spec.rules[0]!.http.paths[0]!.backend.service as { port?: unknown }).port = {};
    const bad = await kubectl(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(broken));
    expect(bad.code).not.toBe(0);
  }, 120_000);
});
