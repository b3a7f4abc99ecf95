/**
 * @module bench/shards — Argo's controller throughput: Workflows completed per second on the harness stack
 * (kube-apiserver, kube-scheduler, kwok completing the pods) for the same load, in one run, with
 *
 * - one controller on Argo's default client settings (`--qps 20 --burst 30 --workflow-workers 32`);
 * - one controller tuned as k8s/base/argo deploys it (the flags are read from that manifest);
 * - two controller shards (instance IDs `a`, `b`), each tuned the same, the Workflows labelled by framegate's
 *   shard rule (workflows/shards.ts) as the gateway labels them.
 *
 * The load: `--workflows` framegate Workflows (rendered by the gateway's renderer: one `resize` step, pod GC on
 * success) of `--pipelines` pipelines, created at once into a namespace of their own per configuration; the rate
 * is Workflows Succeeded / (last one Succeeded - first create). CPU is the controllers' own (user + system); API
 * requests are the controllers' own count (`argo_workflows_k8s_request_total`), against their --qps.
 *
 * Every round runs each configuration once (odd rounds in reverse order, as the machine's load drifts); the
 * rate of a configuration is all its rounds' Workflows over all their seconds.
 *
 *   npm run bench -- shards [--workflows 240] [--pipelines 16] [--rounds 2] [--tuned "--qps=.. --burst=.."]
 *                           [--variant "name=--qps=50 --burst=75" ...]
 */
import { request } from "node:https";
import { parseArgs } from "node:util";
import { CustomObjectsApi, Watch } from "@kubernetes/client-node";
import { renderWorkflow } from "../src/workflows/render.js";
import { ShardPlan } from "../src/workflows/shards.js";
import { catalog as fixtureCatalog, match, objectEvent, pipeline } from "../test/fixtures/render-fixtures.js";
import { installArgo, startWorkflowController, tunedControllerArgs } from "../test/harness/argo.js";
import { startKube, type KubeCluster } from "../test/harness/kube.js";
import { startKwok } from "../test/harness/kwok.js";
import type { ManagedProcess } from "../test/harness/process.js";
import { parsePrometheusText, sumOf } from "../test/harness/prometheus-text.js";
import { freePort } from "../test/harness/util.js";
import { procStat } from "./gateway-process.js";
import { printTable } from "./table.js";

const WF = { group: "argoproj.io", version: "v1alpha1", plural: "workflows" } as const;

interface Config {
  name: string;
  args: string[];
  /** instance IDs; [""] is one controller without one */
  shards: string[];
}

interface Result {
  config: Config;
  seconds: number;
  succeeded: number;
  cpuS: number;
  /** Kubernetes API requests the controllers made (Argo's argo_workflows_k8s_request_total) */
  requests: number;
  perShard: Map<string, number>;
}

/** Kubernetes API requests a controller has made so far, from its metrics (HTTPS, self-signed: Argo's default). */
function controllerRequests(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/metrics", rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => (res.statusCode === 200 ? resolve(sumOf(parsePrometheusText(body), "argo_workflows_k8s_request_total")) : reject(new Error(`workflow-controller :${port}/metrics answered ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`workflow-controller :${port}/metrics timed out`)));
    req.on("error", reject);
    req.end();
  });
}
const requestsOf = async (ports: number[]) => (await Promise.all(ports.map(controllerRequests))).reduce((a, b) => a + b, 0);

async function runOne(kube: KubeCluster, cfg: Config, n: number, pipelines: number, index: number): Promise<Result> {
  const namespace = `bench-${index}`;
  const sharded = cfg.shards[0] !== "";
  const ports = await Promise.all(cfg.shards.map(() => freePort()));
  await installArgo(kube, { namespace, ...(sharded ? { instanceIDs: cfg.shards, instanceMetricsPorts: ports } : { metricsPort: ports[0] }) });
  const controllers: ManagedProcess[] = [];
  try {
    for (const id of cfg.shards) controllers.push(await startWorkflowController(kube, namespace, { controllerArgs: cfg.args, ...(id && { instanceID: id }) }));
    const plan = sharded ? new ShardPlan(cfg.shards) : undefined;
    const cat = fixtureCatalog();
    const ps = Array.from({ length: pipelines }, (_, i) => pipeline(`bench-p${i}`, { namespace, serviceAccountName: "framegate-runner", steps: [{ name: "resize", service: "resize" }] }));
    const wfs = Array.from({ length: n }, (_, i) => renderWorkflow([match(ps[i % pipelines]!, objectEvent(`cam-${i % 50}/f-${i}.jpg`))], cat, plan));
    const perShard = new Map<string, number>();
    for (const w of wfs) {
      const s = w.metadata.labels["workflows.argoproj.io/controller-instanceid"] ?? "-";
      perShard.set(s, (perShard.get(s) ?? 0) + 1);
    }

    const done = new Set<string>();
    let last = 0;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const watch = await new Watch(kube.kubeConfig()).watch(
      `/apis/argoproj.io/v1alpha1/namespaces/${namespace}/workflows`,
      {},
      (_type, obj: { metadata: { name: string }; status?: { phase?: string } }) => {
        if (obj.status?.phase !== "Succeeded" || done.has(obj.metadata.name)) return;
        done.add(obj.metadata.name);
        last = performance.now();
        if (done.size === n) resolveAll();
      },
      () => {},
    );
    const cpu0 = controllers.reduce((a, c) => a + procStat(c.pid!).cpuS, 0);
    const req0 = await requestsOf(ports);
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const t0 = performance.now();
    const queue = [...wfs];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let w = queue.shift(); w; w = queue.shift()) await api.createNamespacedCustomObject({ ...WF, namespace, body: w });
      }),
    );
    const deadline = Math.max(120_000, n * 1_000);
    await Promise.race([all, new Promise((r) => setTimeout(r, deadline))]);
    watch.abort();
    const cpuS = controllers.reduce((a, c) => a + procStat(c.pid!).cpuS, 0) - cpu0;
    const requests = (await requestsOf(ports)) - req0;
    return { config: cfg, seconds: ((done.size ? last : performance.now()) - t0) / 1000, succeeded: done.size, cpuS, requests, perShard };
  } finally {
    await Promise.all(controllers.map((c) => c.stop()));
  }
}

/** Configurations measured: defaults, tuned, 2 tuned shards, and any `--variant name=flags` to compare. */
function configsOf(tuned: string[], variants: string[]): Config[] {
  return [
    { name: "1 controller, Argo defaults", args: [], shards: [""] },
    { name: "1 controller, tuned", args: tuned, shards: [""] },
    { name: "2 shards, each tuned", args: tuned, shards: ["a", "b"] },
    ...variants.map((v) => {
      const [name, flags = ""] = v.split("=", 2).length === 2 ? [v.slice(0, v.indexOf("=")), v.slice(v.indexOf("=") + 1)] : [v];
      return { name: `1 controller, ${name}`, args: flags.split(/\s+/).filter(Boolean), shards: [""] };
    }),
  ];
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workflows: { type: "string", default: "240" },
      pipelines: { type: "string", default: "16" },
      rounds: { type: "string", default: "2" },
      tuned: { type: "string" },
      variant: { type: "string", multiple: true, default: [] },
    },
  });
  const n = Number(values.workflows);
  const pipelines = Number(values.pipelines);
  const rounds = Number(values.rounds);
  const tuned = values.tuned?.split(/\s+/).filter(Boolean) ?? tunedControllerArgs();
  const configs = configsOf(tuned, values.variant);
  await using kube = await startKube();
  await using _nodes = await startKwok(kube, { nodes: [0, 1, 2, 3].map((i) => ({ name: `kwok-node-${i}` })) });
  // the machine's load drifts: every round runs each configuration once, odd rounds in reverse order
  const runs = new Map<Config, Result[]>(configs.map((c) => [c, []]));
  let index = 0;
  for (let r = 0; r < rounds; r++) {
    for (const cfg of r % 2 === 0 ? configs : [...configs].reverse()) {
      process.stderr.write(`shards bench, round ${r + 1}/${rounds}: ${cfg.name} (${cfg.args.join(" ") || "no flags"}): ${n} Workflows of ${pipelines} pipelines\n`);
      runs.get(cfg)!.push(await runOne(kube, cfg, n, pipelines, index++));
    }
  }
  const total = (rs: Result[]) => ({
    succeeded: rs.reduce((a, r) => a + r.succeeded, 0),
    seconds: rs.reduce((a, r) => a + r.seconds, 0),
    cpuS: rs.reduce((a, r) => a + r.cpuS, 0),
    requests: rs.reduce((a, r) => a + r.requests, 0),
  });
  const rate = (rs: Result[]) => total(rs).succeeded / total(rs).seconds;
  const base = rate(runs.get(configs[0]!)!);
  const tunedRate = rate(runs.get(configs[1]!)!);
  process.stdout.write(`\ncontroller flags tuned: ${tuned.join(" ")}; ${n} Workflows (1 step each) of ${pipelines} pipelines created at once, per run; ${rounds} rounds\n\n`);
  printTable(
    ["configuration", "Workflows Succeeded", "Workflows/s (all rounds)", "per round", "vs defaults", "vs tuned", "controller CPU-ms per Workflow", "API requests per Workflow", "API requests/s", "Workflows per shard"],
    configs.map((c) => {
      const rs = runs.get(c)!;
      const t = total(rs);
      return [
        c.name,
        `${t.succeeded}/${n * rs.length}`,
        rate(rs).toFixed(2),
        rs.map((r) => (r.succeeded / r.seconds).toFixed(2)).join(", "),
        `${(rate(rs) / base).toFixed(2)}x`,
        `${(rate(rs) / tunedRate).toFixed(2)}x`,
        ((t.cpuS * 1000) / Math.max(1, t.succeeded)).toFixed(0),
        (t.requests / Math.max(1, t.succeeded)).toFixed(1),
        (t.requests / t.seconds).toFixed(1),
        [...rs[0]!.perShard].map(([s, k]) => `${s}: ${k}`).join(", "),
      ];
    }),
  );
}
