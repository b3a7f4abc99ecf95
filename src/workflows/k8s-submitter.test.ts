/**
 * The submitter's error boundary against faults a real API server cannot be made to produce on demand
 * (msw intercepts the client's HTTP requests): 429 with Retry-After, a 500 storm, a hung connection, plus
 * the real Status bodies of 409 and 422.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { http, HttpResponse, delay } from "msw";
import { setupServer } from "msw/node";
import { KubeConfig } from "@kubernetes/client-node";
import { NonRetriableError, RetryAfterError } from "../lib/errors.js";
import { KubeWorkflowSubmitter } from "./k8s-submitter.js";
import { KubeApiError, MAX_ANSWER_BYTES, METADATA_ONLY_ACCEPT } from "./kube-post.js";
import type { Workflow } from "./types.js";

const API = "http://kube.test:6443";
const PATH = `${API}/apis/argoproj.io/v1alpha1/namespaces/argo/workflows`;
const server = setupServer();
let seenAuth: (string | null)[] = [];
let seenAccept: (string | null)[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => {
  server.resetHandlers();
  seenAuth = [];
  seenAccept = [];
});
afterAll(() => server.close());

function kubeConfig(server = API): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "gw", token: "gateway-token" }],
    contexts: [{ name: "ctx", cluster: "c", user: "gw" }],
    currentContext: "ctx",
  });
  return kc;
}

function wf(name: string, namespace = "argo"): Workflow {
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name, namespace, labels: {}, annotations: {} }, spec: { entrypoint: "main" } };
}

const status = (code: number, reason: string, message: string) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", code, reason, message });

async function submitter(timeoutMs = 2000, server = API) {
  return KubeWorkflowSubmitter.create(kubeConfig(server), { timeoutMs, allowedNamespaces: ["argo"] });
}

describe("KubeWorkflowSubmitter", () => {
  it("creates with the kubeconfig's bearer token, sending the Workflow as it is and asking for its metadata only", async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(PATH, async ({ request }) => {
        seenAuth.push(request.headers.get("authorization"));
        seenAccept.push(request.headers.get("accept"));
        const body = (await request.json()) as Workflow;
        bodies.push(body);
        return HttpResponse.json({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: body.metadata }, { status: 201 });
      }),
    );
    const s = await submitter();
    expect(await s.create(wf("a"))).toBe("created");
    expect(await s.create(wf("b"))).toBe("created");
    expect(seenAuth).toEqual(["Bearer gateway-token", "Bearer gateway-token"]);
    expect(seenAccept).toEqual([METADATA_ONLY_ACCEPT, METADATA_ONLY_ACCEPT]);
    expect(bodies).toEqual([wf("a"), wf("b")]);
    s.close();
  });

  it("keeps the path prefix of the kubeconfig's server (an API server behind a proxy)", async () => {
    server.use(http.post(`${API}/k8s/clusters/c-1/apis/argoproj.io/v1alpha1/namespaces/argo/workflows`, () => HttpResponse.json({}, { status: 201 })));
    const s = await submitter(2000, `${API}/k8s/clusters/c-1/`);
    expect(await s.create(wf("a"))).toBe("created");
    s.close();
  });

  it("reads 409 AlreadyExists from the Status body as a Workflow that exists", async () => {
    server.use(http.post(PATH, () => HttpResponse.json(status(409, "AlreadyExists", 'workflows.argoproj.io "a" already exists'), { status: 409 })));
    const s = await submitter();
    expect(await s.create(wf("a"))).toBe("exists");
    s.close();
  });

  it("turns 429 into a retry after the server's Retry-After", async () => {
    server.use(http.post(PATH, () => HttpResponse.json(status(429, "TooManyRequests", "too many requests, please try again later"), { status: 429, headers: { "Retry-After": "7" } })));
    const s = await submitter();
    const err = await s.create(wf("a")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).retryAfterMs).toBe(7000);
    expect((err as RetryAfterError).reason).toBe("throttled");
    s.close();
  });

  it("keeps every request of a 500 storm retryable, with the server's message", async () => {
    server.use(http.post(PATH, () => HttpResponse.json(status(500, "InternalError", "etcdserver: leader changed"), { status: 500 })));
    const s = await submitter();
    const errs = await Promise.all(Array.from({ length: 20 }, (_, i) => s.create(wf(`w${i}`)).catch((e: unknown) => e)));
    expect(errs.every((e) => e instanceof RetryAfterError && e.reason === "server-error")).toBe(true);
    expect((errs[0] as Error).message).toMatch(/etcdserver: leader changed/);
    s.close();
  });

  it("gives up on a hung connection after its deadline, as a retryable timeout", async () => {
    server.use(
      http.post(PATH, async () => {
        await delay("infinite");
        return HttpResponse.json({});
      }),
    );
    const s = await submitter(300);
    const t0 = Date.now();
    const err = await s.create(wf("a")).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).reason).toBe("timeout");
    s.close();
  });

  it("makes 422 Invalid non-retriable, naming what the API server refused", async () => {
    server.use(
      http.post(PATH, () =>
        HttpResponse.json(status(422, "Invalid", 'Workflow.argoproj.io "a" is invalid: metadata.labels: Invalid value: "x": must be 63 characters or less'), { status: 422 }),
      ),
    );
    const s = await submitter();
    const err = await s.create(wf("a")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetriableError);
    expect((err as Error).message).toMatch(/422 Invalid.*metadata\.labels/);
    s.close();
  });

  it("keeps at most MAX_ANSWER_BYTES of an error answer (a proxy's huge error page)", async () => {
    server.use(http.post(PATH, () => new HttpResponse("x".repeat(MAX_ANSWER_BYTES * 4), { status: 502, headers: { "content-type": "text/html" } })));
    const s = await submitter();
    const err = await s.create(wf("a")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryAfterError);
    expect((err as RetryAfterError).reason).toBe("server-error");
    const cause = (err as Error).cause as KubeApiError;
    expect(cause).toBeInstanceOf(KubeApiError);
    expect(cause.code).toBe(502);
    expect(cause.body.length).toBe(MAX_ANSWER_BYTES);
    s.close();
  });

  it("refuses a namespace outside the allow-list before any request", async () => {
    const s = await submitter();
    const err = await s.create(wf("a", "kube-system")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonRetriableError);
    expect((err as Error).message).toMatch(/namespace "kube-system" is not one the gateway may create Workflows in/);
    s.close();
  });
});
