/**
 * @module test/e2e/metrics-real.int.test — the metrics are real: a real Prometheus (1 s scrapes, fresh TSDB)
 * scrapes the gateway, prometheus-nats-exporter beside the stack's nats-server and Argo's workflow-controller
 * while a short load runs with failures injected: a step that exits 2 (the pod runner runs it), an event
 * dead-lettered (bad JSON on the intake) and one rejected (a webhook body naming a bucket its pipeline may
 * not read), Workflow creates the API server refuses (no RBAC in a namespace: naks and redeliveries), a
 * camera that goes silent and a frame only the sweep finds. Then every metric name the alert rules and the
 * dashboard panels read must be in Prometheus, and every panel's query must return data with a finite
 * value, as written (no `or vector(0)` padding). Also: one search for an event id in the gateway's log
 * follows a frame from upload to its Workflow's end, and the Workflow carries that id.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricNames } from "../../k8s/monitoring/promql-names.js";
import { encodeIntake, hookSubject } from "../../src/triggers/wire.js";
import { GATEWAY_SA } from "../harness/argo.js";
import { applyObjects } from "../harness/kube.js";
import { startNatsExporter, type NatsExporter } from "../harness/nats-exporter.js";
import { startPrometheus, type PrometheusServer } from "../harness/prometheus.js";
import { startStack, type FullStack } from "../harness/stack.js";
import { freePort, REPO_ROOT } from "../harness/util.js";
import { PipelineUnderTest, waitFor, type WorkflowObject } from "./pipeline-under-test.js";
import { EXIT_SERVICE, EXIT_SERVICE_IMAGE } from "../fixtures/exit-service.js";

const MONITORING = join(REPO_ROOT, "k8s/monitoring");
const HOOK_TOKEN = "metrics-real-token";

const minioPipeline = (name: string, extra = "", code = "0") => `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: ${name} }
spec:
  trigger: { bucket: ${name}, key: "{camera}/*.jpg" }
  select: { dedupe: 1h }
  workflow:
    serviceAccountName: framegate-runner
${extra}    steps: [{ name: run, service: exit-with, params: { code: "${code}" } }]
`;

const RULES = {
  // frames of three cameras; one frame lands before setup wires the bucket's notifications (only the sweep sees it)
  "frames.yaml": minioPipeline("mr-frames"),
  // the failing step: exit 2 is bad input, not retried
  "fail.yaml": minioPipeline("mr-fail", "", "2"),
  // a namespace where the gateway may read Workflows but not create them: 403, retried with naks
  "forbidden.yaml": minioPipeline("mr-forbidden", "    namespace: mr-other\n"),
  // webhooks: one Workflow at a time (others wait), one alert per camera per 10 s (others sampled out)
  "hook.yaml": `apiVersion: framegate.io/v1alpha1
kind: Pipeline
metadata: { name: mr-hook }
spec:
  trigger: { source: webhook, hook: mr-hook }
  select: { by: "{body.camera}", sample: 10s }
  limits: { maxInFlight: 1 }
  workflow:
    serviceAccountName: framegate-runner
    steps: [{ name: run, service: exit-with }]
`,
};

interface Panel {
  title: string;
  targets: { expr: string }[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
}

/** Every panel query of every dashboard, with its variables set to what the load produced. */
function panelQueries(vars: Record<string, string>): { dashboard: string; title: string; expr: string }[] {
  return readdirSync(join(MONITORING, "dashboards"))
    .filter((f) => f.endsWith(".json"))
    .flatMap((f) => {
      const d = JSON.parse(readFileSync(join(MONITORING, "dashboards", f), "utf8")) as Dashboard;
      return d.panels.flatMap((p) => p.targets.map((t) => ({ dashboard: d.uid, title: p.title, expr: t.expr.replace(/\$(\w+)/g, (_, v: string) => vars[v] ?? `$${v}`) })));
    });
}
const ruleExprs = (parse(readFileSync(join(MONITORING, "rules.yaml"), "utf8")) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);

/** The gateway's log lines (pino JSON) that name `event`. */
function linesOf(t: PipelineUnderTest, event: string): Record<string, unknown>[] {
  return t.logs
    .toString()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.event === event || (Array.isArray(l.events) && l.events.includes(event)));
}

describe("metrics are real: Prometheus scrapes the gateway, the NATS exporter and Argo's controller under load with failures", () => {
  let stack: FullStack;
  let t: PipelineUnderTest;
  let exporter: NatsExporter;
  let prom: PrometheusServer;
  let work: string;
  let hookId = "";
  let frameEvent = "";
  const started = Date.now();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "framegate-metrics-real-"));
    const servicesDir = join(work, "services");
    mkdirSync(join(servicesDir, "exit-with"), { recursive: true });
    writeFileSync(join(servicesDir, "exit-with/service.yaml"), EXIT_SERVICE);
    writeFileSync(join(work, "hooks"), `mr-hook: bearer:${HOOK_TOKEN}\n`);
    const argoMetricsPort = await freePort();
    stack = await startStack({
      argo: { metricsPort: argoMetricsPort },
      runner: {
        maxProcesses: 2,
        images: EXIT_SERVICE_IMAGE,
      },
    });
    // mr-other: the gateway may list and watch Workflows there (its informer syncs) but not create them
    await applyObjects(stack.kube.kubeConfig(), [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "mr-other" } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "read-workflows", namespace: "mr-other" }, rules: [{ apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["get", "list", "watch"] }] },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "read-workflows", namespace: "mr-other" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-workflows" },
        subjects: [{ kind: "ServiceAccount", name: GATEWAY_SA, namespace: stack.argo.namespace }],
      },
    ]);
    // a frame the intake never hears of: its bucket exists before setup wires the notifications
    await stack.minio.client.makeBucket("mr-frames");
    await stack.minio.client.putObject("mr-frames", "cam-late/f.jpg", Buffer.from("late"));
    t = await PipelineUnderTest.start(stack, {
      id: "metrics-real",
      rules: RULES,
      extra: {
        FRAMEGATE_SERVICES_DIR: servicesDir,
        FRAMEGATE_HOOK_SECRETS: join(work, "hooks"),
        FRAMEGATE_ALLOWED_NAMESPACES: `${stack.argo.namespace},mr-other`,
        FRAMEGATE_METRICS_REFRESH: "1s",
        FRAMEGATE_CAMERA_SILENCE_MIN: "3s",
        FRAMEGATE_SWEEP_INTERVAL: "2s",
        FRAMEGATE_SWEEP_MARGIN: "1s",
      },
    });
    exporter = await startNatsExporter(stack.nats.monitorUrl);
    prom = await startPrometheus({
      jobs: [
        { job: "framegate-gateway", targets: [`127.0.0.1:${t.gateway.port}`] },
        { job: "nats", targets: [exporter.hostPort] },
        { job: "workflow-controller", targets: [`127.0.0.1:${argoMetricsPort}`], scheme: "https", insecureSkipVerify: true },
      ],
      ruleFiles: [join(MONITORING, "rules.yaml")],
    });
    await prom.whenScraping();

    // the load, ~5 s: frames of cam-a (3), cam-b (2), cam-silent (1, then nothing), a re-upload (duplicate)
    const put = (bucket: string, key: string, body: string) => stack.minio.client.putObject(bucket, key, Buffer.from(body), undefined, { "Content-Type": "image/jpeg" });
    const first = await put("mr-frames", "cam-a/f-0.jpg", "a0");
    frameEvent = `mr-frames/cam-a/f-0.jpg@${first.etag}`;
    await put("mr-frames", "cam-silent/f-0.jpg", "s0");
    await put("mr-fail", "cam-f/f-0.jpg", "x0");
    await put("mr-forbidden", "cam-x/f-0.jpg", "n0");
    const hook = (camera: string, n = 1) =>
      fetch(`${t.url}/hooks/mr-hook`, { method: "POST", headers: { authorization: `Bearer ${HOOK_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ camera, n }) });
    const res = await hook("h1");
    expect(res.status).toBe(202);
    hookId = ((await res.json()) as { id: string }).id;
    for (const c of ["h2", "h3"]) expect((await hook(c)).status).toBe(202);
    expect((await hook("h1", 2)).status).toBe(202); // another alert of h1 within 10 s: sampled out
    // a bad event and a body naming a bucket mr-hook may not read, published past the gateway's HTTP checks
    const nc = await stack.nats.connectAs("gateway");
    try {
      const js = jetstream(nc);
      const h = natsHeaders();
      for (const [k, v] of Object.entries(encodeIntake({ eventId: "mr-bad-bucket" }))) h.set(k, v);
      await js.publish(hookSubject("mr-hook"), JSON.stringify({ camera: "h9", bucket: "secrets" }), { headers: h, msgID: "mr-bad-bucket" });
    } finally {
      await nc.close();
    }
    const minioNc = await stack.nats.connectAs("minio");
    try {
      await jetstream(minioNc).publish(stack.streams.minioSubject, "{not json", { msgID: "mr-not-json" });
    } finally {
      await minioNc.close();
    }
    for (let i = 1; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      await put("mr-frames", `cam-a/f-${i}.jpg`, `a${i}`);
      await put("mr-frames", `cam-b/f-${i}.jpg`, `b${i}`);
    }
    await put("mr-frames", "cam-a/f-0.jpg", "a0"); // the same object@etag again: a duplicate
  }, 180_000);

  afterAll(async () => {
    await prom?.stop();
    await exporter?.stop();
    await t?.stop();
    await stack?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`[metrics-real] file took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 60_000);

  async function finished(pipeline: string, count: number): Promise<WorkflowObject[]> {
    let seen: WorkflowObject[] = [];
    return waitFor(`${count} finished Workflows of ${pipeline}`, async () => {
      seen = await t.workflows(pipeline);
      return seen.filter((w) => ["Succeeded", "Failed", "Error"].includes(w.status?.phase ?? "")).length >= count ? seen : undefined;
    }, 90_000, () => `${seen.map((w) => `${w.metadata.name} ${w.status?.phase}`).join(", ")}; runner ${JSON.stringify(stack.runner!.stats())}\n${t.logs.toString().slice(-3000)}`);
  }

  it("Prometheus has every metric the alert rules and dashboards read, and every panel returns data without padding", async () => {
    // the load has played out: Workflows finished (cam-late's through the sweep), the silent camera counted
    const sample = async (expr: string) => (await prom.query(expr)).map((s) => Number(s.value[1]));
    // the second failure only once Prometheus has seen the first: a counter born at 2 would show no rate,
    // and the failure-ratio panel only has this pipeline's failures
    const failedCount = 'argo_workflows_framegate_workflow_duration_seconds_count{pipeline="mr-fail",status="Failed"}';
    await finished("mr-fail", 1);
    await waitFor("Prometheus has the first failed Workflow", async () => (await sample(failedCount))[0] === 1, 30_000);
    await stack.minio.client.putObject("mr-fail", "cam-f/f-1.jpg", Buffer.from("x1"));
    expect((await finished("mr-fail", 2)).every((w) => w.status?.phase === "Failed"), "exit 2 fails the Workflow").toBe(true);
    await finished("mr-frames", 6);
    await finished("mr-hook", 3);
    await waitFor("Prometheus sees a silent camera, a dead letter, a rejected and a refused create, a late swept event, naks", async () => {
      const checks = await Promise.all([
        sample("max(framegate_cameras_silent)"),
        sample('framegate_dead_lettered_total{reason="bad-event"}'),
        sample('framegate_workflow_failures_total{pipeline="mr-hook",reason="rejected"}'),
        sample('framegate_workflow_failures_total{pipeline="mr-forbidden",reason="forbidden"}'),
        sample('framegate_sweep_events_total{outcome="late"}'),
        sample("sum(framegate_messages_naked_total)"),
        sample(failedCount).then((v) => (v[0] === 2 ? v : [])),
      ]);
      return checks.every((v) => v.length > 0 && v[0]! > 0);
    }, 60_000, () => t.logs.toString().slice(-3000));

    const targets = await prom.targets();
    expect(targets.map((x) => [x.job, x.health]).sort(), JSON.stringify(targets)).toEqual([
      ["framegate-gateway", "up"],
      ["nats", "up"],
      ["workflow-controller", "up"],
    ]);
    const names = await prom.metricNames();
    // the exporter's JetStream metrics (stream and consumer level) and server metrics
    expect([...names].filter((n) => n.startsWith("jetstream_stream_")).length, "JetStream stream metrics from the exporter").toBeGreaterThan(0);
    expect([...names].filter((n) => n.startsWith("jetstream_consumer_")).length, "JetStream consumer metrics from the exporter").toBeGreaterThan(0);
    expect(names.has("gnatsd_varz_connections")).toBe(true);

    const panels = panelQueries({ pipeline: "mr-hook", camera: "cam-a" });
    expect(panels.length).toBeGreaterThan(30);
    const used = new Set([...ruleExprs.flatMap((r) => metricNames(r.expr)), ...panels.flatMap((p) => metricNames(p.expr))]);
    expect([...used].filter((n) => !names.has(n)), "metric names the rules or panels read that no scrape produced").toEqual([]);

    for (const p of panels) expect(p.expr, `${p.dashboard} / ${p.title}: padding hides a missing series`).not.toMatch(/\bor\s+(on\s*\([^)]*\)\s*)?vector\s*\(/);
    // rates need two scrapes after the last increase: give the last Workflows' metrics a few scrapes
    let empty: string[] = [];
    await waitFor("every panel returns a finite value", async () => {
      empty = [];
      for (const p of panels) {
        const values = await sample(p.expr);
        if (!values.some((v) => Number.isFinite(v))) empty.push(`${p.dashboard} / ${p.title}: ${p.expr} -> ${JSON.stringify(values)}`);
      }
      return empty.length === 0;
    }, 20_000, { pollMs: 2_000 }).catch(() => undefined);
    const raw = async (e: string) => Promise.all(metricNames(e).map(async (n) => `${n}: ${JSON.stringify((await prom.query(`${n}`)).map((s) => [s.metric, s.value[1]]))}`));
    expect(empty, `panels without data; their series now:\n${(await Promise.all(empty.map((e) => raw(e.slice(e.indexOf(": ") + 2, e.lastIndexOf(" -> ")))))).flat().join("\n")}`).toEqual([]);
    // Prometheus evaluates every alert rule without errors
    const rules = await prom.rules();
    expect(rules.map((r) => r.name).sort()).toEqual(ruleExprs.map((r) => r.alert).sort());
    expect(rules.filter((r) => r.health !== "ok")).toEqual([]);
  }, 150_000);

  it("one search for an event id follows a frame from upload to result, and the Workflow carries the id", async () => {
    for (const [event, pipeline, accepted] of [
      [hookId, "mr-hook", "hook accepted"],
      [frameEvent, "mr-frames", undefined],
    ] as const) {
      const [wf] = (await t.workflows(pipeline)).filter((w) => w.metadata.annotations?.["framegate.io/event-id"] === event);
      expect(wf, `a ${pipeline} Workflow annotated framegate.io/event-id=${event}`).toBeDefined();
      await waitFor(`the "workflow finished" line of ${event}`, async () => linesOf(t, event).some((l) => l.msg === "workflow finished"), 30_000);
      const lines = linesOf(t, event);
      const msgs = lines.map((l) => l.msg);
      if (accepted) expect(msgs).toContain(accepted);
      expect(lines.find((l) => l.msg === "workflow created")).toMatchObject({ pipeline, workflow: wf!.metadata.name });
      expect(lines.find((l) => l.msg === "workflow finished")).toMatchObject({ pipeline, workflow: wf!.metadata.name, phase: "Succeeded" });
      expect(new Set(lines.map((l) => l.workflow).filter(Boolean)), "every line of the event names the same Workflow").toEqual(new Set([wf!.metadata.name]));
    }
    // the failures name their event too
    expect(linesOf(t, "mr-bad-bucket").map((l) => l.msg)).toContain("workflow rejected, dead-lettering");
  });
});
