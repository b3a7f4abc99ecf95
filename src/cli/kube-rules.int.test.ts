/**
 * @module cli/kube-rules.int.test — `serve`'s rule store with FRAMEGATE_RULES_SOURCE=kubernetes on a real
 * kube-apiserver: it starts from the namespace's resources and follows them; without the CRDs it refuses
 * to start with a message that says what to apply.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKube, type KubeCluster } from "../../test/harness/kube.js";
import { REPO_ROOT, toolPath } from "../../test/harness/util.js";
import { waitFor } from "../../test/harness/wait.js";
import { loadConfig } from "../config/env.js";
import { createMetrics } from "../lib/metrics.js";
import type { RuleStore } from "../rules/rule-store.js";
import { openKubeRules } from "./kube-rules.js";

const exec = promisify(execFile);
const log = pino({ level: "silent" });
let kube: KubeCluster;
let kubeconfig: string;
const closers: (() => unknown)[] = [];
const defer = (_: string, close: () => unknown) => void closers.push(close);

const kubectl = async (...args: string[]) => (await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, ...args])).stdout;

beforeAll(async () => {
  kube = await startKube();
  kubeconfig = kube.writeKubeconfig("kube-rules-cli");
}, 120_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await kube?.stop();
});

describe("serve's rules from the API server", () => {
  it("refuses to start without the CRDs, saying what to apply", async () => {
    const cfg = loadConfig({ FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_NAMESPACE: "nowhere" });
    await expect(openKubeRules(cfg, kube.kubeConfig(), log, undefined, defer, 2_000)).rejects.toThrow(
      /^cannot list the Pipelines and ProcessingServices of namespace nowhere within 2 s — apply the CRDs \(kubectl apply -k k8s\/base\/crds\)/,
    );
  });

  it("starts from the namespace's Pipelines and follows their changes", async () => {
    await kubectl("apply", "-k", join(REPO_ROOT, "k8s", "base", "crds"));
    await kubectl("wait", "--for=condition=Established", "--timeout=30s", "crd", "-l", "app.kubernetes.io/part-of=framegate");
    await kubectl("create", "namespace", "fg");
    await kubectl("apply", "-n", "fg", "-f", join(REPO_ROOT, "pipelines"), "-f", join(REPO_ROOT, "services", "resize", "service.yaml"), "-f", join(REPO_ROOT, "services", "detect", "service.yaml"), "-f", join(REPO_ROOT, "services", "blur", "service.yaml"));
    const cfg = loadConfig({ FRAMEGATE_RULES_SOURCE: "kubernetes", FRAMEGATE_NAMESPACE: "fg", FRAMEGATE_POD_NAME: "gw-0" });
    const metrics = createMetrics({ defaultMetrics: false });
    const { store }: { store: RuleStore } = await openKubeRules(cfg, kube.kubeConfig(), log, metrics, defer, 20_000);
    expect(store.current().ruleSet.pipelines.map((p) => p.name).sort()).toEqual(["gate-cameras", "lobby-image-processing", "masked-thumbnails", "motion-alerts", "people-detect", "privacy-detect"]);
    const exported = await metrics.registry.metrics();
    expect(exported).toContain('framegate_rule_resources{kind="Pipeline",accepted="true"} 6');
    expect(exported).toContain('framegate_rule_resources{kind="ProcessingService",accepted="true"} 3');
    expect(exported).toContain("framegate_rules_pipelines 6");
    const before = store.current();
    await kubectl("delete", "pipeline", "-n", "fg", "lobby-image-processing");
    await waitFor("the deleted pipeline gone from the store", () => !store.current().ruleSet.pipelines.some((p) => p.name === "lobby-image-processing"), 5_000);
    expect(store.current()).not.toBe(before);
    expect(await store.reload()).toEqual({ changed: false, issues: [] });
    const lease = JSON.parse(await kubectl("get", "lease", "-n", "fg", "framegate-status-writer", "-o", "json")) as { spec: { holderIdentity: string } };
    expect(lease.spec.holderIdentity).toBe("gw-0");
  });
});
