/**
 * The direct create path (workflows/kube-h2.ts, HTTP/2 as kube-apiserver offers it; kube-post.ts for
 * HTTP/1.1) against a real kube-apiserver with Argo's CRDs, on the gateway ServiceAccount's token over TLS:
 * the Workflow stored is the one sent, the API server answers the create with metadata only when asked,
 * and 409/422/403 read as they do through client-node.
 */
import { request } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { NonRetriableError, RetryAfterError } from "../lib/errors.js";
import { keepAliveAgent, KubeWorkflowSubmitter } from "./k8s-submitter.js";
import { METADATA_ONLY_ACCEPT } from "./kube-post.js";
import { renderWorkflow } from "./render.js";
import type { Workflow } from "./types.js";
import { catalog, inlinePipeline, match, objectEvent } from "../../test/fixtures/render-fixtures.js";
import { installArgo, startKube, type ArgoInstall, type KubeCluster } from "../../test/harness/index.js";

const WF = { group: "argoproj.io", version: "v1alpha1", plural: "workflows" } as const;

function rendered(pipeline: string, key: string): Workflow {
  return renderWorkflow([match(inlinePipeline(pipeline), objectEvent(key))], catalog());
}

describe("KubeWorkflowSubmitter against kube-apiserver", () => {
  let kube: KubeCluster;
  let argo: ArgoInstall;
  let submitter: KubeWorkflowSubmitter;
  const sessions: string[] = [];
  let mostStreams = 0;

  beforeAll(async () => {
    kube = await startKube();
    argo = await installArgo(kube);
    submitter = await KubeWorkflowSubmitter.create(argo.gatewayKubeConfig(), {
      timeoutMs: 10_000,
      allowedNamespaces: ["argo", "default"],
      h2Events: { onSession: (e) => sessions.push(e), onStreams: (active) => (mostStreams = Math.max(mostStreams, active)) },
    });
  }, 180_000);

  afterAll(async () => {
    submitter?.close();
    await kube?.stop();
  }, 60_000);

  it("stores the Workflow it was given, field for field", async () => {
    const wf = rendered("int-direct", "gate-01/2026/11/28/120000-1.jpg");
    expect(await submitter.create(wf)).toBe("created");
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const got = (await api.getNamespacedCustomObject({ ...WF, namespace: "argo", name: wf.metadata.name })) as Workflow;
    expect(got.metadata.labels).toEqual(wf.metadata.labels);
    expect(got.metadata.annotations).toEqual(wf.metadata.annotations);
    expect(got.spec).toEqual(wf.spec);
  });

  it("is answered with the created object's metadata only (PartialObjectMetadata), not its full echo", async () => {
    // the same request the submitter makes, reading the answer it throws away
    const wf = rendered("int-partial", "gate-01/2026/11/28/120000-1.jpg");
    const kc = argo.gatewayKubeConfig();
    const agent = await keepAliveAgent(kc, 1);
    const body = JSON.stringify(wf);
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${kube.server}/apis/argoproj.io/v1alpha1/namespaces/argo/workflows`,
        { method: "POST", agent, headers: { Authorization: `Bearer ${argo.gatewayToken}`, "Content-Type": "application/json", Accept: METADATA_ONLY_ACCEPT, "Content-Length": Buffer.byteLength(body) } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d)).on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    agent.destroy();
    expect(answer.status).toBe(201);
    const obj = JSON.parse(answer.text) as { kind: string; apiVersion: string; metadata: { name: string; uid?: string }; spec?: unknown };
    expect(obj).toMatchObject({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: { name: wf.metadata.name } });
    expect(obj.metadata.uid).toBeTruthy();
    expect(obj.spec).toBeUndefined();
    expect(answer.text.length).toBeLessThan(body.length);
  });

  it("reads a second create of the same Workflow (a redelivery) as one that exists", async () => {
    const wf = rendered("int-conflict", "gate-01/2026/11/28/120000-1.jpg");
    expect(await submitter.create(wf)).toBe("created");
    expect(await submitter.create(structuredClone(wf))).toBe("exists");
  });

  it("makes the API server's 422 final, naming the field", async () => {
    const wf = rendered("int-invalid", "gate-01/2026/11/28/120000-1.jpg");
    wf.metadata.labels["framegate.io/camera"] = "c".repeat(100);
    const err = await submitter.create(wf).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetriableError);
    expect((err as Error).message).toContain(`Kubernetes rejected Workflow argo/${wf.metadata.name} (422 Invalid)`);
    expect((err as Error).message).toMatch(/metadata\.labels: Invalid value: "c{100}": must be no more than 63 characters/);
  });

  it("keeps a 403 (a namespace the token may not create in) retryable, naming the ServiceAccount", async () => {
    const wf = rendered("int-forbidden", "gate-01/2026/11/28/120000-1.jpg");
    wf.metadata.namespace = "default";
    const err = await submitter.create(wf).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).reason).toBe("forbidden");
    expect((err as Error).message).toMatch(/\(403 Forbidden\): .*framegate-gateway.*check the gateway's ServiceAccount and Role/);
  });

  it("creates many at once as streams of one HTTP/2 session", async () => {
    const wfs = Array.from({ length: 200 }, (_, i) => rendered("int-many", `gate-02/2026/11/28/120000-${i}.jpg`));
    const out = await Promise.all(wfs.map((w) => submitter.create(w)));
    expect(out.filter((o) => o === "created")).toHaveLength(200);
    const api = kube.kubeConfig().makeApiClient(CustomObjectsApi);
    const list = (await api.listNamespacedCustomObject({ ...WF, namespace: "argo", labelSelector: "framegate.io/pipeline=int-many" })) as { items: unknown[] };
    expect(list.items).toHaveLength(200);
    // kube-apiserver offers h2 in ALPN: every create of this file went over the one session it opened
    expect(submitter.protocol).toBe("h2");
    expect(sessions).toEqual(["connected"]);
    expect(mostStreams).toBeGreaterThan(1);
  });

  it("creates over HTTP/1.1 when told not to use HTTP/2", async () => {
    const h1 = await KubeWorkflowSubmitter.create(argo.gatewayKubeConfig(), { timeoutMs: 10_000, allowedNamespaces: ["argo"], http2: false });
    try {
      expect(h1.protocol).toBe("http/1.1");
      const wf = rendered("int-h1", "gate-03/2026/11/28/120000-1.jpg");
      expect(await h1.create(wf)).toBe("created");
      expect(await h1.create(structuredClone(wf))).toBe("exists");
    } finally {
      h1.close();
    }
  });
});
