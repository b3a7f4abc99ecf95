/**
 * @module k8s/logging.int.test — component logging (Fluent Bit): the backend is named by a patch (Elasticsearch
 * here; k8s/overlays/k3s-observability names Loki and is dry-run by k8s.int.test.ts), the DaemonSet mounts the
 * files its config includes, it tails only framegate's and Argo's namespaces, and its ServiceAccount may get
 * pods in those two namespaces and nothing else (asked of a real kube-apiserver with kubectl auth can-i).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { applyObjects, startKube, type KubeCluster } from "../test/harness/kube.js";
import { REPO_ROOT, toolPath } from "../test/harness/util.js";
import { kustomize, type K8sObject } from "./kustomize.js";

const run = promisify(execFile);
const DIR = join(REPO_ROOT, "k8s/components/logging");
const work = mkdtempSync(join(REPO_ROOT, "k8s/.logging-build-"));
let kube: KubeCluster | undefined;
afterAll(async () => {
  await kube?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The component with Elasticsearch named the way docs/deploy.md says. */
async function buildWithElasticsearch(): Promise<K8sObject[]> {
  const es = readFileSync(join(DIR, "output-elasticsearch.conf"), "utf8");
  writeFileSync(
    join(work, "kustomization.yaml"),
    stringify({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      components: [relative(work, DIR)],
      patches: [{ target: { kind: "ConfigMap", name: "fluent-bit-output" }, patch: stringify([{ op: "replace", path: "/data/output.conf", value: es }]) }],
    }),
  );
  return (await kustomize(work)).objects;
}

describe("component logging", () => {
  it("ships to the backend a patch names, with config files where the DaemonSet mounts them", async () => {
    const objects = await buildWithElasticsearch();
    const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
    const output = byKind("ConfigMap").find((o) => o.metadata.name.startsWith("fluent-bit-output-"))!;
    const outputConf = (output.data as Record<string, string>)["output.conf"]!;
    expect(outputConf).toMatch(/^\s+Name\s+es$/m);
    expect(outputConf).toMatch(/^\s+storage\.total_limit_size\s+\d+M$/m);
    expect(outputConf).not.toMatch(/loki/);
    const config = (byKind("ConfigMap").find((o) => o.metadata.name.startsWith("fluent-bit-config-"))!.data as Record<string, string>)["fluent-bit.conf"]!;
    expect(config).toMatch(/^\s+Path\s+\/var\/log\/containers\/\*_framegate_\*\.log,\/var\/log\/containers\/\*_argo_\*\.log$/m);
    expect(config).toMatch(/^\s+Mem_Buf_Limit\s+\d+MB$/m);

    const ds = byKind("DaemonSet")[0]!;
    const pod = (ds.spec as { template: { spec: { serviceAccountName: string; containers: Array<Record<string, any>>; volumes: Array<Record<string, any>> } } }).template.spec;
    const c = pod.containers[0]!;
    const mountOf = (volume: string) => (c.volumeMounts as Array<{ name: string; mountPath: string }>).find((m) => m.name === volume)!.mountPath;
    const cmName = (volume: string) => pod.volumes.find((v) => v.name === volume)!.configMap.name as string;
    expect(cmName("output")).toBe(output.metadata.name);
    expect(config).toContain(`@INCLUDE ${mountOf("output")}/output.conf`);
    expect(c.args).toEqual([`--config=${mountOf("config")}/fluent-bit.conf`]);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(pod.serviceAccountName).toBe("fluent-bit");
    expect(objects.filter((o) => o.kind.startsWith("Cluster")), "no cluster-wide RBAC").toEqual([]);
  });

  it("lets Fluent Bit get pods in framegate and argo, and nothing else", async () => {
    const objects = await buildWithElasticsearch();
    kube = await startKube();
    const kc = kube.kubeConfig();
    await applyObjects(kc, ["framegate", "argo"].map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })));
    await applyObjects(kc, objects.filter((o) => ["Namespace", "ServiceAccount", "Role", "RoleBinding"].includes(o.kind)));
    // kubectl reads "pods/log" as pod "log": a subresource goes in --subresource
    const can = async (verb: string, resource: string, ns: string) => {
      const [res, sub] = resource.split("/");
      const args = ["--kubeconfig", kube!.kubeconfigPath, "auth", "can-i", verb, res!, "-n", ns, "--as=system:serviceaccount:framegate-logging:fluent-bit", ...(sub ? [`--subresource=${sub}`] : [])];
      const r = await run(toolPath("KUBECTL"), args).catch((e: { code?: number }) => e);
      return !("code" in r) || r.code === 0;
    };
    for (const ns of ["framegate", "argo"]) expect(await can("get", "pods", ns), `get pods -n ${ns}`).toBe(true);
    const denied: Array<[string, string, string]> = [
      ["list", "pods", "framegate"],
      ["watch", "pods", "argo"],
      ["get", "pods", "kube-system"],
      ["get", "pods", "default"],
      ["get", "secrets", "framegate"],
      ["get", "pods/log", "framegate"],
      ["get", "configmaps", "framegate"],
      ["list", "namespaces", "framegate"],
      ["delete", "pods", "argo"],
    ];
    for (const [verb, resource, ns] of denied) expect(await can(verb, resource, ns), `must not ${verb} ${resource} -n ${ns}`).toBe(false);
  }, 120_000);
});
