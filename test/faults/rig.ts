/**
 * @module test/faults/rig — the stack a fault test breaks and the gateways it kills: nats-server, MinIO,
 * etcd + kube-apiserver with Argo's CRDs and RBAC (no controller: nothing runs or finishes the Workflows
 * unless the test does), `framegate setup` run as the CLI, and `framegate serve` as child processes that
 * share one durable consumer and KV bucket. Reads what the tests judge: Workflows (as admin), dead
 * letters, the consumer's backlog.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { DLQ_HEADERS } from "../../src/triggers/wire.js";
import { historyStreamName } from "../../src/triggers/jetstream-config.js";
import { installArgo, type ArgoInstall } from "../harness/argo.js";
import { framegateEnv, runFramegate, setupEnv, startGatewayProcess, type GatewayProcess } from "../harness/framegate.js";
import { parsePrometheusText, type Sample } from "../harness/prometheus-text.js";
import { startStack, type KubeStack, type StackOptions } from "../harness/stack.js";
import type { WorkflowObject } from "./key-count.js";

const WF = { group: "argoproj.io", version: "v1alpha1", plural: "workflows" } as const;

/** The stack of one fault test file: everything up to the API server, Argo installed but not running. */
export interface FaultStack {
  stack: KubeStack;
  argo: ArgoInstall;
  stop(): Promise<void>;
}

/** Starts nats-server, MinIO, etcd and kube-apiserver, and installs Argo's CRDs and RBAC. */
export async function startFaultStack(opts: Omit<StackOptions<"kube">, "level"> = {}): Promise<FaultStack> {
  const stack = await startStack({ ...opts, level: "kube" });
  try {
    const argo = await installArgo(stack.kube, { minio: stack.minio });
    return { stack, argo, stop: () => stack.stop() };
  } catch (e) {
    await stack.stop().catch(() => undefined);
    throw e;
  }
}

/** A message of the dead-letter stream. */
export interface DeadLetter {
  seq: number;
  subject: string;
  kind: string;
  reason: string;
  pipeline?: string;
  /** sequence of the original message in the intake stream */
  originalSeq: number;
  data: Uint8Array;
}

/** Options of {@link FaultRig.start}. */
export interface RigOptions {
  /** short unique id: names the consumer, the KV bucket and the rules dir */
  id: string;
  /** rule files: file name -> YAML */
  rules: Record<string, string>;
  /** more FRAMEGATE_* settings for setup and serve */
  env?: Record<string, string>;
}

/** One fault test: its rules, consumer and gateway processes on a {@link FaultStack}. */
export class FaultRig {
  readonly gateways: GatewayProcess[] = [];
  /** output of gateways that were killed or stopped, for failure messages */
  readonly pastOutput: string[] = [];
  readonly #nc: Promise<NatsConnection>;
  #minio?: Promise<NatsConnection>;

  private constructor(
    readonly fs: FaultStack,
    readonly rulesDir: string,
    readonly env: Record<string, string>,
  ) {
    // an operator's view (what `framegate replay` may do): read the streams and consumers, publish events again
    this.#nc = fs.stack.nats.connectAs("setup", { name: "fault-rig", maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  }

  /** Writes the rules and runs `framegate setup` (JetStream consumer, MinIO notifications) as an operator would. */
  static async start(fs: FaultStack, o: RigOptions): Promise<FaultRig> {
    const rulesDir = mkdtempSync(join(tmpdir(), `framegate-faults-${o.id}-`));
    for (const [file, text] of Object.entries(o.rules)) writeFileSync(join(rulesDir, file), text);
    const env = framegateEnv(fs.stack, {
      rulesDir,
      consumer: `faults-${o.id}`,
      kubeconfigPath: fs.argo.gatewayKubeconfigPath,
      logLevel: "warn",
      extra: {
        FRAMEGATE_WATCH_RULES: "false",
        // a killed gateway's messages come back after ack_wait: keep it short so recovery fits a test
        FRAMEGATE_ACK_WAIT: "6s",
        FRAMEGATE_KUBE_TIMEOUT: "5s",
        ...o.env,
      },
    });
    const setup = await runFramegate(["setup"], setupEnv(fs.stack, env));
    if (setup.code !== 0) throw new Error(`framegate setup exited ${setup.code}:\n${setup.stdout}${setup.stderr}`);
    return new FaultRig(fs, rulesDir, env);
  }

  /** Starts one more `framegate serve` (a replica: same consumer and KV bucket). */
  async startGateway(extraEnv: Record<string, string> = {}): Promise<GatewayProcess> {
    const gw = await startGatewayProcess({ ...this.env, ...extraEnv }, 90_000);
    this.gateways.push(gw);
    return gw;
  }

  /** SIGKILLs a gateway (its whole process group) and waits until it is gone. */
  async killGateway(gw: GatewayProcess): Promise<void> {
    gw.process.kill("SIGKILL");
    await gw.process.exited;
    this.#retire(gw);
  }

  /** A gateway's `/metrics`, parsed. */
  async metrics(gw: GatewayProcess): Promise<Sample[]> {
    const res = await fetch(`${gw.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return parsePrometheusText(await res.text());
  }

  /** Workflows of `pipeline` in the API server, read as admin. */
  async workflows(pipeline: string): Promise<WorkflowObject[]> {
    const api = this.fs.stack.kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const list = (await api.listNamespacedCustomObject({
      ...WF,
      namespace: this.fs.argo.namespace,
      labelSelector: `framegate.io/pipeline=${pipeline}`,
    })) as { items: WorkflowObject[] };
    return list.items;
  }

  /** Sets a Workflow's `status.phase` and its phase label as Argo's controller would (there is none). */
  async setPhase(name: string, phase: string): Promise<void> {
    const api = this.fs.stack.kube.kubeConfig().makeApiClient(CustomObjectsApi);
    await api.patchNamespacedCustomObject({
      ...WF,
      namespace: this.fs.argo.namespace,
      name,
      body: [
        { op: "add", path: "/status", value: { phase, finishedAt: new Date().toISOString() } },
        { op: "add", path: "/metadata/labels/workflows.argoproj.io~1phase", value: phase },
      ],
    });
  }

  /** Every message in the dead-letter stream (all tests of the file share it). */
  async deadLetters(): Promise<DeadLetter[]> {
    const jsm = await jetstreamManager(await this.#nc);
    const stream = this.env.FRAMEGATE_DLQ_STREAM!;
    const si = await jsm.streams.info(stream);
    const out: DeadLetter[] = [];
    if (si.state.messages === 0) return out;
    for (let seq = si.state.first_seq; seq <= si.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!m) continue;
      out.push({
        seq,
        subject: m.subject,
        kind: m.header.get(DLQ_HEADERS.kind),
        reason: m.header.get(DLQ_HEADERS.reason),
        pipeline: m.header.get(DLQ_HEADERS.pipeline) || undefined,
        originalSeq: Number(m.header.get(DLQ_HEADERS.seq)),
        data: m.data,
      });
    }
    return out;
  }

  /** The test consumer's backlog. */
  async consumer(): Promise<{ pending: number; ackPending: number; redelivered: number; delivered: number }> {
    const jsm = await jetstreamManager(await this.#nc);
    const ci = await jsm.consumers.info(this.env.FRAMEGATE_STREAM!, this.env.FRAMEGATE_CONSUMER!);
    return { pending: ci.num_pending, ackPending: ci.num_ack_pending, redelivered: ci.num_redelivered, delivered: ci.delivered.consumer_seq };
  }

  /** Messages in the intake stream (every file has its own stack, so all of them are this test's). */
  async streamMessages(): Promise<number> {
    const jsm = await jetstreamManager(await this.#nc);
    return (await jsm.streams.info(this.env.FRAMEGATE_STREAM!)).state.messages;
  }

  /**
   * Publishes a copy of replay-window message `seq` (the intake keeps none it has processed) on its subject,
   * without a message id, as the `minio` user: what MinIO does when it sends an event again (a queue-dir
   * replay). Returns false when there is no such message.
   */
  async republish(seq: number): Promise<boolean> {
    const m = await (await jetstreamManager(await this.#nc)).streams.getMessage(historyStreamName(this.env.FRAMEGATE_STREAM!), { seq }).catch(() => null);
    if (!m) return false;
    this.#minio ??= this.fs.stack.nats.connectAs("minio", { name: "fault-rig-minio", maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    await jetstream(await this.#minio).publish(m.subject, m.data);
    return true;
  }

  /** Sequence of the last message in the replay window (every intake message gets there). */
  async lastSeq(): Promise<number> {
    const jsm = await jetstreamManager(await this.#nc);
    return (await jsm.streams.info(historyStreamName(this.env.FRAMEGATE_STREAM!))).state.last_seq;
  }

  /** A NATS connection of the test (reconnects across nats-server restarts). */
  nc(): Promise<NatsConnection> {
    return this.#nc;
  }

  /** The recent output of every gateway, running or not, for failure messages. */
  output(maxChars = 6000): string {
    const all = [...this.pastOutput, ...this.gateways.map((g) => `--- gateway pid ${g.pid} (running) ---\n${g.output()}`)].join("\n");
    return all.slice(-maxChars);
  }

  /** Stops every gateway (SIGTERM), closes the connection, removes the rules dir. */
  async stop(): Promise<void> {
    for (const gw of [...this.gateways]) {
      await gw.stop(5_000).catch(() => undefined);
      this.#retire(gw);
    }
    await (await this.#nc).close().catch(() => undefined);
    await (await this.#minio)?.close().catch(() => undefined);
    rmSync(this.rulesDir, { recursive: true, force: true });
  }

  #retire(gw: GatewayProcess): void {
    const i = this.gateways.indexOf(gw);
    if (i >= 0) this.gateways.splice(i, 1);
    this.pastOutput.push(`--- gateway pid ${gw.pid} (${describeExit(gw)}) ---\n${gw.output().slice(-3000)}`);
  }
}

function describeExit(gw: GatewayProcess): string {
  const e = gw.process.exitStatus;
  return !e ? "running" : e.signal ? `killed by ${e.signal}` : `exited ${e.code}`;
}

export { waitFor } from "../harness/wait.js";

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
