/**
 * @module test/harness/pod-runner — plays the kubelet for one node it registers (`framegate-runner`):
 * every pod the scheduler binds there has its `main` container run as a local process (the service's
 * real code, see pod-runner-images.ts), and its status written back through the `status` subresource
 * (Running, then `main` terminated with the real exit code, Argo's `init`/`wait` containers exited 0),
 * so Argo's controller advances the DAG and retries by the real exit code. kwok leaves this node alone
 * (it only manages nodes annotated `kwok.x-k8s.io/node=fake`).
 */
import { spawn } from "node:child_process";
import { CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { apiMessage, applyObjects } from "./kube.js";
import { RingBuffer } from "./process.js";
import { containerEnv, localCommand, serviceImages, type LocalImage } from "./pod-runner-images.js";
import { MAIN, finished, runningStatus, writeStatus } from "./pod-runner-status.js";
import { makeTempDir, progress } from "./util.js";

/** Options of {@link startPodRunner}. */
export interface PodRunnerOptions {
  /** node name, default `framegate-runner` */
  node?: string;
  /** processes at once and the node's allocatable CPU (the scheduler queues pods beyond it), default 2 */
  maxProcesses?: number;
  /** a process running longer is killed (exit 137), default 120 s */
  timeoutMs?: number;
  /** extra image repositories -> local commands (on top of services/); one image may have several entrypoints */
  images?: Record<string, LocalImage | LocalImage[]>;
  /** bytes of output kept per pod, default 64 KiB; logs of the last 200 pods are kept */
  logBytes?: number;
  /** how often pods on the node are listed, default 200 ms */
  pollMs?: number;
}

/** What the runner did so far. */
export interface PodRunnerStats {
  started: number;
  succeeded: number;
  failed: number;
  running: number;
  /** most processes seen running at once (never above maxProcesses) */
  peakRunning: number;
}

/** A running pod runner. `stop()` kills its processes; the node object stays. */
export interface PodRunner extends AsyncDisposable {
  readonly node: string;
  stats(): PodRunnerStats;
  /** captured stdout+stderr of a pod's `main` container (last `logBytes`) */
  logs(pod: string): string | undefined;
  stop(): Promise<void>;
}

const KEEP_LOGS = 200;

/**
 * Registers the node and starts playing its kubelet.
 * @example await using runner = await startPodRunner(kube.kubeConfig(), { maxProcesses: 2 });
 */
export async function startPodRunner(kc: KubeConfig, opts: PodRunnerOptions = {}): Promise<PodRunner> {
  const node = opts.node ?? "framegate-runner";
  const max = opts.maxProcesses ?? 2;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const images = { ...(await serviceImages()), ...opts.images };
  const core = kc.makeApiClient(CoreV1Api);
  await registerNode(kc, core, node, max);

  const stats: PodRunnerStats = { started: 0, succeeded: 0, failed: 0, running: 0, peakRunning: 0 };
  const seen = new Set<string>(); // pod uids started (or finished) by this runner
  const children = new Map<string, () => void>(); // uid -> kill
  const logs = new Map<string, RingBuffer>();
  let stopped = false;

  const run = async (pod: V1Pod) => {
    const uid = pod.metadata!.uid!;
    const name = pod.metadata!.name!;
    const startedAt = new Date();
    const out = new RingBuffer(opts.logBytes ?? 64 * 1024);
    logs.set(name, out);
    if (logs.size > KEEP_LOGS) logs.delete(logs.keys().next().value!);
    let code: number;
    let reason = "Completed";
    const tmp = makeTempDir(`pod-${name}`);
    try {
      const main = pod.spec!.containers.find((c) => c.name === MAIN) ?? pod.spec!.containers[0]!;
      let cmd, env;
      try {
        cmd = localCommand(main, images);
        env = await containerEnv(core, pod, main);
      } catch (err) {
        out.push(`${(err as Error).message}\n`);
        await writeStatus(core, pod, finished(pod, startedAt, 128, "CreateContainerConfigError", (err as Error).message));
        return void stats.failed++;
      }
      await writeStatus(core, pod, runningStatus(pod, startedAt));
      // the pod's emptyDir at /tmp (SCRATCH_MOUNT) is a fresh temp dir per pod
      const base = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmp.path, TMPDIR: tmp.path };
      code = await new Promise<number>((resolve) => {
        const child = spawn(cmd.command, cmd.args, { cwd: cmd.cwd, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        children.set(uid, () => child.kill("SIGKILL"));
        const timer = setTimeout(() => {
          reason = "DeadlineExceeded";
          out.push(`\n[pod runner: killed after ${timeoutMs} ms]\n`);
          child.kill("SIGKILL");
        }, timeoutMs);
        child.stdout.on("data", (b: Buffer) => out.push(b.toString("utf8")));
        child.stderr.on("data", (b: Buffer) => out.push(b.toString("utf8")));
        child.once("error", (err) => (out.push(`${err.message}\n`), (reason = "StartError")));
        child.once("close", (c, signal) => {
          clearTimeout(timer);
          children.delete(uid);
          resolve(c ?? (signal === "SIGKILL" ? 137 : 128));
        });
      });
      if (code !== 0 && reason === "Completed") reason = "Error";
      // like terminationMessagePolicy FallbackToLogsOnError: the end of the output is the message
      const message = code === 0 ? "" : out.toString().slice(-1024);
      await writeStatus(core, pod, finished(pod, startedAt, code, reason, message));
      if (code === 0) stats.succeeded++;
      else stats.failed++;
    } catch (err) {
      if (!stopped) progress(`pod runner: pod ${name}: ${apiMessage(err)}`);
    } finally {
      tmp.remove();
      stats.running--;
      children.delete(uid);
    }
  };

  const tick = async () => {
    const list = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
    const listed = new Set(list.items.map((p) => p.metadata!.uid!));
    for (const uid of seen) if (!listed.has(uid)) seen.delete(uid); // bounded by the pods on the node
    for (const pod of list.items) {
      const uid = pod.metadata!.uid!;
      if (pod.metadata?.deletionTimestamp) {
        children.get(uid)?.();
        await core.deleteNamespacedPod({ name: pod.metadata.name!, namespace: pod.metadata.namespace!, gracePeriodSeconds: 0 }).catch(() => {});
        continue;
      }
      if (seen.has(uid) || ["Succeeded", "Failed"].includes(pod.status?.phase ?? "")) continue;
      if (stats.running >= max) continue; // stays Pending until a process ends
      seen.add(uid);
      stats.started++;
      stats.running++;
      stats.peakRunning = Math.max(stats.peakRunning, stats.running);
      void run(pod);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    if (stopped) return;
    await tick().catch((err: unknown) => progress(`pod runner: listing pods on ${node} failed: ${apiMessage(err)}`));
    if (!stopped) timer = setTimeout(() => void loop(), opts.pollMs ?? 200);
  };
  void loop();
  progress(`pod runner: node ${node} (${max} processes at once)`);

  const stop = async () => {
    stopped = true;
    clearTimeout(timer);
    for (const kill of children.values()) kill();
  };
  return {
    node,
    stats: () => ({ ...stats }),
    logs: (pod) => logs.get(pod)?.toString(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function registerNode(kc: KubeConfig, core: CoreV1Api, name: string, cpu: number): Promise<void> {
  const labels = { "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "kubernetes.io/hostname": name, type: "framegate-runner" };
  await applyObjects(kc, [{ apiVersion: "v1", kind: "Node", metadata: { name, labels } }]);
  const n = await core.readNode({ name });
  const now = new Date();
  const resources = { cpu: String(cpu), memory: "4Gi", pods: "110" };
  n.status = {
    ...n.status,
    capacity: resources,
    allocatable: resources,
    addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
    conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "framegate pod runner", lastHeartbeatTime: now, lastTransitionTime: now }],
  };
  await core.replaceNodeStatus({ name, body: n });
}
