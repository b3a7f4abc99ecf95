/**
 * @module test/harness/argo — Argo Workflows on the harness cluster: the minimal CRDs (vendored in
 * argo-crds/), the `argo` namespace with the controller ConfigMap (artifacts in the harness MinIO), the
 * gateway's and the runner's ServiceAccounts with least-privilege Roles, and a real `workflow-controller`
 * (namespaced, no leader election), or several of them as Argo controller shards, each with its own `instanceID`
 * (a ConfigMap of its own, `workflow-controller-configmap-<id>`). Pods run nowhere (kwok.ts completes them) or as local processes
 * (pod-runner.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { parseAllDocuments, stringify } from "yaml";
import { HarnessError, ManagedProcess } from "./process.js";
import { apiMessage, applyObjects, type KubeCluster } from "./kube.js";
import { waitFor } from "./wait.js";
import type { MinioServer } from "./minio.js";
import { REPO_ROOT, progress, since, toolPath } from "./util.js";
import { SEMAPHORE_CONFIGMAP } from "../../src/workflows/semaphores.js";

/** Argo version the harness binaries and CRDs come from (see scripts/tools.sh). */
export const ARGO_VERSION = "v3.6.18";

/** Where the minimal CRDs are vendored. */
export const ARGO_CRDS_DIR = join(REPO_ROOT, "test/harness/argo-crds");

/** The controller's ConfigMap (Argo's default name); a shard's is `<this>-<instanceID>`. */
export const CONTROLLER_CONFIGMAP = "workflow-controller-configmap";

/** The JSON patch of k8s/base/argo that sets the controller's flags (docs/deploy.md, step 2). */
export const CONTROLLER_ARGS_PATCH = join(REPO_ROOT, "k8s/base/argo/workflow-controller-args.yaml");

/** ServiceAccount the gateway submits Workflows as. */
export const GATEWAY_SA = "framegate-gateway";
/** ServiceAccount Workflow pods run as (`spec.serviceAccountName`). */
export const RUNNER_SA = "framegate-runner";
/** Secret with the MinIO `endpoint`, `accessKey`, `secretKey` of the steps' user (the service contract's MINIO_*). */
export const MINIO_SECRET = "framegate-minio";
/** Secret with the artifact repository's user (Argo's log archive), as k8s/create-secrets.sh names it. */
export const MINIO_ARTIFACTS_SECRET = "framegate-minio-artifacts";

/** Options of {@link installArgo} and {@link startArgo}. */
export interface ArgoOptions {
  /** namespace for Workflows and the controller (default `argo`) */
  namespace?: string;
  /**
   * MinIO for the artifact repository (bucket `argo-artifacts`, Secret `framegate-minio-artifacts`) and the
   * steps' Secret `framegate-minio`: each holds its own identity from `identities`, never the root user
   */
  minio?: Pick<MinioServer, "host" | "port" | "endpoint" | "identities">;
  /** image put in pods for Argo's executor (never pulled: kwok runs the pods) */
  executorImage?: string;
  /** lifetime of the gateway's token, default 24 h */
  tokenSeconds?: number;
  /** readiness deadline, default 60 s */
  deadlineMs?: number;
  /** extra workflow-controller flags, e.g. ["--qps=100", "--burst=200", "--workflow-workers=64"] */
  controllerArgs?: string[];
  /**
   * run one controller per instance ID (Argo controller shards: each runs only the Workflows labelled
   * `workflows.argoproj.io/controller-instanceid=<id>`); default one controller without an instance ID
   */
  instanceIDs?: string[];
  /**
   * `DEFAULT_REQUEUE_TIME` of the controller: how long after a pod change it looks at the Workflow again.
   * Default here `1s` (Argo's floor) so each step costs about a second; Argo's own default is `10s`.
   */
  requeueTime?: string;
  /**
   * serve the controller's Prometheus metrics on this port (HTTPS with a self-signed certificate, Argo's
   * default `metricsConfig.secure`); default: metrics off (every controller would take :9090)
   */
  metricsPort?: number;
  /** with `instanceIDs`: the metrics port of each shard's controller, in the same order (default: metrics off) */
  instanceMetricsPorts?: number[];
}

/** What {@link installArgo} created. */
export interface ArgoInstall {
  namespace: string;
  gatewayServiceAccount: string;
  runnerServiceAccount: string;
  /** a TokenRequest token of the gateway ServiceAccount */
  gatewayToken: string;
  /** client config acting as the gateway ServiceAccount (default namespace set) */
  gatewayKubeConfig(): KubeConfig;
  /** kubeconfig file acting as the gateway ServiceAccount */
  gatewayKubeconfigPath: string;
}

/** Argo installed and its controller(s) running. Dispose (or `stop()`) kills them. */
export interface ArgoStack extends ArgoInstall, AsyncDisposable {
  /** every controller's output (each headed by its instance ID when there are several) */
  output(): string;
  /** the controllers by instance ID ("" for the one without) */
  controllers: Map<string, ManagedProcess>;
  stop(): Promise<void>;
}

/**
 * Installs Argo's CRDs and framegate's namespace, ConfigMap, Secret and RBAC, and starts the controller.
 *
 * @example
 * await using argo = await startArgo(kube, { minio });
 * const api = argo.gatewayKubeConfig().makeApiClient(CustomObjectsApi);
 */
export async function startArgo(kube: KubeCluster, opts: ArgoOptions = {}): Promise<ArgoStack> {
  const install = await installArgo(kube, opts);
  const ids = opts.instanceIDs ?? [""];
  const started = await Promise.allSettled(ids.map((instanceID) => startWorkflowController(kube, install.namespace, { ...opts, instanceID })));
  const controllers = new Map<string, ManagedProcess>();
  started.forEach((r, i) => r.status === "fulfilled" && controllers.set(ids[i]!, r.value));
  const stop = async () => {
    await Promise.all([...controllers.values()].map((c) => c.stop()));
  };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const output = () => [...controllers].map(([id, c]) => (ids.length > 1 ? `--- workflow-controller ${id}\n${c.output}` : c.output.toString())).join("\n");
  return { ...install, controllers, output, stop, [Symbol.asyncDispose]: stop };
}

/** The workflow-controller flags the patch in k8s/base/argo sets (the tuned controller of the shards bench). */
export function tunedControllerArgs(file = CONTROLLER_ARGS_PATCH): string[] {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    const ops = doc.toJS() as { op: string; path: string; value: unknown }[] | null;
    const add = ops?.find((o) => o.path.endsWith("/args/-") || o.path.endsWith("/args"));
    if (add) return (Array.isArray(add.value) ? add.value : [add.value]).map(String);
  }
  throw new HarnessError(`${file}: no patch of the controller's args found`);
}

/** Applies the CRDs (waiting until they are Established) and the namespace, config and RBAC. */
export async function installArgo(kube: KubeCluster, opts: ArgoOptions = {}): Promise<ArgoInstall> {
  const t0 = Date.now();
  const ns = opts.namespace ?? "argo";
  const kc = kube.kubeConfig();
  await applyCrds(kc, opts.deadlineMs ?? 60_000);

  const objects: KubernetesObject[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    controllerConfigMap(ns, opts.minio, opts.metricsPort),
    ...(opts.instanceIDs ?? []).map((id, i) => controllerConfigMap(ns, opts.minio, opts.instanceMetricsPorts?.[i], id)),
    ...rbacObjects(ns),
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: SEMAPHORE_CONFIGMAP, namespace: ns } } as KubernetesObject,
  ];
  if (opts.minio) {
    const { endpoint, identities } = opts.minio;
    for (const [name, id] of [
      [MINIO_SECRET, identities.steps],
      [MINIO_ARTIFACTS_SECRET, identities.artifacts],
    ] as const) {
      objects.push({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace: ns },
        stringData: { endpoint, accessKey: id.accessKey, secretKey: id.secretKey },
      } as KubernetesObject);
    }
  }
  await applyObjects(kc, objects);

  const core = kc.makeApiClient(CoreV1Api);
  let gatewayToken: string;
  try {
    const tr = await core.createNamespacedServiceAccountToken({
      name: GATEWAY_SA,
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: opts.tokenSeconds ?? 86_400 } },
    });
    gatewayToken = tr.status?.token ?? "";
    if (!gatewayToken) throw new Error("the TokenRequest answer has no status.token");
  } catch (e) {
    throw new HarnessError(`requesting a token for ServiceAccount ${ns}/${GATEWAY_SA} failed: ${apiMessage(e)}`, "", { cause: e });
  }
  progress(`argo resources installed in ${ns} in ${since(t0)}`);
  return {
    namespace: ns,
    gatewayServiceAccount: GATEWAY_SA,
    runnerServiceAccount: RUNNER_SA,
    gatewayToken,
    gatewayKubeConfig: () => kube.kubeConfig(gatewayToken, ns),
    gatewayKubeconfigPath: kube.writeKubeconfig(GATEWAY_SA, gatewayToken, ns),
  };
}

/**
 * Starts `workflow-controller` for `namespace` and waits until its informers have synced. With `instanceID`
 * it reads `workflow-controller-configmap-<id>` (installed by {@link installArgo} with `instanceIDs`).
 */
export async function startWorkflowController(
  kube: KubeCluster,
  namespace: string,
  opts: Pick<ArgoOptions, "executorImage" | "deadlineMs" | "controllerArgs" | "requeueTime"> & { instanceID?: string } = {},
): Promise<ManagedProcess> {
  const t0 = Date.now();
  let synced = false;
  const kubeconfig = kube.writeKubeconfig("workflow-controller", kube.adminToken, namespace);
  const id = opts.instanceID ?? "";
  const proc = await ManagedProcess.start(
    {
      name: id ? `workflow-controller-${id}` : "workflow-controller",
      command: toolPath("WORKFLOW_CONTROLLER"),
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--namespace=${namespace}`,
        "--namespaced",
        `--managed-namespace=${namespace}`,
        ...(id ? [`--configmap=${CONTROLLER_CONFIGMAP}-${id}`] : []),
        `--executor-image=${opts.executorImage ?? `quay.io/argoproj/argoexec:${ARGO_VERSION}`}`,
        "--loglevel=info",
        // client limits kept at Argo's defaults (20 QPS, burst 30, 32 workers): benchmarks meet the
        // controller as deployed
        ...(opts.controllerArgs ?? []),
      ],
      // it also serves :6060 (pprof, /healthz) on every interface, hard-coded: a second controller just logs
      // that the port is taken, so readiness is read from the log instead
      env: { LEADER_ELECTION_DISABLE: "true", DEFAULT_REQUEUE_TIME: opts.requeueTime ?? "1s" },
      outputBytes: 256 * 1024,
    },
    async (p) => {
      // logged by the GC loop, which starts once every informer cache has synced
      synced ||= /Performing periodic GC/.test(p.output.toString());
      return synced;
    },
    opts.deadlineMs ?? 60_000,
  );
  progress(`workflow-controller${id ? ` ${id}` : ""} ready in ${since(t0)}`);
  return proc;
}

async function applyCrds(kc: KubeConfig, deadlineMs: number): Promise<void> {
  const files = readdirSync(ARGO_CRDS_DIR).filter((f) => f.startsWith("argoproj.io_") && f.endsWith(".yaml"));
  const crds: V1CustomResourceDefinition[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(join(ARGO_CRDS_DIR, f), "utf8"))) {
      const obj = doc.toJS() as V1CustomResourceDefinition | null;
      if (obj?.kind === "CustomResourceDefinition") crds.push(obj);
    }
  }
  if (crds.length < 8) throw new HarnessError(`expected Argo's 8 minimal CRDs in ${ARGO_CRDS_DIR}, found ${crds.length}`);
  await applyObjects(kc, crds);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    await waitFor(`CRD ${name} becoming Established`, async () => {
        const c = await api.readCustomResourceDefinition({ name });
        return !!c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
      }, deadlineMs, { pollMs: 200, describeError: apiMessage });
  }
}

function controllerConfigMap(ns: string, minio: ArgoOptions["minio"], metricsPort: number | undefined, instanceID?: string): KubernetesObject {
  const data: Record<string, string> = {
    ...(instanceID && { instanceID }),
    // both default to :9090 on every interface; parallel stacks would collide
    metricsConfig: stringify(metricsPort === undefined ? { enabled: false } : { enabled: true, port: metricsPort, path: "/metrics" }),
    telemetryConfig: stringify({ enabled: false }),
  };
  if (minio) {
    data.artifactRepository = stringify({
      s3: {
        bucket: "argo-artifacts",
        endpoint: `${minio.host}:${minio.port}`,
        insecure: true,
        accessKeySecret: { name: MINIO_ARTIFACTS_SECRET, key: "accessKey" },
        secretKeySecret: { name: MINIO_ARTIFACTS_SECRET, key: "secretKey" },
      },
    });
  }
  const name = instanceID ? `${CONTROLLER_CONFIGMAP}-${instanceID}` : CONTROLLER_CONFIGMAP;
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data } as KubernetesObject;
}

/**
 * The gateway may only create and read Workflows in its namespace. The runner gets what Argo's emissary
 * executor needs (v3.4+: WorkflowTaskResults), as k8s/base/argo/runner-rbac.yaml does.
 */
function rbacObjects(ns: string): KubernetesObject[] {
  const sa = (name: string) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: ns } });
  const role = (name: string, rules: unknown[]) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name, namespace: ns },
    rules,
  });
  const binding = (name: string) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name, namespace: ns },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
  });
  return [
    sa(GATEWAY_SA),
    // as k8s/base/argo/gateway-rbac.yaml: Workflows, and the semaphore ConfigMap (k8s/base/argo/semaphores.yaml)
    role(GATEWAY_SA, [
      { apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create", "get", "list", "watch"] },
      { apiGroups: [""], resources: ["configmaps"], resourceNames: [SEMAPHORE_CONFIGMAP], verbs: ["get", "patch"] },
    ]),
    binding(GATEWAY_SA),
    sa(RUNNER_SA),
    role(RUNNER_SA, [
      { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] },
    ]),
    binding(RUNNER_SA),
  ] as KubernetesObject[];
}
