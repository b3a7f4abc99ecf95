/**
 * @module test/harness/pipeline-resources — framegate's resources in a harness cluster, as k8s/base
 * installs them: the CRDs (waited for until served), the gateway's namespace with its Role from
 * k8s/base/gateway/rbac.yaml bound to the harness's gateway ServiceAccount, and the example Pipelines and
 * the catalog applied as resources. For tests and `make demo --kubernetes` of FRAMEGATE_RULES_SOURCE=kubernetes.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { KubeCluster } from "./kube.js";
import { HarnessError } from "./process.js";
import { REPO_ROOT, toolPath } from "./util.js";

const exec = promisify(execFile);

export interface PipelineResourcesOptions {
  /** the gateway's namespace (default `framegate`, the one k8s/base/gateway/rbac.yaml expects) */
  namespace?: string;
  /** the ServiceAccount the gateway runs as (the harness's Argo install makes `argo/framegate-gateway`) */
  gateway: { namespace: string; name: string };
  /** the Pipeline files (default pipelines/) */
  pipelinesDir?: string;
  /** catalog entries to apply (default resize, detect, blur) */
  services?: string[];
}

/** Installs them with kubectl as the cluster's admin; returns the namespace. */
export async function installPipelineResources(kube: KubeCluster, o: PipelineResourcesOptions): Promise<string> {
  const ns = o.namespace ?? "framegate";
  const kubectl = async (...args: string[]) => {
    try {
      return (await exec(toolPath("KUBECTL"), ["--kubeconfig", kube.kubeconfigPath, ...args])).stdout;
    } catch (e) {
      throw new HarnessError(`kubectl ${args.join(" ")} failed: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`, "", { cause: e });
    }
  };
  await kubectl("apply", "-k", join(REPO_ROOT, "k8s", "base", "crds"));
  await kubectl("wait", "--for=condition=Established", "--timeout=30s", "crd", "-l", "app.kubernetes.io/part-of=framegate");
  await kubectl("create", "namespace", ns);
  await kubectl("apply", "-n", ns, "-f", join(REPO_ROOT, "k8s", "base", "gateway", "rbac.yaml"));
  await kubectl("create", "rolebinding", "-n", ns, "framegate-gateway-harness", "--role=framegate-gateway", `--serviceaccount=${o.gateway.namespace}:${o.gateway.name}`);
  await kubectl("apply", "-n", ns, "-f", o.pipelinesDir ?? join(REPO_ROOT, "pipelines"));
  for (const s of o.services ?? ["resize", "detect", "blur"]) await kubectl("apply", "-n", ns, "-f", join(REPO_ROOT, "services", s, "service.yaml"));
  return ns;
}
