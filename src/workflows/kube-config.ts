/**
 * @module workflows/kube-config — checks a kubeconfig before anything connects with it, so a setting
 * `@kubernetes/client-node` refuses deep inside its first request is reported as what it is, with the fix.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { FramegateError } from "../lib/errors.js";

/** What client-node falls back to when it finds no kubeconfig and no ServiceAccount. */
const FALLBACK = { context: "loaded-context", cluster: "cluster", server: "http://localhost:8080" } as const;

/**
 * Loads the kubeconfig the way kubectl finds it (KUBECONFIG, ~/.kube/config, the pod's ServiceAccount) and
 * checks it ({@link checkKubeConfig}). `kubeconfigVar` is KUBECONFIG's value, for the message.
 * @throws FramegateError saying which file could not be read, or that there is none, and what to set
 */
export function loadKubeConfig(kubeconfigVar: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (e) {
    throw new FramegateError(`cannot load the kubeconfig (KUBECONFIG=${kubeconfigVar ?? "(unset)"}): ${(e as Error).message} — point KUBECONFIG at a readable kubeconfig file`, { cause: e });
  }
  checkKubeConfig(kc);
  return kc;
}

/** Where the gateway talks to Kubernetes, for start-up logs. */
export function kubeTarget(kc: KubeConfig): { context: string; server: string } {
  return { context: kc.getCurrentContext(), server: kc.getCurrentCluster()?.server ?? "(no cluster)" };
}

/**
 * @throws FramegateError when no kubeconfig was found (client-node's fallback), the current context has no cluster, or its cluster is plain `http://` without
 * `insecure-skip-tls-verify: true` (client-node refuses that with "HTTP protocol is not allowed ...")
 */
export function checkKubeConfig(kc: KubeConfig): void {
  const cluster = kc.getCurrentCluster();
  if (kc.getCurrentContext() === FALLBACK.context && cluster?.name === FALLBACK.cluster && cluster.server === FALLBACK.server) {
    throw new FramegateError(
      "found no kubeconfig: KUBECONFIG is not set, ~/.kube/config does not exist, and this is not a pod with a ServiceAccount — set KUBECONFIG to the kubeconfig of the identity the gateway uses (docs/deploy.md)",
    );
  }
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
