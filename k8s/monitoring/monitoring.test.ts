/**
 * @module k8s/monitoring/monitoring.test — the alert rules and dashboards read only metrics that exist: framegate's
 * from the gateway's registry (built here, as `serve` builds it), the others from a short list naming their
 * source. This checks names, not data; test/e2e/metrics-real.int.test.ts scrapes a running stack with a real Prometheus.
 * Also: the PrometheusRule carries exactly the plain rules file, every alert says what to do, and every dashboard
 * is in the kustomize ConfigMap with Grafana's sidecar label.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createMetrics } from "../../src/lib/metrics.js";
import { WORKFLOW_DURATION_SERIES } from "../../src/workflows/workflow-metrics.js";
import { metricNames } from "./promql-names.js";

const DIR = dirname(fileURLToPath(import.meta.url));
const read = (f: string) => readFileSync(join(DIR, f), "utf8");

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rulesFile = parse(read("rules.yaml")) as { groups: { name: string; rules: Rule[] }[] };
const rules = rulesFile.groups.flatMap((g) => g.rules);

/** Names that come from elsewhere than the gateway, with where. */
const EXTERNAL: Record<string, string> = {
  up: "Prometheus itself, per scrape target",
  [`${WORKFLOW_DURATION_SERIES}_count`]: "Argo's controller, from each Workflow's spec.metrics (workflows/workflow-metrics.ts)",
  [`${WORKFLOW_DURATION_SERIES}_sum`]: "Argo's controller, from each Workflow's spec.metrics",
  [`${WORKFLOW_DURATION_SERIES}_bucket`]: "Argo's controller, from each Workflow's spec.metrics",
  argo_workflows_queue_depth_gauge: "Argo's controller (v3.6 metrics, queue_name label)",
};

async function registryNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
  }
  return names;
}

interface Panel {
  title: string;
  targets: { expr: string }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}
const dashboardFiles = readdirSync(join(DIR, "dashboards")).filter((f) => f.endsWith(".json"));
const dashboards = dashboardFiles.map((f) => ({ file: f, d: JSON.parse(read(`dashboards/${f}`)) as Dashboard }));

describe("metricNames", () => {
  it("keeps metrics, drops functions, keywords, label matchers, ranges, groupings and variables", () => {
    expect(metricNames('sum by (pipeline) (rate(a_total{status=~"Failed|x_y"}[15m])) / on (pipeline) b > 0.1 and c offset 5m')).toEqual(["a_total", "b", "c"]);
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(h_bucket{pipeline="$pipeline"}[5m]))) * 1e3')).toEqual(["h_bucket"]);
    expect(metricNames('sum(up{job="framegate-gateway"}) == 0 or absent(up{job="framegate-gateway"})')).toEqual(["up"]);
    expect(metricNames("label_values(framegate_camera_last_frame_timestamp_seconds, camera)")).toEqual(["framegate_camera_last_frame_timestamp_seconds", "camera"]);
  });
});

describe("alert rules", () => {
  it("the PrometheusRule's spec is exactly the plain rules file", () => {
    const pr = parse(read("prometheus-rule.yaml")) as { apiVersion: string; kind: string; spec: unknown };
    expect(pr.kind).toBe("PrometheusRule");
    expect(pr.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(pr.spec).toEqual(rulesFile);
  });

  it("covers backlog, silent cameras, Workflow failures, dead letters, rule reloads, stream limits, results dropped at their byte limit, gateway and consumer down, Argo's controller", () => {
    expect(rules.map((r) => r.alert).sort()).toEqual(
      [
        "ArgoControllerNotKeepingUp",
        "FramegateBacklogGrowing",
        "FramegateCameraSilent",
        "FramegateConsumerDown",
        "FramegateDeadLetters",
        "FramegateGatewayDown",
        "FramegateResultsOverByteLimit",
        "FramegateRuleReloadRefused",
        "FramegateStreamNearLimit",
        "FramegateWorkflowFailureRatio",
      ].sort(),
    );
  });

  it.each(rules.map((r) => [r.alert, r] as const))("%s has a severity, a summary and a description that says what to do", (_, r) => {
    expect(["warning", "critical"]).toContain(r.labels.severity);
    expect(r.annotations.summary?.length).toBeGreaterThan(20);
    expect(r.annotations.description?.length).toBeGreaterThan(80);
  });

  it("reads only metrics the gateway registers or that come from a named source", async () => {
    const known = await registryNames();
    const unknown = rules.flatMap((r) => metricNames(r.expr).filter((n) => !known.has(n) && !(n in EXTERNAL)).map((n) => `${r.alert}: ${n}`));
    expect(unknown).toEqual([]);
  });

  it("the check can fail: a misspelt name is reported", async () => {
    const known = await registryNames();
    expect(metricNames("max(framegate_cameras_silentt) > 0").filter((n) => !known.has(n))).toEqual(["framegate_cameras_silentt"]);
  });
});

describe("Grafana dashboards", () => {
  it("fleet overview, pipeline, camera and intake health, with unique uids", () => {
    expect(dashboardFiles.sort()).toEqual(["camera.json", "fleet-overview.json", "intake-health.json", "pipeline.json"]);
    expect(new Set(dashboards.map(({ d }) => d.uid)).size).toBe(4);
  });

  it("every panel query and variable reads metrics the gateway registers or the alert rules' external sources", async () => {
    const known = await registryNames();
    const problems: string[] = [];
    for (const { file, d } of dashboards) {
      expect(d.panels.length, file).toBeGreaterThan(0);
      for (const p of d.panels) {
        expect(p.targets.length, `${file}: ${p.title}`).toBeGreaterThan(0);
        for (const t of p.targets) for (const n of metricNames(t.expr)) if (!known.has(n) && !(n in EXTERNAL)) problems.push(`${file}: ${p.title}: ${n}`);
        // padding hides a missing series: the panel must show no data instead
        for (const t of p.targets) expect(t.expr, `${file}: ${p.title}`).not.toMatch(/vector\(0\)/);
      }
      for (const v of d.templating.list.filter((x) => x.type === "query")) {
        const q = (v.query as { query: string }).query;
        const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(q);
        expect(m, `${file}: variable ${v.name}`).not.toBeNull();
        if (!known.has(m![1]!)) problems.push(`${file}: variable ${v.name}: ${m![1]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("are all in the kustomize ConfigMap, labelled for Grafana's sidecar", () => {
    const k = parse(read("kustomization.yaml")) as { kind: string; resources: string[]; configMapGenerator: { name: string; files: string[]; options: { labels: Record<string, string> } }[] };
    expect(k.kind).toBe("Component");
    expect(k.resources).toContain("prometheus-rule.yaml");
    const cm = k.configMapGenerator.find((g) => g.name === "framegate-dashboards")!;
    expect(cm.options.labels).toEqual({ grafana_dashboard: "1" });
    expect(cm.files.map((f) => f.replace("dashboards/", "")).sort()).toEqual(dashboardFiles.sort());
  });
});
