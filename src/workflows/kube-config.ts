/**
 * @module workflows/kube-config — checks a kubeconfig before anything connects with it, so a setting
 * `@kubernetes/client-node` refuses deep inside its first request is reported as what it is, with the fix.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { FramegateError } from "../lib/errors.js";

/** Where the gateway talks to Kubernetes, for start-up logs. */
export function kubeTarget(kc: KubeConfig): { context: string; server: string } {
  return { context: kc.getCurrentContext(), server: kc.getCurrentCluster()?.server ?? "(no cluster)" };
}

/**
 * @throws FramegateError when the current context has no cluster, or its cluster is plain `http://` without
 * `insecure-skip-tls-verify: true` (client-node refuses that with "HTTP protocol is not allowed ...")
 */
export function checkKubeConfig(kc: KubeConfig): void {
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new FramegateError(
      `the kubeconfig's current context ${JSON.stringify(kc.getCurrentContext())} names no cluster: set KUBECONFIG to a kubeconfig with a current-context, or run in a pod with a ServiceAccount`,
    );
  }
  if (cluster.server.startsWith("http:") && !cluster.skipTLSVerify) {
    throw new FramegateError(
      `the kubeconfig's cluster ${JSON.stringify(cluster.name)} is plain ${cluster.server} (kubectl proxy?), which the Kubernetes client refuses unless the cluster says "insecure-skip-tls-verify: true": ` +
        `add that line under the cluster in KUBECONFIG for a local proxy, or point KUBECONFIG at the API server's https:// address`,
    );
  }
}
