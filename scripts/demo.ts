/**
 * @module scripts/demo — `make demo`: the whole local stack (test/harness: nats-server, MinIO, etcd +
 * kube-apiserver, kwok + kube-scheduler, Argo's workflow-controller), `framegate setup` and `framegate serve`
 * with the example pipelines as child processes, and a synthetic camera fleet uploading JPEG frames, with
 * live progress until Ctrl-C (or `--duration`). Everything it started is stopped and its temp dirs removed.
 *
 * Workflow steps run for real (test/harness/pod-runner.ts: resize and detect as local processes, on a
 * node of 2 CPUs) on real photos with people; `--simulated` has kwok fake them instead.
 *
 *   node --import tsx scripts/demo.ts [--cameras 2] [--fps 0.1] [--duration SECONDS] [--rules DIR]
 *                                     [--services DIR] [--interval MS] [--plain] [--simulated] [--kubernetes]
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { KubernetesObject } from "@kubernetes/client-node";
import sharp from "sharp";
import { parseAllDocuments } from "yaml";
import { applyObjects } from "../test/harness/kube.js";
import { framegateEnv, runFramegate, setupEnv, startGatewayProcess, type GatewayProcess } from "../test/harness/framegate.js";
import { installPipelineResources } from "../test/harness/pipeline-resources.js";
import { detectVenv } from "../test/harness/pod-runner-images.js";
import { startStack, type FullStack } from "../test/harness/stack.js";
import { CameraFleet, cameraClients, fleetCameraIds } from "../test/harness/synthetic-camera.js";
import { REPO_ROOT, httpStatus, toolPath } from "../test/harness/util.js";
import { Display } from "./demo/display.js";
import { StatusReader, type DemoStatus } from "./demo/status.js";

const USAGE = `usage: node --import tsx scripts/demo.ts [options]   (or: make demo ARGS="...")
  --cameras N      cameras in the synthetic fleet (default 2: gate-NN, lobby-NN, street-NN in turn)
  --fps F          frames per second per camera (default 0.1: what real steps on 2 shared cores keep up with)
  --duration S     stop by itself after S seconds of uploads (default: run until Ctrl-C)
  --rules DIR      pipelines directory (default pipelines/)
  --services DIR   service catalog (default services/)
  --interval MS    refresh period of the display (default 1000)
  --plain          plain lines instead of redrawing in place (the default when stdout is not a terminal)
  --simulated      kwok fakes the Workflow pods (nothing processed; fleets of 20 x 2 frames/s fit)
  --kubernetes     the rules as Pipeline resources (FRAMEGATE_RULES_SOURCE=kubernetes): edit, clone, suspend and
                   delete them from the dashboard (Resources page) or with kubectl; the gateway applies changes live`;

/** The WorkflowTemplate the example lobby pipeline refers to (`templateRef: image-processing`). */
const TEMPLATES = ["k8s/base/argo/workflowtemplate-image-processing.yaml"];

interface Options {
  cameras: number;
  fps: number;
  durationS: number;
  rulesDir: string;
  servicesDir: string;
  intervalMs: number;
  plain: boolean;
  simulated: boolean;
  kubernetes: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      cameras: { type: "string", default: "2" },
      fps: { type: "string", default: "0.1" },
      duration: { type: "string", default: "0" },
      rules: { type: "string", default: resolve(REPO_ROOT, "pipelines") },
      services: { type: "string", default: resolve(REPO_ROOT, "services") },
      interval: { type: "string", default: "1000" },
      plain: { type: "boolean", default: false },
      simulated: { type: "boolean", default: false },
      kubernetes: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const num = (name: string, v: string, min: number, max: number) => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < min || x > max) {
      process.stderr.write(`--${name}: must be a number from ${min} to ${max}, got "${v}"\n${USAGE}\n`);
      process.exit(2);
    }
    return x;
  };
  return {
    cameras: Math.floor(num("cameras", values.cameras, 1, 1000)),
    fps: num("fps", values.fps, 0.01, 50),
    durationS: num("duration", values.duration, 0, 86_400),
    rulesDir: resolve(values.rules),
    servicesDir: resolve(values.services),
    intervalMs: Math.floor(num("interval", values.interval, 100, 60_000)),
    plain: values.plain,
    simulated: values.simulated,
    kubernetes: values.kubernetes,
  };
}

/** Parses a YAML file of Kubernetes objects and puts them in `namespace`. */
function objectsIn(file: string, namespace: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(resolve(REPO_ROOT, file), "utf8"))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o?.kind)
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}

async function main(): Promise<number> {
  const o = parseOptions(process.argv.slice(2));
  const say = (s: string) => process.stdout.write(`${s}\n`);
  let stack: FullStack | undefined;
  let gateway: GatewayProcess | undefined;
  let fleet: CameraFleet | undefined;
  let display: Display | undefined;
  let stopping = false;
  let wake: () => void = () => {};
  const stopRequested = new Promise<string>((r) => (wake = () => r("stop")));

  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      // a second Ctrl-C: leave now; the harness watchdog kills the servers and removes their temp dirs
      process.stderr.write(`\n${sig} again: exiting without waiting (the harness watchdog cleans up)\n`);
      process.exit(130);
    }
    stopping = true;
    wake();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const t0 = Date.now();
  try {
    say(`framegate demo: starting nats-server, MinIO, etcd + kube-apiserver, kube-scheduler, Argo's workflow-controller and ${o.simulated ? "kwok (simulated steps)" : "the pod runner (real steps)"}…`);
    stack = await startStack(o.simulated ? {} : { runner: { maxProcesses: 2 } });
    if (stopping) return 130;
    say(`stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const f of TEMPLATES) await applyObjects(stack.kube.kubeConfig(), objectsIn(f, stack.argo.namespace));
    say(`applied WorkflowTemplate image-processing (${TEMPLATES.join(", ")})`);

    const env = framegateEnv(stack, { rulesDir: o.rulesDir, servicesDir: o.servicesDir, logLevel: "info" });
    const setup = await runFramegate(["setup"], setupEnv(stack, env));
    if (o.kubernetes) {
      // the rules as Pipeline resources, edited live from the dashboard (Resources page) or with kubectl
      const ns = await installPipelineResources(stack.kube, { gateway: { namespace: stack.argo.namespace, name: stack.argo.gatewayServiceAccount }, pipelinesDir: o.rulesDir });
      Object.assign(env, { FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_NAMESPACE: ns, FRAMEGATE_ALLOW_RULE_WRITES: "true" });
      say(`applied the Pipelines of ${o.rulesDir} as resources in namespace ${ns}; the gateway reads them and the dashboard's composer edits them`);
    }
    for (const line of (setup.stdout + setup.stderr).trim().split("\n")) say(`  framegate setup: ${line}`);
    if (setup.code !== 0) throw new Error(`framegate setup exited ${setup.code}`);
    if (stopping) return 130;

    gateway = await startGatewayProcess(env);
    say(`framegate serve at ${gateway.url} (pid ${gateway.pid}), as ServiceAccount argo/framegate-gateway; rules from ${o.kubernetes ? `the Pipeline resources (dashboard: ${gateway.url}/#/resources)` : o.rulesDir}`);
    for (let i = 0; i < 60 && (await httpStatus(`${gateway.url}/readyz`)) !== 200; i++) await new Promise((r) => setTimeout(r, 500));
    say(`MinIO ${stack.minio.endpoint} (root: ${stack.minio.accessKey} / ${stack.minio.secretKey}; Workflow steps use user ${stack.minio.identities.steps.accessKey}), NATS ${stack.nats.url}`);
    say(`kubectl: ${toolPath("KUBECTL")} --kubeconfig ${stack.kube.kubeconfigPath} -n ${stack.argo.namespace} get workflows`);

    const cameraIds = fleetCameraIds(o.cameras);
    const clients = await cameraClients(stack.minio, cameraIds, "raw");
    say(`${cameraIds.length} camera identities (MinIO users with policy framegate-camera-<id>, each allowed only to PUT under raw/<id>/), as \`framegate cameras add\` makes them`);
    // real steps get real photos with people (the detect service's test photo and its mirror image)
    const bus = o.simulated ? undefined : readFileSync(join(await detectVenv(), "fixtures/bus.jpg"));
    const frames = bus ? [bus, await sharp(bus).flop().jpeg({ quality: 85 }).toBuffer()] : undefined;
    fleet = new CameraFleet({ client: stack.minio.client, clientFor: (c) => clients.get(c)!, bucket: "raw", cameras: cameraIds, fps: o.fps, frames });
    if (stack.runner) say(`steps run for real on node ${stack.runner.node} (2 processes at once); results in MinIO processed/<pipeline>/<step>/`);
    say(`Results view (processed frames with their detections): ${gateway.url}/#/results — GET ${gateway.url}/api/results`);
    const reader = new StatusReader({
      gatewayUrl: gateway.url,
      kubeConfig: stack.kube.kubeConfig(),
      namespace: stack.argo.namespace,
      gatewayOutput: () => gateway!.output(),
      fleet,
      fps: o.fps,
      startedAt: Date.now(),
      ...(stack.runner ? { steps: () => stack!.runner!.stats() } : {}),
    });
    display = new Display(process.stdout, { plain: o.plain });
    display.note(`${fleet.cameras.length} cameras uploading ${o.fps} frames/s each into raw/<camera>/<yyyy>/<mm>/<dd>/<hhmmss-n>.jpg`);
    fleet.start();

    const deadline = o.durationS > 0 ? Date.now() + o.durationS * 1000 : Infinity;
    let last: DemoStatus | undefined;
    while (!stopping && Date.now() < deadline) {
      last = await reader.read();
      display.show(last, { gatewayUrl: gateway.url });
      const wait = Math.min(o.intervalMs, deadline - Date.now());
      await Promise.race([new Promise((r) => setTimeout(r, Math.max(0, wait))), stopRequested]);
    }
    stopping = true;
    await fleet.stop();
    // let Workflows of the last frames be created and run a little before the final count
    const settleUntil = Date.now() + (o.durationS > 0 ? 10_000 : 3_000);
    while (Date.now() < settleUntil) {
      last = await reader.read();
      display.show(last, { stopping: true, gatewayUrl: gateway.url });
      await new Promise((r) => setTimeout(r, Math.min(o.intervalMs, 1000)));
    }
    display.close();
    if (last) printSummary(last, await indexedResults(gateway.url));
    return 0;
  } catch (e) {
    display?.close();
    process.stderr.write(`demo failed: ${(e as Error).message}\n`);
    if (gateway) process.stderr.write(`--- gateway output ---\n${gateway.output().slice(-4000)}\n`);
    return 1;
  } finally {
    await fleet?.stop().catch(() => undefined);
    process.stdout.write("stopping: gateway (SIGTERM)…");
    await gateway?.stop().catch((e: Error) => process.stderr.write(`gateway stop: ${e.message}\n`));
    process.stdout.write(" stack…");
    await stack?.stop().catch((e: Error) => process.stderr.write(`stack stop: ${e.message}\n`));
    process.stdout.write(" done (temp dirs removed)\n");
  }
}

/** Frames in the gateway's results index (the Results view), or undefined when it does not answer. */
async function indexedResults(gatewayUrl: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${gatewayUrl}/api/results?limit=1`, { signal: AbortSignal.timeout(5000) });
    return res.ok ? ((await res.json()) as { index: { entries: number } }).index.entries : undefined;
  } catch {
    return undefined;
  }
}

/** The closing table, and one JSON line for scripts and tests (`demo summary: {...}`). */
function printSummary(s: DemoStatus, results: number | undefined): void {
  const summary = {
    ...(results !== undefined ? { results } : {}),
    seconds: Math.round(s.elapsedMs / 1000),
    cameras: s.cameras,
    uploaded: s.uploaded,
    uploadErrors: s.uploadErrors,
    received: s.received,
    deadLettered: s.deadLettered,
    ...(s.steps ? { steps: s.steps } : {}),
    pipelines: Object.fromEntries(
      s.pipelines.map((p) => [p.name, { matched: p.matched, submitted: p.submitted, ...p.phases }]),
    ),
  };
  process.stdout.write(`demo summary: ${JSON.stringify(summary)}\n`);
}

process.exitCode = await main();
