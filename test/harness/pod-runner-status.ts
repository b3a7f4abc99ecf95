/**
 * @module test/harness/pod-runner-status — the pod statuses the pod runner writes, shaped as the kubelet's:
 * Running with every container running (init containers done), then `main` terminated with its exit code
 * and the others (Argo's `wait`) exited 0; written through the `status` subresource.
 */
import type { CoreV1Api, V1ContainerStatus, V1Pod, V1PodCondition } from "@kubernetes/client-node";

/** The container Argo runs the step in. */
export const MAIN = "main";

function conditions(ready: boolean, now: Date): V1PodCondition[] {
  const s = ready ? "True" : "False";
  return [
    { type: "PodScheduled", status: "True", lastTransitionTime: now },
    { type: "Initialized", status: "True", lastTransitionTime: now },
    { type: "ContainersReady", status: s, lastTransitionTime: now },
    { type: "Ready", status: s, lastTransitionTime: now },
  ];
}

/** Init containers (Argo's `init`) have run; every container runs. */
export function runningStatus(pod: V1Pod, startedAt: Date): V1Pod["status"] {
  return {
    phase: "Running",
    startTime: startedAt,
    hostIP: "127.0.0.1",
    podIP: "127.0.0.1",
    conditions: conditions(true, startedAt),
    initContainerStatuses: initStatuses(pod, startedAt),
    containerStatuses: pod.spec!.containers.map((c) => ({
      name: c.name,
      image: c.image ?? "",
      imageID: "",
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt } },
    })),
  };
}

/** `main` terminated with `code`; the others (Argo's `wait`) exited 0. */
export function finished(pod: V1Pod, startedAt: Date, code: number, reason: string, message: string): V1Pod["status"] {
  const now = new Date();
  const status = (name: string, image: string, exitCode: number, r: string, msg?: string): V1ContainerStatus => ({
    name,
    image,
    imageID: "",
    ready: false,
    started: false,
    restartCount: 0,
    state: { terminated: { exitCode, reason: r, startedAt, finishedAt: now, ...(msg ? { message: msg } : {}) } },
  });
  return {
    phase: code === 0 ? "Succeeded" : "Failed",
    startTime: startedAt,
    hostIP: "127.0.0.1",
    podIP: "127.0.0.1",
    conditions: conditions(false, now),
    initContainerStatuses: initStatuses(pod, startedAt),
    containerStatuses: pod.spec!.containers.map((c) =>
      c.name === MAIN ? status(c.name, c.image ?? "", code, reason, message) : status(c.name, c.image ?? "", 0, "Completed"),
    ),
  };
}

function initStatuses(pod: V1Pod, at: Date): V1ContainerStatus[] {
  return (pod.spec!.initContainers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? "",
    imageID: "",
    ready: true,
    started: false,
    restartCount: 0,
    state: { terminated: { exitCode: 0, reason: "Completed", startedAt: at, finishedAt: at } },
  }));
}

/** Replaces the pod's status (read, set, replace; again on a conflict). */
export async function writeStatus(core: CoreV1Api, pod: V1Pod, status: V1Pod["status"]): Promise<void> {
  const { name, namespace } = { name: pod.metadata!.name!, namespace: pod.metadata!.namespace! };
  for (let attempt = 0; ; attempt++) {
    const cur = await core.readNamespacedPod({ name, namespace });
    cur.status = status;
    try {
      await core.replaceNamespacedPodStatus({ name, namespace, body: cur });
      return;
    } catch (err) {
      if (attempt >= 5 || (err as { code?: number }).code !== 409) throw err;
    }
  }
}
