/**
 * @module k8s/network-policy.int.test — the NetworkPolicies of every overlay, built with `kubectl
 * kustomize`, turned into the matrix of allowed flows (network-flows.ts) between framegate's workloads
 * (pod labels and ports from the build; Workflow pods from the real renderer and the WorkflowTemplate),
 * Argo's controller and server (labels of Argo's install.yaml), CoreDNS, a Prometheus and an ingress
 * controller in labelled namespaces, a neighbour that copies framegate's labels, and addresses outside
 * the cluster. The matrix must be exactly the flows docs/deploy.md lists. kubectl comes from the tools
 * cache (scripts/tools.sh kube); no server is started.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { catalog, inlinePipeline, match, objectEvent, refPipeline } from "../test/fixtures/render-fixtures.js";
import { REPO_ROOT } from "../test/harness/util.js";
import { renderWorkflow } from "../src/workflows/render.js";
import { kustomize, type K8sObject } from "./kustomize.js";
import { allowedFlows, type Endpoint, type EndpointPort, type NetworkPolicy } from "./network-flows.js";

const K8S = join(REPO_ROOT, "k8s");
const OVERLAYS = readdirSync(join(K8S, "overlays"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const work = mkdtempSync(join(tmpdir(), "framegate-netpol-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const OURS = new Set(["framegate", "argo"]);
const tcp = (port: number, name?: string): EndpointPort => ({ port, protocol: "TCP", ...(name ? { name } : {}) });
let podIp = 10;
const pod = (name: string, namespace: string, labels: Record<string, string>, ports: EndpointPort[] = []): Endpoint => ({
  name,
  namespace,
  labels,
  ports,
  ip: `10.42.0.${podIp++}`,
});

/** framegate's workloads as the build describes their pods. */
function workloads(objects: K8sObject[]): Endpoint[] {
  type PodTemplate = { metadata?: { labels?: Record<string, string> }; spec: { containers: Array<{ ports?: Array<{ containerPort: number; protocol?: "TCP" | "UDP"; name?: string }> }> } };
  return objects
    .filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind))
    .map((o) => {
      const t = (o.spec as { template: PodTemplate }).template;
      const ports = t.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? "TCP", ...(p.name ? { name: p.name } : {}) })));
      return pod(o.metadata.name, o.metadata.namespace!, t.metadata?.labels ?? {}, ports);
    });
}

/** Pods of the Workflows framegate renders: an inline DAG, and a templateRef to the build's WorkflowTemplate. */
function workflowPods(objects: K8sObject[]): Endpoint[] {
  const inline = renderWorkflow([match(inlinePipeline(), objectEvent("gate-01/2024/05/01/120000-1.jpg"))], catalog());
  const step = (inline.spec.templates as Array<{ metadata?: { labels?: Record<string, string> } }>)[1]!;
  const byRef = renderWorkflow([match(refPipeline(), objectEvent("lobby-1/2024/05/01/120000-1.jpg"))], catalog());
  const template = objects.find((o) => o.kind === "WorkflowTemplate" && o.metadata.name === "image-processing")!;
  const spec = template.spec as { podMetadata?: { labels?: Record<string, string> }; templates: Array<{ name: string; metadata?: { labels?: Record<string, string> } }> };
  const podLabels = (wf: { spec: Record<string, unknown> }) => (wf.spec.podMetadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
  return [
    pod("step (inline DAG)", inline.metadata.namespace!, { ...podLabels(inline), ...step.metadata?.labels, "workflows.argoproj.io/workflow": inline.metadata.name }),
    pod("step (image-processing)", byRef.metadata.namespace!, {
      ...spec.podMetadata?.labels,
      ...podLabels(byRef),
      ...spec.templates.find((t) => t.name === "resize")!.metadata?.labels,
      "workflows.argoproj.io/workflow": byRef.metadata.name,
    }),
  ];
}

/** Everyone else: Argo (install.yaml's labels), CoreDNS, monitoring, an ingress controller, neighbours, and addresses outside. */
function others(): Endpoint[] {
  return [
    pod("workflow-controller", "argo", { app: "workflow-controller" }, [tcp(9090, "metrics"), tcp(6060)]),
    pod("argo-server", "argo", { app: "argo-server" }, [tcp(2746, "web")]),
    pod("kube-dns", "kube-system", { "k8s-app": "kube-dns" }, [{ port: 53, protocol: "UDP" }, tcp(53)]),
    pod("prometheus", "monitoring", { app: "prometheus" }),
    pod("ingress-controller", "ingress", { app: "traefik" }),
    pod("neighbour", "default", { app: "shop" }, [tcp(80)]),
    // copies the labels framegate's policies select on, from a namespace they do not name
    pod("impostor", "default", { "framegate.io/role": "step", "app.kubernetes.io/name": "framegate-gateway", app: "argo-server" }),
    { name: "outside", ip: "203.0.113.7", ports: [tcp(443), tcp(80)] },
    { name: "node/api-server", ip: "192.168.1.10", ports: [tcp(6443)] },
    { name: "node/etcd", ip: "192.168.1.10", ports: [tcp(2379), tcp(2380)] },
    { name: "node/kubelet", ip: "192.168.1.10", ports: [tcp(10250)] },
  ];
}

const namespaces = (objects: K8sObject[]) =>
  new Map<string, Record<string, string>>([
    ...objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name, o.metadata.labels ?? {}] as [string, Record<string, string>]),
    ["argo", {}],
    ["kube-system", {}],
    ["monitoring", { "framegate.io/monitoring": "true" }],
    ["ingress", { "framegate.io/http-clients": "true" }],
    ["default", {}],
  ]);

/** The matrix restricted to flows that start or end at a pod in framegate's namespaces (nodes only as destinations). */
function matrix(objects: K8sObject[], extra: Endpoint[] = []): string[] {
  const endpoints = [...workloads(objects), ...workflowPods(objects), ...others(), ...extra];
  const ours = new Set(endpoints.filter((e) => e.namespace && OURS.has(e.namespace)).map((e) => e.name));
  const policies = objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicy[];
  return allowedFlows(policies, namespaces(objects), endpoints).filter((f) => {
    const [src, dst] = f.split(" -> ") as [string, string];
    const dstName = dst.slice(0, dst.lastIndexOf(":"));
    return !src.startsWith("node/") && (ours.has(src) || ours.has(dstName));
  });
}

const FRAMEGATE_PODS = ["nats", "minio", "framegate-gateway", "framegate-setup", "minio-buckets"];
const ARGO_PODS = ["workflow-controller", "argo-server", "step (inline DAG)", "step (image-processing)"];
const STEPS = ["step (inline DAG)", "step (image-processing)"];

/** The flows framegate needs (docs/deploy.md, "Network policies"), and nothing else. */
const EXPECTED = [
  ...[...FRAMEGATE_PODS, ...ARGO_PODS].flatMap((p) => [`${p} -> kube-dns:53/UDP`, `${p} -> kube-dns:53/TCP`]),
  "minio -> nats:4222/TCP",
  "minio -> nats:8222/TCP",
  "framegate-gateway -> nats:4222/TCP",
  "framegate-setup -> nats:4222/TCP",
  ...["framegate-gateway", "framegate-setup", "minio-buckets", ...STEPS, "argo-server", "outside", "prometheus"].map((p) => `${p} -> minio:9000/TCP`),
  ...["framegate-gateway", "workflow-controller", "argo-server", ...STEPS].map((p) => `${p} -> node/api-server:6443/TCP`),
  ...["outside", "ingress-controller", "prometheus"].map((p) => `${p} -> framegate-gateway:8080/TCP`),
  ...["outside", "ingress-controller"].map((p) => `${p} -> argo-server:2746/TCP`),
  "prometheus -> workflow-controller:9090/TCP",
  "prometheus -> nats:7777/TCP",
].sort();

describe.each(OVERLAYS)("network policies of overlay %s", (overlay) => {
  it("allow exactly the flows framegate needs", async () => {
    const { objects } = await kustomize(join(K8S, "overlays", overlay));
    const flows = matrix(objects);
    const missing = EXPECTED.filter((f) => !flows.includes(f));
    const extra = flows.filter((f) => !EXPECTED.includes(f));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    // spelled out, the properties the list implies
    expect(flows.filter((f) => / -> nats:(4222|8222)\//.test(f) && !/^(minio|framegate-gateway|framegate-setup) /.test(f)), "only MinIO, the gateway and setup reach NATS").toEqual([]);
    expect(flows.filter((f) => / -> nats:7777\//.test(f)), "the exporter sidecar's metrics: Prometheus only").toEqual(["prometheus -> nats:7777/TCP"]);
    expect(flows.filter((f) => /node\/(etcd|kubelet)/.test(f)), "nothing of framegate's reaches etcd or a kubelet").toEqual([]);
    expect(flows.filter((f) => f.startsWith("impostor ") || f.startsWith("neighbour ")), "labels copied in another namespace grant nothing").toEqual([]);
    expect(flows.filter((f) => / -> outside:/.test(f)), "no pod reaches the Internet").toEqual([]);
  });

  it("let an overlay narrow the cameras, the HTTP clients and the API server to their networks", async () => {
    const dir = mkdtempSync(join(work, `${overlay}-narrow-`));
    const replace = (label: string, path: string, value: unknown, more: unknown[] = []) => ({
      target: { kind: "NetworkPolicy", labelSelector: `framegate.io/peer=${label}` },
      patch: stringify([{ op: "replace", path, value }, ...more]),
    });
    writeFileSync(
      join(dir, "kustomization.yaml"),
      stringify({
        apiVersion: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: [relative(dir, join(K8S, "overlays", overlay))],
        patches: [
          replace("cameras", "/spec/ingress/0/from/0/ipBlock", { cidr: "192.168.10.0/24" }),
          replace("http-clients", "/spec/ingress/0/from/0/ipBlock", { cidr: "203.0.113.0/24" }),
          replace("api-server", "/spec/egress/0/to/0/ipBlock", { cidr: "192.168.1.10/32" }, [{ op: "replace", path: "/spec/egress/0/ports/0/port", value: 443 }]),
        ],
      }),
    );
    const { objects } = await kustomize(dir);
    const camera: Endpoint = { name: "camera", ip: "192.168.10.5", ports: [] };
    const apiOn443: Endpoint = { name: "api-443", ip: "192.168.1.10", ports: [tcp(443)] };
    const elsewhere: Endpoint = { name: "elsewhere", ip: "198.51.100.9", ports: [tcp(443)] };
    const flows = matrix(objects, [camera, apiOn443, elsewhere]);
    expect(flows.filter((f) => f.startsWith("camera "))).toEqual(["camera -> minio:9000/TCP"]);
    expect(flows.filter((f) => f.startsWith("outside "))).toEqual(["outside -> argo-server:2746/TCP", "outside -> framegate-gateway:8080/TCP"]);
    expect(flows.filter((f) => f.includes(" -> api-443:"))).toEqual(
      ["framegate-gateway", "workflow-controller", "argo-server", ...STEPS].map((p) => `${p} -> api-443:443/TCP`).sort(),
    );
    expect(flows.filter((f) => f.includes(" -> node/api-server:")), "port 6443 is no longer open").toEqual([]);
    expect(flows.filter((f) => f.includes(" -> elsewhere:")), "the API server rule opens that one address only").toEqual([]);
  });
});

describe("network policies with component minio-ingress", () => {
  it("add the ingress controller's namespace to MinIO's S3 port, and nothing else", async () => {
    const dir = mkdtempSync(join(work, "minio-ingress-"));
    writeFileSync(
      join(dir, "kustomization.yaml"),
      stringify({
        apiVersion: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: [relative(dir, join(K8S, "overlays", "k3s"))],
        components: [relative(dir, join(K8S, "components", "minio-ingress"))],
      }),
    );
    const flows = matrix((await kustomize(dir)).objects);
    const added = flows.filter((f) => !EXPECTED.includes(f));
    expect(added).toEqual(["ingress-controller -> minio:9000/TCP"]);
    expect(EXPECTED.filter((f) => !flows.includes(f))).toEqual([]);
  });
});
