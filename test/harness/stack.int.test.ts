/**
 * @module test/harness/stack.int.test — smoke test of the whole local stack: MinIO notifies JetStream,
 * the gateway's ServiceAccount may create Workflows and nothing else, and the controller + scheduler + kwok
 * drive a Workflow to Succeeded (or Failed, on demand).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { parseMinioNotificationText } from "../../src/triggers/minio-event.js";
import { KWOK_EXIT_CODE_ANNOTATION } from "./kwok.js";
import { apiMessage, statusCode } from "./kube.js";
import { waitFor } from "./wait.js";
import { setBucketNotification } from "./minio.js";
import { HarnessError } from "./process.js";
import { startStack, type FullStack } from "./stack.js";

const WF = { group: "argoproj.io", version: "v1alpha1", plural: "workflows" };

interface WorkflowStatus {
  phase?: string;
  message?: string;
  nodes?: Record<string, { type: string; phase: string; hostNodeName?: string; outputs?: { exitCode?: string } }>;
}

/** A one-step Workflow; `pod` adds a nodeSelector or pod annotations to its only template. */
function workflow(name: string, ns: string, pod: { nodeSelector?: Record<string, string>; annotations?: Record<string, string> } = {}) {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { name, namespace: ns },
    spec: {
      entrypoint: "main",
      serviceAccountName: "framegate-runner",
      templates: [
        {
          name: "main",
          ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector } : {}),
          ...(pod.annotations ? { metadata: { annotations: pod.annotations } } : {}),
          container: { image: "framegate/noop:test", command: ["true"] },
        },
      ],
    },
  };
}

describe("the local stack (nats, minio, kube-apiserver, kwok, Argo)", () => {
  let stack: FullStack;

  beforeAll(async () => {
    stack = await startStack();
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it("MinIO publishes a notification for a PUT into the FRAMEGATE stream", async () => {
    const { minio, nats, streams } = stack;
    await setBucketNotification(minio.client, "raw", { prefix: "gate-1/" });
    const key = "gate-1/2026/11/28/120000 1+a.jpg"; // space and '+' are query-escaped in s3.object.key
    await minio.client.putObject("raw", key, Buffer.from("not really a jpeg"), 17, {
      "Content-Type": "image/jpeg",
      "X-Amz-Meta-Motion": "true",
    });

    // setup creates the consumer, the gateway reads from it: neither user may do both
    const admin = await nats.connectAs("setup");
    await (await jetstreamManager(admin)).consumers.add(streams.stream, { durable_name: "smoke", ack_policy: AckPolicy.Explicit });
    await admin.close();
    const nc = await nats.connectAs("gateway");
    try {
      const consumer = await jetstream(nc).consumers.get(streams.stream, "smoke");
      const msg = await consumer.next({ expires: 15_000 });
      expect(msg, "no message in the stream within 15 s").not.toBeNull();
      expect(msg!.subject).toBe(streams.minioSubject);

      const raw = msg!.json<{ EventName: string; Key: string; Records: { s3: { object: { key: string } } }[] }>();
      expect(raw.EventName).toBe("s3:ObjectCreated:Put");
      expect(raw.Key).toBe(`raw/${key}`);
      expect(raw.Records[0]!.s3.object.key).toBe("gate-1%2F2026%2F11%2F28%2F120000+1%2Ba.jpg");

      const [ev] = parseMinioNotificationText(msg!.string());
      expect(ev).toMatchObject({
        source: "minio",
        eventName: "s3:ObjectCreated:Put",
        bucket: "raw",
        key,
        size: 17,
        contentType: "image/jpeg",
        metadata: { motion: "true" },
      });
      expect(ev!.etag).toMatch(/^[0-9a-f]{32}$/);
      msg!.ack();
    } finally {
      await nc.close();
    }
  });

  it("the gateway ServiceAccount may create and read Workflows, and nothing else", async () => {
    const { argo } = stack;
    const ns = argo.namespace;
    const kc = argo.gatewayKubeConfig();
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);

    const created = await custom.createNamespacedCustomObject({ ...WF, namespace: ns, body: workflow("rbac-allowed", ns) });
    expect((created as { metadata: { uid?: string } }).metadata.uid).toBeTruthy();
    const list = (await custom.listNamespacedCustomObject({ ...WF, namespace: ns })) as { items: unknown[] };
    expect(list.items.length).toBeGreaterThanOrEqual(1);

    const denied: [string, () => Promise<unknown>][] = [
      ["create pods", () => core.createNamespacedPod({ namespace: ns, body: { metadata: { name: "sneaky" }, spec: { containers: [{ name: "c", image: "x" }] } } })],
      ["create configmaps", () => core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "sneaky" } } })],
      ["read secrets", () => core.readNamespacedSecret({ namespace: ns, name: "framegate-minio" })],
      ["delete workflows", () => custom.deleteNamespacedCustomObject({ ...WF, namespace: ns, name: "rbac-allowed" })],
      ["create workflows in another namespace", () => custom.createNamespacedCustomObject({ ...WF, namespace: "default", body: workflow("elsewhere", "default") })],
    ];
    for (const [what, call] of denied) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(statusCode(err), `${what} should be forbidden, got ${err ? apiMessage(err) : "success"}`).toBe(403);
    }
  });

  it("controller, scheduler and kwok drive a Workflow created by the gateway to Succeeded", async () => {
    const { argo, nodes } = stack;
    const ns = argo.namespace;
    const custom = argo.gatewayKubeConfig().makeApiClient(CustomObjectsApi);
    const get = async (name: string) =>
      ((await custom.getNamespacedCustomObject({ ...WF, namespace: ns, name })) as { status?: WorkflowStatus }).status ?? {};

    await custom.createNamespacedCustomObject({ ...WF, namespace: ns, body: workflow("smoke-any", ns) });
    await custom.createNamespacedCustomObject({ ...WF, namespace: ns, body: workflow("smoke-gpu", ns, { nodeSelector: { hardware: "gpu" } }) });
    await custom.createNamespacedCustomObject({
      ...WF,
      namespace: ns,
      body: workflow("smoke-exit-2", ns, { annotations: { [KWOK_EXIT_CODE_ANNOTATION]: "2" } }),
    });

    const finalPhase = async (name: string) => {
      let st: WorkflowStatus = {};
      try {
        await waitFor(`Workflow ${name} finishing`, async () => ["Succeeded", "Failed", "Error"].includes((st = await get(name)).phase ?? ""), 60_000, { pollMs: 200, describeError: apiMessage });
      } catch (e) {
        const out = `status: ${JSON.stringify(st)}\n--- workflow-controller ---\n${argo.output().slice(-8000)}\n--- kwok ---\n${nodes.output().kwok.slice(-4000)}`;
        throw new HarnessError((e as Error).message, out, { cause: e });
      }
      return st;
    };
    const [any, gpu, failed] = await Promise.all([finalPhase("smoke-any"), finalPhase("smoke-gpu"), finalPhase("smoke-exit-2")]);

    const podOf = (st: WorkflowStatus) => Object.values(st.nodes ?? {}).find((n) => n.type === "Pod");
    expect(any.phase, any.message).toBe("Succeeded");
    expect(nodes.nodes).toContain(podOf(any)?.hostNodeName);
    expect(gpu.phase, gpu.message).toBe("Succeeded");
    expect(podOf(gpu)?.hostNodeName).toBe("kwok-gpu-0");
    expect(failed.phase).toBe("Failed");
    expect(podOf(failed)?.outputs?.exitCode).toBe("2");
  }, 90_000);
});
