/**
 * @module test/e2e/live-pipelines.int.test — Pipelines as resources, edited live, with two `framegate serve`
 * processes in kubernetes mode on the real stack (kube-apiserver, NATS, MinIO, Argo's controller; no
 * nodes, so Workflows stay unfinished and `maxInFlight` holds events back). kubectl changes a parameter and
 * the next uploads get the new value on whichever replica takes them; the Accepted condition is written
 * once per generation (counted on a watch); a new trigger prefix gets its bucket notification from the
 * Lease holder; suspending and deleting with events waiting release them and submit the filling batch.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CustomObjectsApi, Watch, type KubernetesObject } from "@kubernetes/client-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { parseAllDocuments } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { framegateEnv, runFramegate, setupEnv, startGatewayProcess, type GatewayProcess } from "../harness/framegate.js";
import { applyObjects } from "../harness/kube.js";
import { parsePrometheusText, sumOf } from "../harness/prometheus-text.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { makeTempDir, REPO_ROOT, toolPath, type TempDir } from "../harness/util.js";
import { parameter, waitFor, type WorkflowObject } from "./pipeline-under-test.js";

const exec = promisify(execFile);
const NS = "argo";

/** A Pipeline on `raw/<prefix>...jpg`; `spec` is extra spec lines (select, limits). */
const pipeline = (name: string, prefix: string, spec = "", mode = "fast") => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
${spec}  trigger: { bucket: raw, prefix: "${prefix}", suffix: .jpg }
  workflow:
    steps: [{ name: resize, service: resize, params: { width: "320" } }]
    parameters: { ${spec.includes("batch") ? 'keys: "{keys}"' : 'key: "{key}"'}, mode: ${mode} }
`;

interface StatusEvent {
  name: string;
  generation: number;
  resourceVersion: string;
  accepted?: string;
  notifications?: string;
}

let stack: FullStack;
let rules: TempDir;
/** what kubectl applies (not the rules folder setup reads) */
let applied: TempDir;
let kubeconfig: string;
const gateways: GatewayProcess[] = [];
const events: StatusEvent[] = [];
let stopWatch: AbortController | undefined;

const kubectl = async (...args: string[]) => (await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, "-n", NS, ...args])).stdout;
const apply = (text: string) => {
  const file = join(applied.path, `apply-${Date.now()}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return kubectl("apply", "-f", file);
};
const condition = (o: { status?: { conditions?: { type: string; status: string; reason?: string; message?: string; observedGeneration?: number }[] } }, type: string) =>
  o.status?.conditions?.find((c) => c.type === type);
type PipelineObject = KubernetesObject & {
  metadata: { name: string; generation: number; resourceVersion: string };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason?: string; message?: string; observedGeneration?: number }[] };
};
const getPipeline = async (name: string) => JSON.parse(await kubectl("get", "pipeline", name, "-o", "json")) as PipelineObject;

async function workflows(pipelineName: string): Promise<WorkflowObject[]> {
  const api = stack.kube.kubeConfig().makeApiClient(CustomObjectsApi);
  const list = (await api.listNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace: NS, plural: "workflows", labelSelector: `framegate.io/pipeline=${pipelineName}` })) as { items: WorkflowObject[] };
  return list.items;
}
const upload = (key: string) => stack.minio.client.putObject("raw", key, Buffer.from(`frame ${key}`), undefined, { "Content-Type": "image/jpeg" });
/** A metric summed over both replicas. */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  let total = 0;
  for (const g of gateways) total += sumOf(parsePrometheusText(await (await fetch(`${g.url}/metrics`)).text()), name, labels);
  return total;
}
/** Which replica logged the creation of `workflow` (-1: none). */
const creator = (workflow: string) => gateways.findIndex((g) => g.output().split("\n").some((l) => l.includes(`"workflow":"${workflow}"`) && l.includes('"msg":"workflow created"')));
/** Messages of the shared consumer not acked yet. */
async function ackPending(): Promise<number> {
  const nc = await stack.nats.connectAs("setup");
  try {
    return (await (await jetstreamManager(nc)).consumers.info(stack.streams.stream, "live")).num_ack_pending;
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  stack = await startStack({ kwok: { nodes: [] } });
  kubeconfig = stack.kube.writeKubeconfig("live-pipelines");
  rules = makeTempDir("live-pipelines");
  applied = makeTempDir("live-applied");
  // setup knows only `live` (notification prefix cams/live/): the gateway widens it for the others
  writeFileSync(join(rules.path, "live.yaml"), pipeline("live", "cams/live/"));
  await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, "apply", "-k", join(REPO_ROOT, "k8s", "base", "crds")]);
  await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, "wait", "--for=condition=Established", "--timeout=30s", "crd", "-l", "app.kubernetes.io/part-of=framegate"]);
  // the gateway's own Role and binding from the manifests, for its ServiceAccount in the argo namespace
  // (renamed: the harness's Role of that name grants the Workflow verbs, which live in argo as well)
  const rbac = parseAllDocuments(readFileSync(join(REPO_ROOT, "k8s/base/gateway/rbac.yaml"), "utf8")).map((d) => d.toJSON() as KubernetesObject & { subjects?: { namespace?: string }[]; roleRef?: { name: string } });
  for (const o of rbac) {
    o.metadata = { ...o.metadata, name: "framegate-gateway-rules", namespace: NS };
    if (o.roleRef) o.roleRef.name = "framegate-gateway-rules";
    for (const s of o.subjects ?? []) s.namespace = NS;
  }
  await applyObjects(stack.kube.kubeConfig(), rbac);
  await kubectl("apply", "-f", join(REPO_ROOT, "services", "resize", "service.yaml"));
  await apply(pipeline("live", "cams/live/") + "---\n" + pipeline("held", "cams/held/", "  limits: { maxInFlight: 1 }\n") + "---\n" + pipeline("batched", "cams/batch/", "  select: { batch: { size: 10, window: 1h } }\n"));
  const env = framegateEnv(stack, { rulesDir: rules.path, consumer: "live", logLevel: "info", extra: { FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_NAMESPACE: NS, FRAMEGATE_WATCH_RULES: "false" } });
  const setup = await runFramegate(["setup"], setupEnv(stack, env));
  if (setup.code !== 0) throw new Error(`framegate setup exited ${setup.code}:\n${setup.stdout}${setup.stderr}`);
  expect(setup.stdout).toMatch(/^minio: bucket raw -> .* prefix="cams\/live\/" suffix="\.jpg"/m);
  // every status change of the Pipelines, as a watch sees them
  stopWatch = await new Watch(stack.kube.kubeConfig()).watch(
    `/apis/framegate.io/v1alpha1/namespaces/${NS}/pipelines`,
    {},
    (_type, o: PipelineObject) => {
      events.push({ name: o.metadata.name, generation: o.metadata.generation, resourceVersion: o.metadata.resourceVersion, accepted: JSON.stringify(condition(o, "Accepted") ?? null), notifications: condition(o, "NotificationsReady")?.status });
    },
    () => undefined,
  );
  gateways.push(...(await Promise.all(["gw-a", "gw-b"].map((pod) => startGatewayProcess({ ...env, FRAMEGATE_POD_NAME: pod })))));
}, 240_000);

afterEach((ctx) => {
  if (ctx.task.result?.state !== "fail") return;
  gateways.forEach((g, i) => process.stderr.write(`--- gateway ${i} ---\n${g.output().slice(-6000)}\n`));
});

afterAll(async () => {
  stopWatch?.abort();
  await Promise.all(gateways.map((g) => g.stop(5_000)));
  await stack?.stop();
  rules?.remove();
}, 60_000);

describe("Pipelines edited live, two gateway replicas in kubernetes mode", () => {
  it("a kubectl edit reaches every replica; Accepted is written once per generation; the bucket notification follows", async () => {
    await waitFor(
      "the three Pipelines accepted with their notifications",
      async () => (await Promise.all(["live", "held", "batched"].map(getPipeline))).every((p) => condition(p, "Accepted")?.status === "True" && condition(p, "NotificationsReady")?.status === "True"),
      30_000,
      { pollMs: 200 },
    );
    expect(condition(await getPipeline("held"), "NotificationsReady")!.message).toMatch(/under prefix "cams\/" and suffix "\.jpg"/);
    await upload("cams/live/cam-1/1.jpg");
    const first = await waitFor("the first Workflow of live", async () => (await workflows("live"))[0], 15_000, { pollMs: 100 });
    expect(parameter(first, "mode")).toBe("fast");

    const t0 = Date.now();
    await kubectl("patch", "pipeline", "live", "--type=json", "-p", '[{"op":"replace","path":"/spec/workflow/parameters/mode","value":"thorough"}]');
    await waitFor("generation 2 accepted", async () => (await getPipeline("live")).status?.observedGeneration === 2, 10_000, { pollMs: 100 });
    const keys = [2, 3, 4, 5, 6, 7].map((i) => `cams/live/cam-${i % 2}/${i}.jpg`);
    for (const k of keys) await upload(k);
    const made = await waitFor("six Workflows with the new value", async () => {
      const wfs = (await workflows("live")).filter((w) => keys.includes(w.metadata.annotations?.["framegate.io/key"] ?? ""));
      return wfs.length === keys.length ? wfs : undefined;
    }, 15_000, { pollMs: 100 });
    const editToLast = Date.now() - t0;
    expect(made.map((w) => parameter(w, "mode"))).toEqual(Array(6).fill("thorough"));
    expect(editToLast).toBeLessThan(10_000);
    const by = made.map((w) => creator(w.metadata.name));
    expect(by.every((i) => i === 0 || i === 1)).toBe(true);
    process.stderr.write(`[live-pipelines] edit to six Workflows with the new value: ${editToLast} ms; created by replica ${by.join(",")}\n`);

    // a quiet moment, then count: per generation, one change of Accepted, whatever the two replicas do
    await new Promise((r) => setTimeout(r, 2_000));
    const live = events.filter((e) => e.name === "live");
    const acceptedChanges = live.filter((e, i) => e.accepted !== (i === 0 ? "null" : live[i - 1]!.accepted)).map((e) => JSON.parse(e.accepted!) as { status: string; observedGeneration: number });
    expect(acceptedChanges.map((c) => `${c.status}@${c.observedGeneration}`)).toEqual(["True@1", "True@2"]);
    const quiet = events.length;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(events.length, "no status writes while nothing changes").toBe(quiet);

    // a new trigger prefix: the Lease holder widens raw's notification, and an upload there is processed
    await apply(pipeline("yard", "yard/"));
    await waitFor("yard's notification", async () => condition(await getPipeline("yard"), "NotificationsReady")?.status === "True", 15_000, { pollMs: 100 });
    expect(condition(await getPipeline("yard"), "NotificationsReady")!.message).toMatch(/under prefix "" and suffix "\.jpg"/);
    await upload("yard/cam-9/a.jpg");
    await waitFor("yard's Workflow", async () => (await workflows("yard")).length === 1, 15_000, { pollMs: 100 });
    expect(await kubectl("get", "pipelines", "-o", "wide")).toMatch(/^yard\s.*\sConfigured\s+True\s/m);
  }, 90_000);

  it("suspending and deleting with events waiting: the batch is submitted at once, waiting events are released and acked", async () => {
    await upload("cams/held/cam-1/1.jpg");
    await waitFor("held's first Workflow (it stays unfinished: no nodes)", async () => (await workflows("held")).length === 1, 15_000, { pollMs: 100 });
    for (const k of ["cams/held/cam-1/2.jpg", "cams/held/cam-1/3.jpg", "cams/batch/cam-1/1.jpg", "cams/batch/cam-1/2.jpg"]) await upload(k);
    await waitFor(
      "two events waiting for maxInFlight and two frames in a batch, on either replica",
      async () => (await metric("framegate_events_waiting", { pipeline: "held", reason: "in-flight" })) === 2 && (await metric("framegate_events_waiting", { pipeline: "batched", reason: "batch" })) === 2,
      15_000,
      { pollMs: 200 },
    );
    await kubectl("patch", "pipeline", "held", "--type=merge", "-p", '{"spec":{"suspend":true}}');
    await kubectl("delete", "pipeline", "batched");
    // each replica batches the frames it was given: every frame is in exactly one of their Workflows
    const batched = await waitFor(
      "the filling batches submitted",
      async () => {
        const keys = (await workflows("batched")).flatMap((w) => JSON.parse(parameter(w, "keys")!) as string[]);
        return keys.length >= 2 ? keys : undefined;
      },
      10_000,
      { pollMs: 100 },
    );
    expect(batched.sort()).toEqual(["cams/batch/cam-1/1.jpg", "cams/batch/cam-1/2.jpg"]);
    await waitFor("two released events", async () => (await metric("framegate_events_released_total", { pipeline: "held", reason: "suspended" })) === 2, 10_000, { pollMs: 200 });
    expect(await workflows("held")).toHaveLength(1);
    await waitFor("nothing left unacked", async () => (await ackPending()) === 0, 10_000, { pollMs: 200 });
    expect(await metric("framegate_events_waiting", { pipeline: "held", reason: "in-flight" })).toBe(0);
    expect(await kubectl("get", "pipeline", "held")).toMatch(/^held\s.*\strue\s+True\s/m);
    const listed = (await (await fetch(`${gateways[1]!.url}/api/pipelines`)).json()) as { pipelines: { name: string; suspended?: boolean }[] };
    expect(listed.pipelines.find((p) => p.name === "held")?.suspended).toBe(true);
    expect(listed.pipelines.some((p) => p.name === "batched")).toBe(false);
  }, 60_000);
});
