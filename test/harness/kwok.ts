/**
 * @module test/harness/kwok — fake nodes for the harness cluster: kwok plays the kubelet for nodes
 * annotated `kwok.x-k8s.io/node=fake` (pods go Pending -> Running -> Succeeded, see kwok-stages.yaml), and a
 * real kube-scheduler gives pods a nodeName (kwok only touches pods bound to its nodes).
 */
import { request } from "node:https";
import { join } from "node:path";
import { CoreV1Api, type V1Node } from "@kubernetes/client-node";
import { HarnessError, ManagedProcess } from "./process.js";
import { apiMessage, applyObjects, type KubeCluster } from "./kube.js";
import { waitFor } from "./wait.js";
import { HOST, REPO_ROOT, freePort, makeTempDir, progress, retryOnPortRace, since, toolPath } from "./util.js";

/** The pod stages kwok runs (vendored from kwok v0.7.0 and adapted; see the file's header). */
export const KWOK_STAGES_FILE = join(REPO_ROOT, "test/harness/kwok-stages.yaml");

/** Annotation that makes kwok fail a pod with that exit code in its `main` container. */
export const KWOK_EXIT_CODE_ANNOTATION = "framegate.dev/kwok-exit-code";

/** A fake node to create. */
export interface FakeNode {
  name: string;
  labels?: Record<string, string>;
  /** e.g. `[{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }]`, as NVIDIA's GPU operator taints GPU nodes */
  taints?: { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
  /** extra capacity (= allocatable), e.g. `{ "nvidia.com/gpu": "1" }` as NVIDIA's device plugin advertises it */
  resources?: Record<string, string>;
}

/** Default nodes: one plain, one labelled `hardware=gpu` (for nodeSelector steps). */
export const DEFAULT_NODES: FakeNode[] = [
  { name: "kwok-node-0" },
  { name: "kwok-gpu-0", labels: { hardware: "gpu" } },
];

/** Options of {@link startKwok}. */
export interface KwokOptions {
  nodes?: FakeNode[];
  /** readiness deadline, default 60 s */
  deadlineMs?: number;
}

/** Running kwok + kube-scheduler. Dispose (or `stop()`) kills both; the node objects stay in the cluster. */
export interface FakeNodes extends AsyncDisposable {
  readonly nodes: string[];
  output(): { kwok: string; scheduler: string };
  stop(): Promise<void>;
}

/**
 * Creates fake nodes, starts kwok for them and kube-scheduler, and waits until every node is Ready.
 *
 * @example
 * await using kube = await startKube();
 * await using nodes = await startKwok(kube);
 */
export async function startKwok(kube: KubeCluster, opts: KwokOptions = {}): Promise<FakeNodes> {
  const kwokBin = toolPath("KWOK");
  const schedulerBin = toolPath("KUBE_SCHEDULER");
  const deadlineMs = opts.deadlineMs ?? 60_000;
  const nodes = opts.nodes ?? DEFAULT_NODES;
  const dir = makeTempDir("kwok");
  const t0 = Date.now();
  let kwok: ManagedProcess | undefined;
  let scheduler: ManagedProcess | undefined;
  const cleanup = async () => {
    await Promise.all([kwok?.stop(), scheduler?.stop()]);
    dir.remove();
  };

  try {
    const kc = kube.kubeConfig();
    await applyObjects(kc, nodes.map(nodeObject));

    kwok = await ManagedProcess.start(
      {
        name: "kwok",
        command: kwokBin,
        args: [
          `--kubeconfig=${kube.kubeconfigPath}`,
          `--config=${KWOK_STAGES_FILE}`,
          "--manage-all-nodes=false",
          "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        ],
        env: { HOME: dir.path }, // kwok also reads ~/.kwok/kwok.yaml: keep the user's out
      },
      async () => allReady(kc.makeApiClient(CoreV1Api), nodes),
      deadlineMs,
    );
    progress(`kwok: ${nodes.length} nodes Ready in ${since(t0)}`);

    await retryOnPortRace("kube-scheduler", async () => {
      const port = await freePort();
      const t1 = Date.now();
      scheduler = await ManagedProcess.start(
        {
          name: "kube-scheduler",
          command: schedulerBin,
          args: [
            `--kubeconfig=${kube.kubeconfigPath}`,
            "--leader-elect=false",
            `--bind-address=${HOST}`,
            `--secure-port=${port}`,
            `--cert-dir=${dir.path}`,
            "--v=1",
          ],
        },
        async () => (await insecureStatus(`https://${HOST}:${port}/healthz`)) === 200,
        deadlineMs,
      );
      progress(`kube-scheduler ready on ${HOST}:${port} in ${since(t1)}`);
    });
  } catch (e) {
    const out = `--- kwok ---\n${kwok?.output.toString() ?? ""}\n--- kube-scheduler ---\n${scheduler?.output.toString() ?? ""}`;
    await cleanup();
    if (e instanceof HarnessError) throw e;
    throw new HarnessError(`starting kwok/kube-scheduler failed: ${(e as Error).message}`, out, { cause: e });
  }

  return {
    nodes: nodes.map((n) => n.name),
    output: () => ({ kwok: kwok?.output.toString() ?? "", scheduler: scheduler?.output.toString() ?? "" }),
    stop: cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}

/** The Node object kwok manages (no taints unless the node asks for them: the harness has no real nodes to protect). */
export function nodeObject(n: FakeNode): V1Node & { apiVersion: string; kind: string } {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: n.name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": n.name,
        "node-role.kubernetes.io/agent": "",
        type: "kwok",
        ...n.labels,
      },
    },
    ...(n.taints ? { spec: { taints: n.taints } } : {}),
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: "110", ...n.resources },
      capacity: { cpu: "32", memory: "256Gi", pods: "110", ...n.resources },
    },
  };
}

async function allReady(core: CoreV1Api, nodes: FakeNode[]): Promise<boolean> {
  const list = await core.listNode();
  const ready = new Set(
    list.items
      .filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
      .map((n) => n.metadata?.name),
  );
  return nodes.every((n) => ready.has(n.name));
}

function insecureStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(0));
    req.end();
  });
}

/** Waits until pod `name` in `namespace` has a nodeName (scheduled) — a check for tests. */
export async function waitScheduled(kube: KubeCluster, namespace: string, name: string, deadlineMs = 30_000): Promise<string> {
  const core = kube.kubeConfig().makeApiClient(CoreV1Api);
  let node = "";
  await waitFor(`pod ${namespace}/${name} being scheduled`, async () => {
      node = (await core.readNamespacedPod({ name, namespace })).spec?.nodeName ?? "";
      return !!node;
    }, deadlineMs, { pollMs: 200, describeError: apiMessage });
  return node;
}
