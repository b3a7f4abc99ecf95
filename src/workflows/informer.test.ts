import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { KubeConfig } from "@kubernetes/client-node";
import { WorkflowInformer } from "./informer.js";
import { describeWatchError } from "./watch-error.js";

describe("describeWatchError", () => {
  it("says which permission to grant when the ServiceAccount may not list or watch", () => {
    const body = JSON.stringify({ kind: "Status", code: 403, message: 'workflows.argoproj.io is forbidden: User "system:serviceaccount:argo:framegate-gateway" cannot list resource "workflows"' });
    expect(describeWatchError({ code: 403, body }, "argo")).toBe(
      `Kubernetes refused listing/watching Workflows in namespace "argo" (403): workflows.argoproj.io is forbidden: User "system:serviceaccount:argo:framegate-gateway" cannot list resource "workflows" — grant the gateway's ServiceAccount get, list and watch on workflows.argoproj.io in "argo"`,
    );
    expect(describeWatchError(Object.assign(new Error("Forbidden"), { statusCode: 403 }), "argo")).toMatch(/\(403\): Forbidden — grant/);
  });

  it("points at missing CRDs or namespace on 404, and names the server when it cannot be reached", () => {
    expect(describeWatchError({ code: 404, body: "" }, "jobs")).toMatch(/no Workflows in "jobs" \(404\).*are Argo's CRDs installed and does the namespace exist\?/);
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: "c", server: "https://10.0.0.1:6443" }], users: [{ name: "u" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
    expect(describeWatchError(new Error("connect ECONNREFUSED 10.0.0.1:6443"), "argo", kc)).toBe(
      'cannot reach https://10.0.0.1:6443 listing/watching Workflows in namespace "argo": connect ECONNREFUSED 10.0.0.1:6443',
    );
  });
});

describe("WorkflowInformer", () => {
  it("needs a namespace to watch", () => {
    expect(() => new WorkflowInformer({ kc: new KubeConfig(), namespaces: [], log: pino({ level: "silent" }) })).toThrow(/at least one namespace.*FRAMEGATE_ALLOWED_NAMESPACES/);
  });
});
