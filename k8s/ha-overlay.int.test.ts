/**
 * @module k8s/ha-overlay.int.test — what overlay ha promises on top of the base, read from its `kubectl
 * kustomize` build: a 3-server NATS cluster (routes authenticated as the `route` user of the very file the
 * test harness's cluster includes, anti-affinity, PodDisruptionBudget), setup at 3 replicas, MinIO in
 * distributed mode (4 pods, one per node, one erasure set), the gateway spread over nodes, the peers' ports
 * open to the peers only, and everything else the base's. The server-side dry-run is k8s.int.test's.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../test/harness/util.js";
import { ROUTES_AUTHORIZATION_CONF } from "../test/harness/nats-cluster.js";
import { kustomize, type K8sObject } from "./kustomize.js";
import { allowedFlows, type Endpoint, type NetworkPolicy } from "./network-flows.js";

const K8S = join(REPO_ROOT, "k8s");
let ha: K8sObject[];
let base: K8sObject[];
beforeAll(async () => {
  [ha, base] = await Promise.all([kustomize(join(K8S, "overlays/ha")), kustomize(join(K8S, "base"))]).then((r) => r.map((b) => b.objects));
});

const find = (kind: string, name: string): K8sObject => {
  const o = ha.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`overlay ha has no ${kind} ${name}`);
  return o;
};
type Pod = { nodeSelector?: Record<string, string>; affinity?: any; topologySpreadConstraints?: any[]; containers: Array<{ name: string; args?: string[]; env?: any[]; ports?: any[] }> };
const pod = (o: K8sObject): Pod => (o.spec as { template: { spec: Pod } }).template.spec;
const envOf = (c: { env?: any[] }) => Object.fromEntries((c.env ?? []).map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
const antiAffinity = (app: string) => ({
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": app } } }] },
});

describe("overlay ha", () => {
  it("runs NATS as 3 routed servers on 3 storage nodes, routes authenticated as `route`, one down at a time", () => {
    const nats = find("StatefulSet", "nats");
    expect((nats.spec as { replicas: number }).replicas).toBe(3);
    const p = pod(nats);
    expect(p.affinity).toEqual(antiAffinity("nats"));
    expect(p.nodeSelector).toEqual({ "framegate.io/storage": "true" });
    const c = p.containers.find((x) => x.name === "nats")!;
    const routes = c.args![c.args!.indexOf("--routes") + 1]!.split(",");
    expect(routes).toEqual([0, 1, 2].map((i) => `nats-route://route:$(NATS_ROUTE_PASSWORD)@nats-${i}.nats-headless.framegate.svc.cluster.local:6222`));
    const env = envOf(c);
    expect(env.NATS_ROUTE_PASSWORD).toEqual({ secretKeyRef: { name: "framegate-nats", key: "routePassword" } });
    expect(env.NATS_ROUTE_PASSWORD_HASH).toEqual({ secretKeyRef: { name: "framegate-nats-server", key: "routePasswordHash" } });
    expect(c.ports).toContainEqual({ name: "cluster", containerPort: 6222 });
    expect((find("Service", "nats-headless").spec as { ports: unknown[] }).ports).toContainEqual({ name: "cluster", port: 6222, targetPort: "cluster" });
    // the route user comes from the file the harness's 3-server cluster includes, shipped beside authorization.conf
    const conf = (find("ConfigMap", "nats-config").data as Record<string, string>)["nats.conf"]!;
    expect(conf).toMatch(/cluster \{\s*name: framegate\s*listen: 0\.0\.0\.0:6222\s*include \.\/routes-authorization\.conf\s*\}/);
    const auth = ha.find((o) => o.kind === "ConfigMap" && /^nats-authorization-/.test(o.metadata.name))!;
    expect((auth.data as Record<string, string>)["routes-authorization.conf"]).toBe(readFileSync(ROUTES_AUTHORIZATION_CONF, "utf8"));
    expect((find("PodDisruptionBudget", "nats").spec as object)).toEqual({ maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "nats" } } });
  });

  it("gives the gateway and setup every NATS server, setup 3 replicas, and one gateway per node", () => {
    const urls = [0, 1, 2].map((i) => `nats://nats-${i}.nats-headless.framegate.svc.cluster.local:4222`).join(",");
    const gw = find("Deployment", "framegate-gateway");
    expect(envOf(pod(gw).containers[0]!).FRAMEGATE_NATS_URL).toBe(urls);
    expect(pod(gw).topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "app.kubernetes.io/name": "framegate-gateway" } } },
    ]);
    const setup = envOf(pod(find("Job", "framegate-setup")).containers[0]!);
    expect([setup.FRAMEGATE_NATS_URL, setup.FRAMEGATE_STREAM_REPLICAS]).toEqual([urls, "3"]);
  });

  it("runs MinIO distributed: 4 pods on 4 storage nodes, one erasure set over their drives, a queue dir each", () => {
    const minio = find("StatefulSet", "minio");
    const spec = minio.spec as { replicas: number; serviceName: string; podManagementPolicy: string; volumeClaimTemplates: Array<{ metadata: { name: string }; spec: { storageClassName: string } }> };
    expect(spec.replicas).toBeGreaterThanOrEqual(4);
    expect([spec.serviceName, spec.podManagementPolicy]).toEqual(["minio-headless", "Parallel"]);
    expect(spec.volumeClaimTemplates.map((v) => [v.metadata.name, v.spec.storageClassName])).toEqual([["data", "local-path"]]);
    const p = pod(minio);
    expect(p.affinity).toEqual(antiAffinity("minio"));
    expect(p.nodeSelector).toEqual({ "framegate.io/storage": "true" });
    const c = p.containers.find((x) => x.name === "minio")!;
    const m = /^http:\/\/minio-\{0\.\.\.(\d+)\}\.minio-headless\.framegate\.svc\.cluster\.local:9000\/export\/data$/.exec(c.args![1]!);
    expect(m, `one server pool over every pod: ${c.args![1]}`).not.toBeNull();
    expect(Number(m![1]) + 1).toBe(spec.replicas);
    expect(envOf(c).MINIO_NOTIFY_NATS_QUEUE_DIR_PRIMARY).toBe("/export/events-queue"); // on each pod's own volume
    expect((find("Service", "minio-headless").spec as { publishNotReadyAddresses: boolean }).publishNotReadyAddresses).toBe(true);
    expect((find("Service", "minio").spec as { selector: object }).selector).toEqual({ "app.kubernetes.io/name": "minio" });
    expect((find("PodDisruptionBudget", "minio").spec as { maxUnavailable: number }).maxUnavailable).toBe(1);
  });

  it("is the base otherwise: the same objects, MinIO's Deployment and volume replaced, the cluster's pieces added", () => {
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, "-<hash>")}`;
    const inHa = new Set(ha.map(key));
    const inBase = new Set(base.map(key));
    expect([...inBase].filter((k) => !inHa.has(k)).sort()).toEqual(["Deployment/minio", "PersistentVolumeClaim/minio-data"]);
    expect([...inHa].filter((k) => !inBase.has(k)).sort()).toEqual([
      "NetworkPolicy/minio-peers",
      "NetworkPolicy/nats-routes",
      "PodDisruptionBudget/minio",
      "PodDisruptionBudget/nats",
      "Service/minio-cameras",
      "Service/minio-headless",
      "StatefulSet/minio",
    ]);
  });

  it("opens the route port to the NATS servers and MinIO's port to its peers, and the route port to nobody else", () => {
    const policies = ha.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicy[];
    const tcp = (port: number) => ({ port, protocol: "TCP" as const });
    let ip = 10;
    const at = (name: string, labels: Record<string, string>, ports: number[]): Endpoint => ({ name, namespace: "framegate", labels, ip: `10.42.0.${ip++}`, ports: ports.map(tcp) });
    const endpoints = [
      at("nats-0", { "app.kubernetes.io/name": "nats" }, [4222, 6222, 8222]),
      at("nats-1", { "app.kubernetes.io/name": "nats" }, [4222, 6222, 8222]),
      at("minio-0", { "app.kubernetes.io/name": "minio" }, [9000, 9001]),
      at("minio-1", { "app.kubernetes.io/name": "minio" }, [9000, 9001]),
      at("gateway", { "app.kubernetes.io/name": "framegate-gateway" }, [8080]),
      { name: "outside", ip: "203.0.113.7", ports: [] },
    ];
    const flows = allowedFlows(policies, new Map([["framegate", {}]]), endpoints);
    expect(flows.filter((f) => f.endsWith(":6222/TCP")).sort()).toEqual(["nats-0 -> nats-1:6222/TCP", "nats-1 -> nats-0:6222/TCP"]);
    expect(flows).toEqual(expect.arrayContaining(["minio-0 -> minio-1:9000/TCP", "minio-1 -> minio-0:9000/TCP"]));
    expect(flows.filter((f) => f.startsWith("minio-0 ")).sort(), "MinIO reaches its peers and NATS, nothing else").toEqual(
      ["minio-0 -> minio-1:9000/TCP", "minio-0 -> nats-0:4222/TCP", "minio-0 -> nats-0:8222/TCP", "minio-0 -> nats-1:4222/TCP", "minio-0 -> nats-1:8222/TCP"].sort(),
    );
  });
});
