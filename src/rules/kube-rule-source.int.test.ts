/**
 * @module rules/kube-rule-source.int.test — rules from a real kube-apiserver: two replicas (sources with
 * their own status Lease), each with the gateway's ServiceAccount token and Role only. The examples are
 * accepted; what only the loader can judge is refused with its path while the others keep running; a new
 * catalog entry and a kubectl patch reach both replicas within seconds; the status is written once, by
 * one replica.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CustomObjectsApi } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKube, type KubeCluster } from "../../test/harness/kube.js";
import { waitFor } from "../../test/harness/wait.js";
import { REPO_ROOT, toolPath } from "../../test/harness/util.js";
import { createMetrics, type Metrics } from "../lib/metrics.js";
import { KubeRuleSource } from "./kube-rule-source.js";
import type { ResourceStatus, RuleResource } from "./resource-rules.js";
import { StatusLease } from "./status-lease.js";
import type { RuleSet } from "./types.js";

const exec = promisify(execFile);
const NS = "framegate"; // the namespace k8s/base/gateway/rbac.yaml binds the gateway's account in
const log = pino({ level: process.env.TEST_LOG ?? "silent" });
const work = mkdtempSync(join(tmpdir(), "framegate-kube-rules-"));
let kube: KubeCluster;
let kubeconfig: string;
let admin: CustomObjectsApi;

interface Replica {
  source: KubeRuleSource;
  lease: StatusLease;
  metrics: Metrics;
  ruleSet?: RuleSet;
}
const replicas: Replica[] = [];

async function kubectl(...args: string[]): Promise<string> {
  try {
    return (await exec(toolPath("KUBECTL"), ["--kubeconfig", kubeconfig, ...args])).stdout;
  } catch (e) {
    throw new Error(`kubectl ${args.join(" ")}: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
  }
}

async function apply(name: string, yaml: string): Promise<void> {
  const file = join(work, `${name}.yaml`);
  writeFileSync(file, yaml);
  await kubectl("apply", "--validate=strict", "-n", NS, "-f", file);
}

async function get(plural: string, name: string): Promise<RuleResource> {
  return (await admin.getNamespacedCustomObject({ group: "framegate.io", version: "v1alpha1", namespace: NS, plural, name })) as RuleResource;
}

const accepted = (s: ResourceStatus | undefined) => s?.conditions?.find((c) => c.type === "Accepted");
/** framegate_rules_last_reload_valid of a replica (alert FramegateRuleReloadRefused fires on 0) */
const rulesValid = async (r: Replica) => (await r.metrics.rulesValid.get()).values[0]?.value;
const names = (r: Replica) => (r.ruleSet?.pipelines.map((p) => p.name) ?? []).sort();

async function startReplica(identity: string, token: string): Promise<Replica> {
  const kc = kube.kubeConfig(token, NS);
  const replica = { metrics: createMetrics() } as Replica;
  replica.lease = new StatusLease({ kc, namespace: NS, identity, log, durationSeconds: 10, onLeader: () => replica.source?.resync() });
  replica.source = new KubeRuleSource({ kc, namespace: NS, log, lease: replica.lease, metrics: replica.metrics, onChange: (j) => (replica.ruleSet = j.ruleSet) });
  await replica.lease.start();
  await replica.source.start();
  expect(await replica.source.whenSynced(10_000)).toBe(true);
  replicas.push(replica);
  return replica;
}

beforeAll(async () => {
  kube = await startKube();
  kubeconfig = kube.writeKubeconfig("kube-rules");
  admin = kube.kubeConfig().makeApiClient(CustomObjectsApi);
  await kubectl("apply", "-k", join(REPO_ROOT, "k8s", "base", "crds"));
  await kubectl("wait", "--for=condition=Established", "--timeout=30s", "crd", "-l", "app.kubernetes.io/part-of=framegate");
  await kubectl("create", "namespace", NS);
  await kubectl("create", "serviceaccount", "-n", NS, "framegate-gateway");
  await kubectl("apply", "-n", NS, "-f", join(REPO_ROOT, "k8s", "base", "gateway", "rbac.yaml"));
  await kubectl("apply", "-n", NS, "-f", join(REPO_ROOT, "pipelines"));
  await kubectl("apply", "-n", NS, "-f", join(REPO_ROOT, "services", "resize", "service.yaml"), "-f", join(REPO_ROOT, "services", "detect", "service.yaml"), "-f", join(REPO_ROOT, "services", "blur", "service.yaml"));
  const token = (await kubectl("create", "token", "-n", NS, "framegate-gateway", "--duration=1h")).trim();
  await startReplica("replica-a", token);
  await startReplica("replica-b", token);
}, 120_000);

afterAll(async () => {
  for (const r of replicas) {
    await r.source.stop();
    await r.lease.stop();
  }
  await kube?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("rules from the API server (FRAMEGATE_RULES_SOURCE=kubernetes)", () => {
  it("accepts the examples on every replica; one replica writes each status, once", async () => {
    for (const r of replicas) expect(names(r)).toEqual(["gate-cameras", "lobby-image-processing", "masked-thumbnails", "motion-alerts", "people-detect", "privacy-detect"]);
    expect(replicas.filter((r) => r.lease.leader)).toHaveLength(1);
    for (const r of replicas) expect(await rulesValid(r)).toBe(1);
    await waitFor("every example Accepted=True", async () => (await Promise.all(["gate-cameras", "people-detect", "motion-alerts", "lobby-image-processing", "privacy-detect", "masked-thumbnails"].map((n) => get("pipelines", n)))).every((p) => accepted(p.status)?.status === "True"), 30_000);
    const people = await get("pipelines", "people-detect");
    expect(people.status).toMatchObject({ observedGeneration: 1, trigger: "minio raw {camera}/**/*.jpg", select: "sample 5s, dedupe 24h" });
    expect(accepted(people.status)).toMatchObject({ reason: "Accepted", observedGeneration: 1 });
    expect((await get("processingservices", "detect")).status?.observedGeneration).toBe(1);
    const table = await kubectl("get", "pipelines", "-n", NS);
    expect(table).toMatch(/^motion-alerts\s+webhook motion-alerts\s+sample 10s, dedupe 10m\s+True\s/m);

    const writes = () => replicas.map((r) => r.source.statusWrites);
    // 6 pipelines and 3 services
    await waitFor("nine status writes", async () => writes().reduce((a, b) => a + b) === 9, 45_000, () => `writes per replica: ${writes().join(", ")}`);
    const rv = people.metadata as { resourceVersion?: string };
    await new Promise((r) => setTimeout(r, 2500));
    expect(writes().reduce((a, b) => a + b), "no status is written twice").toBe(9);
    expect(writes().filter((w) => w > 0)).toHaveLength(1);
    expect(((await get("pipelines", "people-detect")).metadata as { resourceVersion?: string }).resourceVersion).toBe(rv.resourceVersion);
  }, 90_000);

  it("refuses what only the loader can judge, with the path and the fix, and keeps the others running", async () => {
    const trigger = `  trigger: { bucket: raw, key: "{camera}/**/*.png" }\n`;
    // one apply: both arrive within the source's debounce, so the refusal is one reload (counted once below)
    await apply("refused", `apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata: { name: redact-faces }\nspec:\n${trigger}  workflow:\n    steps: [{ name: redact, service: redact }]\n---\napiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata: { name: looped }\nspec:\n${trigger}  workflow:\n    steps:\n      - { name: a, service: resize, after: [b] }\n      - { name: b, service: detect, after: [a] }\n`);
    await waitFor("both refused", async () => [await get("pipelines", "redact-faces"), await get("pipelines", "looped")].every((p) => accepted(p.status)?.status === "False"), 30_000);
    const redact = accepted((await get("pipelines", "redact-faces")).status)!;
    expect(redact.reason).toBe("InvalidSpec");
    expect(redact.message).toMatch(/^spec\.workflow\.steps\[0\]\.service: service "redact" is not in the catalog — known services: blur, detect, resize/);
    expect(accepted((await get("pipelines", "looped")).status)!.message).toContain("spec.workflow.steps[1].after[0]: steps wait for each other in a cycle: a -> b -> a");
    for (const r of replicas) expect(names(r)).toEqual(["gate-cameras", "lobby-image-processing", "masked-thumbnails", "motion-alerts", "people-detect", "privacy-detect"]);
    expect(await kubectl("get", "pipelines", "-n", NS, "-o", "wide")).toMatch(/^looped\s.*\sFalse\s+InvalidSpec\s/m);
    for (const r of replicas) {
      expect(await rulesValid(r), "a refused Pipeline sets the rule-reload gauge to 0").toBe(0);
      expect((await r.metrics.rulesReloads.get()).values.find((v) => v.labels.result === "invalid")?.value).toBe(1);
    }
  });

  it("runs a pipeline as soon as the catalog entry it needs is applied, without a restart", async () => {
    await apply("redact-service", `apiVersion: framegate.io/v1alpha1\nkind: ProcessingService\nmetadata: { name: redact }\nspec:\n  image: example/redact:1\n  command: [redact]\n`);
    await waitFor("redact-faces on both replicas", async () => replicas.every((r) => names(r).includes("redact-faces")), 30_000);
    await waitFor("redact-faces Accepted=True", async () => accepted((await get("pipelines", "redact-faces")).status)?.status === "True", 30_000);
    expect(replicas.every((r) => !names(r).includes("looped"))).toBe(true);
    expect(await rulesValid(replicas[0]!), "looped is still refused").toBe(0);
    await kubectl("delete", "pipeline", "-n", NS, "looped");
    await waitFor("the gauge back at 1 on both replicas once nothing is refused", async () => (await Promise.all(replicas.map(rulesValid))).every((v) => v === 1), 10_000);
  });

  it("applies a kubectl patch on every replica within seconds", async () => {
    const started = Date.now();
    await kubectl("patch", "pipeline", "-n", NS, "gate-cameras", "--type=json", "-p", '[{"op":"replace","path":"/spec/workflow/steps/0/params/confidence","value":"0.9"}]');
    const confidence = (r: Replica) => r.ruleSet?.pipelines.find((p) => p.name === "gate-cameras")?.spec.workflow.steps?.[0]?.params.confidence;
    await waitFor("the new confidence on both replicas", async () => replicas.every((r) => confidence(r) === "0.9"), 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    await waitFor("observedGeneration 2", async () => (await get("pipelines", "gate-cameras")).status?.observedGeneration === 2, 30_000);
  });

  it("hands the status over when the writer stops", async () => {
    const leader = replicas.find((r) => r.lease.leader)!;
    const other = replicas.find((r) => r !== leader)!;
    await leader.source.stop();
    await leader.lease.stop();
    replicas.splice(replicas.indexOf(leader), 1);
    await waitFor("the other replica takes the lease", async () => other.lease.leader, 30_000);
    await kubectl("patch", "pipeline", "-n", NS, "people-detect", "--type=json", "-p", '[{"op":"replace","path":"/spec/workflow/steps/0/service","value":"nope"}]');
    await waitFor("the new writer refuses the broken generation", async () => {
      const p = await get("pipelines", "people-detect");
      return p.status?.observedGeneration === 2 && accepted(p.status)?.status === "False";
    }, 30_000);
    expect(names(other)).not.toContain("people-detect");
    expect(await rulesValid(other)).toBe(0);
  });
});
