/**
 * @module workflows/k8s-submitter — creates Workflows in the Kubernetes API. `@kubernetes/client-node`
 * reads the kubeconfig and supplies the credentials and TLS material; the create itself is one direct POST
 * of the serialized Workflow answered with its metadata only (workflows/kube-post.ts): client-node's
 * generic request path cost about half of the gateway's CPU per event.
 * No client-side throttle: the API server's own flow control answers 429 + Retry-After, which is
 * honoured by the consumer. Connections are kept alive on one shared agent (the client's default makes
 * a new TLS connection per request).
 */
import https from "node:https";
import http from "node:http";
import { CustomObjectsApi, KubeConfig, Observable, type RequestContext, type ResponseContext } from "@kubernetes/client-node";
import { NonRetriableError } from "../lib/errors.js";
import { translateCreateError } from "./k8s-errors.js";
import { postJson, type KubeEndpoint } from "./kube-post.js";
import type { SubmitOutcome, Workflow, WorkflowSubmitter } from "./types.js";

export interface KubeSubmitterOptions {
  /** per-request deadline */
  timeoutMs: number;
  /** namespaces the gateway may create Workflows in (its RBAC); anything else is refused before the call */
  allowedNamespaces: string[];
  /** sockets kept open to the API server */
  maxSockets?: number;
}

/** Builds an agent with the kubeconfig's TLS material and keep-alive. */
export async function keepAliveAgent(kc: KubeConfig, maxSockets: number): Promise<http.Agent> {
  const opts: https.AgentOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const server = kc.getCurrentCluster()?.server ?? "";
  const common = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" as const };
  if (server.startsWith("http:")) return new http.Agent(common);
  return new https.Agent({
    ...common,
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    rejectUnauthorized: kc.getCurrentCluster()?.skipTLSVerify ? false : opts.rejectUnauthorized,
    servername: kc.getCurrentCluster()?.tlsServerName,
  });
}

/**
 * The kubeconfig's credentials as request headers, recomputed every `ttlMs` (token files and exec
 * plugins rotate; the client's own method recomputes them, and builds a new agent, on every request).
 */
export class CachedKubeAuth {
  #headers?: Record<string, string>;
  #at = 0;
  constructor(private readonly kc: KubeConfig, private readonly ttlMs = 30_000) {}

  async headers(): Promise<Record<string, string>> {
    if (this.#headers && Date.now() - this.#at < this.ttlMs) return this.#headers;
    const opts: https.RequestOptions & { headers?: Record<string, string> } = {};
    await this.kc.applyToHTTPSOptions(opts);
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) h[k] = String(v);
    if (typeof opts.auth === "string" && !h["Authorization"]) h["Authorization"] = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
    this.#headers = h;
    this.#at = Date.now();
    return h;
  }
}

export class KubeWorkflowSubmitter implements WorkflowSubmitter {
  readonly #api: CustomObjectsApi;
  readonly #agent: http.Agent;
  readonly #auth: CachedKubeAuth;
  readonly #opts: KubeSubmitterOptions;
  readonly #endpoint: KubeEndpoint;

  private constructor(api: CustomObjectsApi, agent: http.Agent, auth: CachedKubeAuth, server: string, opts: KubeSubmitterOptions) {
    this.#api = api;
    this.#agent = agent;
    this.#auth = auth;
    this.#opts = opts;
    this.#endpoint = { server, agent, headers: () => auth.headers() };
  }

  static async create(kc: KubeConfig, opts: KubeSubmitterOptions): Promise<KubeWorkflowSubmitter> {
    const agent = await keepAliveAgent(kc, opts.maxSockets ?? 64);
    const auth = new CachedKubeAuth(kc);
    await auth.headers(); // fail early on a kubeconfig whose credentials cannot be loaded
    return new KubeWorkflowSubmitter(kc.makeApiClient(CustomObjectsApi), agent, auth, kc.getCurrentCluster()?.server ?? "", opts);
  }

  async create(wf: Workflow, signal?: AbortSignal): Promise<SubmitOutcome> {
    const ns = wf.metadata.namespace;
    const what = `Workflow ${ns}/${wf.metadata.name}`;
    if (!this.#opts.allowedNamespaces.includes(ns)) {
      throw new NonRetriableError(
        `${what}: namespace "${ns}" is not one the gateway may create Workflows in (FRAMEGATE_ALLOWED_NAMESPACES=${this.#opts.allowedNamespaces.join(",")}) — change spec.workflow.namespace or allow it (and grant the RBAC)`,
      );
    }
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      await postJson(this.#endpoint, `/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/workflows`, JSON.stringify(wf), sig);
      return "created";
    } catch (e) {
      const t = translateCreateError(e, what);
      if (t.kind === "exists") return "exists";
      throw t.error;
    }
  }

  /** Cheap reachability probe for /readyz: can we list Workflows in the first allowed namespace? */
  async ping(): Promise<void> {
    const ns = this.#opts.allowedNamespaces[0] ?? "argo";
    await this.#api.listNamespacedCustomObject(
      { group: "argoproj.io", version: "v1alpha1", namespace: ns, plural: "workflows", limit: 1 },
      requestOptions(this.#agent, AbortSignal.timeout(this.#opts.timeoutMs), this.#auth),
    );
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Per-request options: cached credentials, the shared keep-alive agent and an abort signal. */
function requestOptions(agent: http.Agent, signal: AbortSignal, auth: CachedKubeAuth) {
  return {
    authMethods: {
      default: {
        getName: () => "framegate-cached-kubeconfig",
        applySecurityAuthentication: async (ctx: RequestContext) => {
          for (const [k, v] of Object.entries(await auth.headers())) ctx.setHeaderParam(k, v);
          ctx.setAgent(agent);
        },
      },
    },
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setAgent(agent);
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: "append" as const,
  };
}
