/**
 * @module workflows/k8s-submitter — creates Workflows in the Kubernetes API. `@kubernetes/client-node`
 * reads the kubeconfig and supplies the credentials and TLS material; the create itself is one direct POST
 * of the serialized Workflow answered with its metadata only (workflows/kube-post.ts): client-node's
 * generic request path cost about half of the gateway's CPU per event.
 * Over TLS the creates share one HTTP/2 session (workflows/kube-h2.ts: a turn's requests leave in one TLS
 * write), as client-go's do; a server that offers only HTTP/1.1 in ALPN, a plain http:// server and
 * `http2: false` use kept-alive HTTP/1.1 connections on one shared agent (the client's default makes a new
 * TLS connection per request).
 * No client-side throttle: the API server's own flow control answers 429 + Retry-After, which is
 * honoured by the consumer.
 */
import https from "node:https";
import http from "node:http";
import { CustomObjectsApi, KubeConfig, Observable, type RequestContext, type ResponseContext } from "@kubernetes/client-node";
import { NonRetriableError } from "../lib/errors.js";
import { translateCreateError } from "./k8s-errors.js";
import { KubeH2Client, type KubeH2Options, type KubeTlsOptions } from "./kube-h2.js";
import { postJson, type KubeEndpoint } from "./kube-post.js";
import type { SubmitOutcome, Workflow, WorkflowSubmitter } from "./types.js";

export interface KubeSubmitterOptions {
  /** per-request deadline */
  timeoutMs: number;
  /** namespaces the gateway may create Workflows in (its RBAC); anything else is refused before the call */
  allowedNamespaces: string[];
  /** HTTP/1.1 sockets kept open to the API server, and HTTP/2 streams open at once on its session */
  maxSockets?: number;
  /** over TLS, create on one HTTP/2 session when the server offers h2 (default true; `FRAMEGATE_KUBE_HTTP2`) */
  http2?: boolean;
  /** the HTTP/2 session's stream and session events (for the metrics) */
  h2Events?: Pick<KubeH2Options, "onStreams" | "onSession">;
}

/** The kubeconfig's TLS material: CA, client certificate and key, whether to verify, the name to verify. */
export async function kubeTlsOptions(kc: KubeConfig): Promise<KubeTlsOptions> {
  const opts: https.AgentOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const cluster = kc.getCurrentCluster();
  return {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    rejectUnauthorized: cluster?.skipTLSVerify ? false : opts.rejectUnauthorized,
    ...(cluster?.tlsServerName && { servername: cluster.tlsServerName }),
  };
}

/** Builds an agent with the kubeconfig's TLS material and keep-alive. */
export async function keepAliveAgent(kc: KubeConfig, maxSockets: number): Promise<http.Agent> {
  const server = kc.getCurrentCluster()?.server ?? "";
  const common = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" as const };
  if (server.startsWith("http:")) return new http.Agent(common);
  return new https.Agent({ ...common, ...(await kubeTlsOptions(kc)) });
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
  /** unset for http://, with `http2: false`, and once the server answered ALPN with http/1.1 */
  #h2: KubeH2Client | undefined;

  private constructor(api: CustomObjectsApi, agent: http.Agent, auth: CachedKubeAuth, server: string, opts: KubeSubmitterOptions, h2: KubeH2Client | undefined) {
    this.#api = api;
    this.#agent = agent;
    this.#auth = auth;
    this.#opts = opts;
    this.#endpoint = { server, agent, headers: () => auth.headers() };
    this.#h2 = h2;
  }

  static async create(kc: KubeConfig, opts: KubeSubmitterOptions): Promise<KubeWorkflowSubmitter> {
    const agent = await keepAliveAgent(kc, opts.maxSockets ?? 64);
    const auth = new CachedKubeAuth(kc);
    await auth.headers(); // fail early on a kubeconfig whose credentials cannot be loaded
    const server = kc.getCurrentCluster()?.server ?? "";
    const h2 =
      (opts.http2 ?? true) && server.startsWith("https:")
        ? new KubeH2Client(server, await kubeTlsOptions(kc), { maxStreams: opts.maxSockets ?? 64, connectTimeoutMs: opts.timeoutMs, ...opts.h2Events })
        : undefined;
    return new KubeWorkflowSubmitter(kc.makeApiClient(CustomObjectsApi), agent, auth, server, opts, h2);
  }

  /** The protocol creates go over: "h2" until the server has answered ALPN with http/1.1, else "http/1.1". */
  get protocol(): "h2" | "http/1.1" {
    return this.#h2 ? "h2" : "http/1.1";
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
      await this.#post(`/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(ns)}/workflows`, JSON.stringify(wf), sig);
      return "created";
    } catch (e) {
      const t = translateCreateError(e, what);
      if (t.kind === "exists") return "exists";
      throw t.error;
    }
  }

  async #post(path: string, body: string, signal: AbortSignal): Promise<void> {
    const h2 = this.#h2;
    if (h2) {
      if ((await h2.post(path, body, await this.#auth.headers(), signal)) !== "http/1.1") return;
      // the server (or a proxy in front of it) speaks HTTP/1.1 only: stay on it
      if (this.#h2 === h2) this.#h2 = undefined;
      h2.close();
    }
    await postJson(this.#endpoint, path, body, signal);
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
    this.#h2?.close();
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
