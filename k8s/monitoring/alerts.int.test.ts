/**
 * @module k8s/monitoring/alerts.int.test — Prometheus's own promtool (pinned, scripts/tools.sh promtool) checks the
 * rules file and runs its unit tests (rules.test.yaml: every alert fires where it should and stays silent where it
 * must); kubectl builds the monitoring component into the PrometheusRule and the dashboards' ConfigMap.
 * A missing promtool or kubectl fails with the command that installs it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, toolPath } from "../../test/harness/util.js";
import { kustomize } from "../kustomize.js";

const run = promisify(execFile);
const DIR = join(REPO_ROOT, "k8s/monitoring");

/** Runs promtool; resolves with the exit code and the whole output (promtool prints failures on stdout). */
async function promtool(args: string[]): Promise<{ code: number; output: string }> {
  const bin = toolPath("PROMTOOL");
  try {
    const r = await run(bin, args, { cwd: DIR, timeout: 60_000 });
    return { code: 0, output: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === "number" ? err.code : -1, output: `${err.stdout ?? ""}${err.stderr ?? err.message}` };
  }
}

describe("alert rules with promtool", () => {
  const tmp = mkdtempSync(join(tmpdir(), "framegate-monitoring-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("promtool check rules accepts the rules file", async () => {
    const r = await promtool(["check", "rules", "rules.yaml"]);
    expect(r.output).toMatch(/SUCCESS: 10 rules found/);
    expect(r.code, r.output).toBe(0);
  });

  it("promtool test rules: every alert fires in its cases and stays silent in the others", async () => {
    const r = await promtool(["test", "rules", "rules.test.yaml"]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("SUCCESS");
  });

  it("the test cases can fail: an alert expected where the rule stays silent is reported", async () => {
    // a copy of the tests, pointing at the real rules, with one must-not-fire case turned into a must-fire
    const text = readFileSync(join(DIR, "rules.test.yaml"), "utf8").replace("rule_files:\n- rules.yaml", `rule_files:\n- ${join(DIR, "rules.yaml")}`);
    const broken = text.replace(
      /(- eval_time: 15m\n {4}alertname: FramegateConsumerDown\n {4}exp_alerts: )\[\]/,
      "$1\n    - exp_labels:\n        severity: critical",
    );
    expect(broken).not.toBe(text);
    writeFileSync(join(tmp, "broken.test.yaml"), broken);
    const r = await promtool(["test", "rules", join(tmp, "broken.test.yaml")]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("FramegateConsumerDown");
  });
});

describe("the monitoring component builds", () => {
  it("into the scrape targets, the PrometheusRule and a dashboards ConfigMap labelled for Grafana's sidecar", async () => {
    const dir = mkdtempSync(join(REPO_ROOT, "k8s/.monitoring-build-"));
    try {
      writeFileSync(join(dir, "kustomization.yaml"), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncomponents:\n- ${relative(dir, DIR)}\n`);
      const { objects } = await kustomize(dir);
      expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
        "ConfigMap/framegate/framegate-dashboards",
        "PodMonitor/argo/workflow-controller",
        "PodMonitor/framegate/nats",
        "PrometheusRule/framegate/framegate",
        "ServiceMonitor/framegate/framegate-gateway",
      ]);
      const cm = objects.find((o) => o.kind === "ConfigMap")!;
      expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: "1" });
      const data = cm.data as Record<string, string>;
      expect(Object.keys(data).sort()).toEqual(["camera.json", "fleet-overview.json", "intake-health.json", "pipeline.json"]);
      expect((JSON.parse(data["fleet-overview.json"]!) as { uid: string }).uid).toBe("framegate-fleet");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
