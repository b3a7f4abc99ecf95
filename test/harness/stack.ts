/**
 * @module test/harness/stack — the whole local stack in one call: nats-server (JetStream, intake streams),
 * MinIO (notifying that NATS), etcd + kube-apiserver, kwok + kube-scheduler and Argo's workflow-controller;
 * with `runner`, the pod runner's node runs the Workflow steps as local processes instead of kwok.
 * Independent parts start in parallel; `level` stops at the part a test needs.
 */
import { startArgo, type ArgoOptions, type ArgoStack } from "./argo.js";
import { startKube, type KubeCluster, type KubeOptions } from "./kube.js";
import { startKwok, type FakeNodes, type KwokOptions } from "./kwok.js";
import { startMinio, type MinioOptions, type MinioServer } from "./minio.js";
import { createIntakeStreams, startNats, type IntakeStreams, type NatsOptions, type NatsServer } from "./nats.js";
import { clusterAsServer, startNatsCluster, type NatsCluster, type NatsClusterOptions } from "./nats-cluster.js";
import { startPodRunner, type PodRunner, type PodRunnerOptions } from "./pod-runner.js";
import { progress, since } from "./util.js";

/** How much of the stack to start; each level includes the ones before it. */
export type StackLevel = "nats" | "minio" | "kube" | "argo";

/** Options of {@link startStack}. */
export interface StackOptions<L extends StackLevel = StackLevel> {
  /** `nats` | `minio` (+MinIO) | `kube` (+etcd, kube-apiserver) | `argo` (+kwok, scheduler, controller; default) */
  level?: L;
  nats?: NatsOptions;
  /** a JetStream cluster (nats-cluster.ts) instead of one server: `stack.nats` stands for it, `stack.natsCluster` is it */
  natsCluster?: NatsClusterOptions;
  /** names of the intake streams (defaults FRAMEGATE, FRAMEGATE_DLQ, subject minio.events) */
  streams?: Partial<IntakeStreams>;
  minio?: Omit<MinioOptions, "natsHostPort" | "natsUser" | "subject" | "fast">;
  kube?: KubeOptions;
  kwok?: KwokOptions;
  argo?: Omit<ArgoOptions, "minio">;
  /**
   * run Workflow steps for real (pod-runner.ts): its node is the only one unless `kwok.nodes` names
   * fake nodes too (the scheduler would put most pods on those)
   */
  runner?: PodRunnerOptions;
}

/** Level `nats`: a JetStream server with the intake streams. */
export interface NatsStack extends AsyncDisposable {
  nats: NatsServer;
  /** set with the option `natsCluster`: its servers, to kill and restart one at a time */
  natsCluster?: NatsCluster;
  streams: IntakeStreams;
  /** stops every part, last started first */
  stop(): Promise<void>;
}
/** Level `minio`: + MinIO publishing bucket notifications to `streams.minioSubject`. */
export interface MinioStack extends NatsStack {
  minio: MinioServer;
}
/** Level `kube`: + etcd and kube-apiserver. */
export interface KubeStack extends MinioStack {
  kube: KubeCluster;
}
/** Level `argo`: + fake nodes (kwok, kube-scheduler) and Argo (CRDs, RBAC, workflow-controller). */
export interface FullStack extends KubeStack {
  nodes: FakeNodes;
  argo: ArgoStack;
  /** set when `runner` was given: the node whose pods run as local processes */
  runner?: PodRunner;
}

/** The stack type of a level. */
export type StackFor<L extends StackLevel> = L extends "nats"
  ? NatsStack
  : L extends "minio"
    ? MinioStack
    : L extends "kube"
      ? KubeStack
      : FullStack;

const ORDER: StackLevel[] = ["nats", "minio", "kube", "argo"];

/**
 * Starts the stack up to `level` (default `argo`: everything). On failure, whatever started is stopped and
 * the first error is thrown (with the failing server's output).
 *
 * @example
 * await using stack = await startStack({ level: "minio" });
 * await stack.minio.client.putObject("raw", "cam-1/a.jpg", Buffer.from("x"));
 */
export async function startStack<L extends StackLevel = "argo">(opts: StackOptions<L> = {}): Promise<StackFor<L>> {
  const level: StackLevel = opts.level ?? "argo";
  const upTo = (l: StackLevel) => ORDER.indexOf(level) >= ORDER.indexOf(l);
  const t0 = Date.now();
  const started: { stop(): Promise<void> }[] = [];
  const parts: Partial<FullStack> = {};
  const track = <T extends { stop(): Promise<void> }>(p: T) => (started.push(p), p);

  const stop = async () => {
    const errors: unknown[] = [];
    for (const p of started.reverse()) {
      await p.stop().catch((e: unknown) => errors.push(e));
    }
    started.length = 0;
    if (errors.length) throw errors[0];
  };

  // messaging and storage on one branch, the cluster on the other: they do not depend on each other
  const messaging = async () => {
    if (opts.natsCluster) {
      parts.natsCluster = track(await startNatsCluster(opts.natsCluster));
      parts.nats = clusterAsServer(parts.natsCluster);
    } else parts.nats = track(await startNats(opts.nats));
    // on a cluster at its size: framegate setup would raise them otherwise (see nats-cluster.ts on scaling up)
    parts.streams = await createIntakeStreams(parts.nats, opts.streams, parts.natsCluster?.servers.length ?? 1);
    if (upTo("minio")) {
      parts.minio = track(await startMinio({ ...opts.minio, natsHostPort: parts.nats.hostPort, natsUser: parts.nats.credentials("minio"), subject: parts.streams.minioSubject, fast: { user: parts.nats.credentials("minio-fast") } }));
    }
  };
  const cluster = async () => {
    if (!upTo("kube")) return;
    parts.kube = track(await startKube(opts.kube));
    if (!upTo("argo")) return;
    const kwok = opts.runner ? { nodes: [], ...opts.kwok } : opts.kwok;
    parts.nodes = track(await startKwok(parts.kube, kwok));
    if (opts.runner) parts.runner = track(await startPodRunner(parts.kube.kubeConfig(), opts.runner));
  };

  const results = await Promise.allSettled([messaging(), cluster()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  try {
    if (failed) throw failed.reason;
    if (upTo("argo")) parts.argo = track(await startArgo(parts.kube!, { ...opts.argo, minio: parts.minio }));
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  progress(`stack (${level}) ready in ${since(t0)}`);
  return { ...parts, stop, [Symbol.asyncDispose]: stop } as unknown as StackFor<L>;
}
