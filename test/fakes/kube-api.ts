/**
 * @module test/fakes/kube-api — a small HTTP server that answers like kube-apiserver for Argo Workflows:
 * 201 with the object, 409 AlreadyExists (a real Status body) for a name that exists, and injected
 * faults (429 + Retry-After, 500, 422, a hung connection). Used where a fault must happen on demand;
 * the real API server runs in the end-to-end tests. Plain HTTP/1.1 by default; `{ tls: true }` serves TLS
 * with ALPN h2 and http/1.1, as kube-apiserver does (a self-signed certificate the kubeconfig trusts).
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo } from "node:net";
import { selfSignedCert } from "../harness/self-signed-cert.js";
import { makeTempDir } from "../harness/util.js";

type Req = IncomingMessage | Http2ServerRequest;
type Res = ServerResponse | Http2ServerResponse;
type AnyServer = ReturnType<typeof createServer> | ReturnType<typeof createSecureServer>;

export type Fault =
  | { kind: "status"; code: number; retryAfter?: string; reason?: string; message?: string }
  | { kind: "hang" }
  /** store the object, then drop the connection without answering */
  | { kind: "store-then-drop" };

export interface CreatedWorkflow {
  name: string;
  namespace: string;
  body: { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> };
  at: number;
}

export class FakeKubeApi {
  readonly workflows = new Map<string, CreatedWorkflow>();
  /** every POST, in order, with the status it got */
  readonly requests: { name: string; status: number; at: number; http: string; auth?: string }[] = [];
  /** faults applied to the next POSTs, one each */
  readonly faults: Fault[] = [];
  /** a fault decided per request (after the queue); return undefined for normal handling */
  faultFor?: (name: string, n: number) => Fault | undefined;
  /** called after an object is stored */
  onCreate?: (wf: CreatedWorkflow) => void;
  #server?: AnyServer;
  #hung: Res[] = [];
  #ca?: string;
  #cleanup?: () => void;
  url = "";

  /**
   * `keepSpecs: false` stores each Workflow's metadata only (its `spec` as `{}`): for benchmarks, so the
   * stand-in does not grow by a whole Workflow (~8 KB) per create over a run of thousands.
   */
  constructor(private readonly opts: { tls?: boolean; keepSpecs?: boolean } = {}) {}

  async start(): Promise<this> {
    if (this.opts.tls) {
      const dir = makeTempDir("fg-kube-fake-");
      this.#cleanup = () => dir.remove();
      const { cert, key } = selfSignedCert(dir.path, "the Kubernetes API stand-in");
      this.#ca = readFileSync(cert, "utf8");
      const server = createSecureServer({ cert: this.#ca, key: readFileSync(key), allowHTTP1: true }, (req, res) => void this.handle(req, res));
      this.#server = server;
    } else {
      const server = createServer((req, res) => void this.handle(req, res));
      server.keepAliveTimeout = 60_000;
      this.#server = server;
    }
    await new Promise<void>((r) => this.#server!.listen(0, "127.0.0.1", r));
    this.url = `${this.opts.tls ? "https" : "http"}://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** A kubeconfig (YAML) pointing at this server with a bearer token. */
  kubeconfig(): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      this.#ca
        ? "clusters: [{name: fake, cluster: {server: '" + this.url + "', certificate-authority-data: " + Buffer.from(this.#ca).toString("base64") + "}}]"
        : "clusters: [{name: fake, cluster: {server: '" + this.url + "', insecure-skip-tls-verify: true}}]",
      "users: [{name: gw, user: {token: fake-token}}]",
      "contexts: [{name: fake, context: {cluster: fake, user: gw, namespace: argo}}]",
      "current-context: fake",
      "",
    ].join("\n");
  }

  private async handle(req: Req, res: Res): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/workflows(?:\?.*)?$/.exec(req.url ?? "");
    if (!m) return json(res, 404, status(404, "NotFound", `the server could not find ${req.url}`));
    const ns = m[1]!;
    if (req.method === "GET" && /[?&]watch=(true|1)/.test(req.url ?? "")) {
      // a watch that never reports anything (the stand-in keeps no phases); held open until stop()
      // HTTP/2 has no transfer-encoding (a stream is chunked by nature)
      (res as ServerResponse).writeHead(200, { "content-type": "application/json", ...(req.httpVersionMajor < 2 && { "transfer-encoding": "chunked" }) });
      if ("flushHeaders" in res) res.flushHeaders(); // (HTTP/2's writeHead sends them)
      this.#hung.push(res);
      return;
    }
    if (req.method === "GET") return json(res, 200, { apiVersion: "argoproj.io/v1alpha1", kind: "WorkflowList", metadata: { resourceVersion: "1" }, items: [] });
    if (req.method !== "POST") return json(res, 405, status(405, "MethodNotAllowed", "method not allowed"));
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as CreatedWorkflow["body"];
    const name = body.metadata.name;
    const fault = this.faults.shift() ?? this.faultFor?.(name, this.requests.length);
    const seen = { at: Date.now(), http: req.httpVersion, auth: req.headers.authorization };
    if (fault?.kind === "hang") {
      this.#hung.push(res);
      this.requests.push({ name, status: 0, ...seen });
      return;
    }
    if (fault?.kind === "status") {
      this.requests.push({ name, status: fault.code, ...seen });
      if (fault.retryAfter) res.setHeader("Retry-After", fault.retryAfter);
      return json(res, fault.code, status(fault.code, fault.reason ?? "InternalError", fault.message ?? `injected ${fault.code}`));
    }
    const key = `${ns}/${name}`;
    if (this.workflows.has(key)) {
      this.requests.push({ name, status: 409, ...seen });
      return json(res, 409, status(409, "AlreadyExists", `workflows.argoproj.io "${name}" already exists`, { name, group: "argoproj.io", kind: "workflows" }));
    }
    const wf = { name, namespace: ns, body: this.opts.keepSpecs === false ? { metadata: body.metadata, spec: {} } : body, at: Date.now() };
    this.workflows.set(key, wf);
    this.onCreate?.(wf);
    if (fault?.kind === "store-then-drop") {
      this.requests.push({ name, status: -1, ...seen });
      if ("stream" in req) req.stream.close(0x2 /* INTERNAL_ERROR: the stream ends without an answer */);
      else req.socket.destroy();
      return;
    }
    this.requests.push({ name, status: 201, ...seen });
    const metadata = { ...body.metadata, namespace: ns, uid: `uid-${this.workflows.size}`, resourceVersion: String(this.workflows.size) };
    // as kube-apiserver does: the created object's metadata only, when the client asks for it
    if (/as=PartialObjectMetadata/.test(req.headers.accept ?? "")) return json(res, 201, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata });
    json(res, 201, { ...body, metadata });
  }

  async stop(): Promise<void> {
    for (const r of this.#hung) ("stream" in r ? r.stream.destroy() : r.destroy());
    const server = this.#server;
    if (server && "closeAllConnections" in server) server.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()) ?? r());
    this.#cleanup?.();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code, ...(details ? { details } : {}) };
}

function json(res: Res, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  (res as ServerResponse).writeHead(code, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
