/**
 * @module test/e2e/pipeline-under-test — one end-to-end test's own slice of a shared stack: a rules dir
 * with its own pipeline(s) and bucket, `framegate setup` run as the CLI (MinIO notifications, the test's
 * own durable consumer), and the gateway started in-process with the gateway ServiceAccount's token.
 * Tests never see each other's objects: pipeline names, buckets, consumers and KV buckets are unique.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { startGateway, type RunningGateway } from "../../src/cli/commands/serve.js";
import { loadConfig } from "../../src/config/env.js";
import { DLQ_HEADERS } from "../../src/triggers/wire.js";
import { framegateEnv, runFramegate, setupEnv } from "../harness/framegate.js";
import { RingBuffer } from "../harness/process.js";
import { parsePrometheusText, type Sample } from "../harness/prometheus-text.js";
import type { FullStack } from "../harness/stack.js";

/** The Argo Workflow fields the tests read. */
export interface WorkflowObject {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec: {
    entrypoint?: string;
    serviceAccountName?: string;
    arguments?: { parameters?: { name: string; value: string }[] };
    templates?: {
      name: string;
      dag?: { tasks: { name: string; template: string; dependencies?: string[] }[] };
      container?: { image: string; env?: { name: string; value?: string }[] };
    }[];
  };
  status?: { phase?: string; message?: string };
}

/** A message in the dead-letter stream that belongs to one test. */
export interface DeadLetterEntry {
  kind: string;
  reason: string;
  pipeline?: string;
  /** the original message, as text */
  data: string;
}

/** Options of {@link startPipelineUnderTest}. */
export interface PipelineUnderTestOptions {
  /** a short unique id: names the consumer, KV bucket and temp dir */
  id: string;
  /** rule files: file name -> YAML */
  rules: Record<string, string>;
  /** more FRAMEGATE_* settings */
  extra?: Record<string, string>;
}

const WF = { group: "argoproj.io", version: "v1alpha1", plural: "workflows" } as const;

/** The gateway under test, and what tests read from the stack about it. */
export class PipelineUnderTest {
  readonly logs = new RingBuffer(128 * 1024);
  gateway!: RunningGateway;
  setupOutput = "";
  readonly #nc: Promise<NatsConnection>;

  private constructor(
    readonly stack: FullStack,
    readonly id: string,
    readonly rulesDir: string,
    readonly env: Record<string, string>,
  ) {
    this.#nc = stack.nats.connectAs("setup", { name: `e2e-${id}` }); // reads consumer and dead-letter state, as an operator
  }

  /**
   * Writes the rules, runs `framegate setup` (the CLI, as an operator would) and starts the gateway.
   * Throws with the CLI's output when setup fails.
   */
  static async start(stack: FullStack, o: PipelineUnderTestOptions): Promise<PipelineUnderTest> {
    const rulesDir = mkdtempSync(join(tmpdir(), `framegate-e2e-${o.id}-`));
    for (const [file, text] of Object.entries(o.rules)) writeFileSync(join(rulesDir, file), text);
    const env = framegateEnv(stack, {
      rulesDir,
      // the default consumer: a work-queue intake takes one, and each test stops its gateway before the next starts
      logLevel: "info",
      extra: { FRAMEGATE_WATCH_RULES: "false", FRAMEGATE_KUBE_TIMEOUT: "5s", ...o.extra },
    });
    const t = new PipelineUnderTest(stack, o.id, rulesDir, env);
    const setup = await runFramegate(["setup"], setupEnv(stack, env));
    t.setupOutput = setup.stdout + setup.stderr;
    if (setup.code !== 0) throw new Error(`framegate setup exited ${setup.code}:\n${t.setupOutput}`);
    const log = pino({ level: "info", base: { svc: "framegate", test: o.id } }, { write: (s: string) => t.logs.push(s) });
    // the gateway ServiceAccount's token (a TokenRequest), never the admin's
    t.gateway = await startGateway(loadConfig(env), log, { kubeConfig: stack.argo.gatewayKubeConfig() });
    return t;
  }

  get url(): string {
    return `http://127.0.0.1:${this.gateway.port}`;
  }

  /** GET a gateway path; the JSON body (or text) and status. */
  async get<T = unknown>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(this.url + path, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON (metrics) */
    }
    return { status: res.status, body: body as T };
  }

  /** The gateway's `/metrics`, parsed. */
  async metrics(): Promise<Sample[]> {
    const r = await this.get<string>("/metrics");
    return parsePrometheusText(r.body);
  }

  /** Workflows in the API server with `framegate.io/pipeline=<pipeline>` (read as admin). */
  async workflows(pipeline: string): Promise<WorkflowObject[]> {
    const api = this.stack.kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const list = (await api.listNamespacedCustomObject({
      ...WF,
      namespace: this.stack.argo.namespace,
      labelSelector: `framegate.io/pipeline=${pipeline}`,
    })) as { items: WorkflowObject[] };
    return list.items;
  }

  /** The test consumer's backlog: not yet delivered, delivered and not acked, and redeliveries so far. */
  async consumer(): Promise<{ pending: number; ackPending: number; redelivered: number }> {
    const jsm = await jetstreamManager(await this.#nc);
    const ci = await jsm.consumers.info(this.env.FRAMEGATE_STREAM!, this.env.FRAMEGATE_CONSUMER!);
    return { pending: ci.num_pending, ackPending: ci.num_ack_pending, redelivered: ci.num_redelivered };
  }

  /** Dead letters whose pipeline is one of `pipelines`. */
  async deadLetters(pipelines: string[]): Promise<DeadLetterEntry[]> {
    const jsm = await jetstreamManager(await this.#nc);
    const stream = this.env.FRAMEGATE_DLQ_STREAM!;
    const si = await jsm.streams.info(stream);
    const out: DeadLetterEntry[] = [];
    if (si.state.messages === 0) return out;
    for (let seq = si.state.first_seq; seq <= si.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!m) continue;
      const pipeline = m.header.get(DLQ_HEADERS.pipeline) || undefined;
      if (!pipeline || !pipelines.includes(pipeline)) continue;
      out.push({ kind: m.header.get(DLQ_HEADERS.kind), reason: m.header.get(DLQ_HEADERS.reason), pipeline, data: m.string() });
    }
    return out;
  }

  /** Stops the gateway, closes the connection and removes the rules dir. */
  async stop(): Promise<void> {
    await this.gateway?.stop();
    await (await this.#nc).close();
    rmSync(this.rulesDir, { recursive: true, force: true });
  }
}

export { waitFor } from "../harness/wait.js";

/** The value of a Workflow argument. */
export function parameter(wf: WorkflowObject, name: string): string | undefined {
  return wf.spec.arguments?.parameters?.find((p) => p.name === name)?.value;
}

/** The value of a step container's environment variable. */
export function stepEnv(wf: WorkflowObject, step: string, name: string): string | undefined {
  return wf.spec.templates?.find((t) => t.name === step)?.container?.env?.find((e) => e.name === name)?.value;
}
