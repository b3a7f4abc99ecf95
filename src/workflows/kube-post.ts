/**
 * @module workflows/kube-post — one JSON POST to the Kubernetes API on a kept-alive agent, outside
 * client-node's generic request path (which re-serializes the body through its ObjectSerializer, parses
 * and re-serializes the API server's full echo of the object, and builds its headers per request).
 * The body goes out as the one string it was serialized to, and the API server is asked to answer with the
 * created object's metadata only (`as=PartialObjectMetadata`), so a create costs one small read.
 * client-node still supplies the kubeconfig, credentials and TLS material (workflows/k8s-submitter.ts).
 */
import http from "node:http";
import https from "node:https";
import { FramegateError } from "../lib/errors.js";

/**
 * Asks for the created object's metadata (meta.k8s.io/v1 PartialObjectMetadata) and, from a server that
 * cannot convert to it, the object as JSON: the answer to a create is only checked for its status.
 */
export const METADATA_ONLY_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

/** Most of an answer kept (error Status bodies are a few hundred bytes; the rest is dropped unread). */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * A non-2xx answer, in the shape client-node's `ApiException` has (`code`, `body` = the raw text,
 * `headers`), so workflows/k8s-errors.ts translates both the same way.
 */
export class KubeApiError extends FramegateError {
  override name = "KubeApiError";
  constructor(
    readonly code: number,
    readonly body: string,
    readonly headers: Record<string, string>,
    what: string,
  ) {
    super(`Kubernetes answered ${code} to ${what}: ${body.slice(0, 300)}`);
  }
}

/** Where requests go: the cluster's base URL, the agent holding the connections and the credentials. */
export interface KubeEndpoint {
  /** the kubeconfig cluster's `server` (may carry a path prefix, e.g. behind a proxy) */
  server: string;
  agent: http.Agent;
  /** the credentials' headers (cached by the caller; token files and exec plugins rotate) */
  headers(): Promise<Record<string, string>>;
}

/**
 * POSTs `body` (already JSON text) to `path` under the server's base URL and resolves with the status
 * of a 2xx answer. Any other status rejects with a {@link KubeApiError}; a dropped connection or an
 * aborted `signal` rejects with the socket's error (an `AbortError` for the deadline).
 */
export async function postJson(ep: KubeEndpoint, path: string, body: string, signal: AbortSignal): Promise<number> {
  const base = new URL(ep.server);
  const secure = base.protocol === "https:";
  const auth = await ep.headers();
  const prefix = base.pathname.endsWith("/") ? base.pathname.slice(0, -1) : base.pathname;
  const opts: http.RequestOptions = {
    method: "POST",
    // URL keeps an IPv6 literal in brackets, which the socket layer does not take
    hostname: base.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: base.port || (secure ? 443 : 80),
    path: prefix + path,
    agent: ep.agent,
    signal,
    headers: { ...auth, "Content-Type": "application/json", Accept: METADATA_ONLY_ACCEPT, "Content-Length": Buffer.byteLength(body) },
  };
  return new Promise<number>((resolve, reject) => {
    const req = (secure ? https : http).request(opts, (res) => {
      const code = res.statusCode ?? 0;
      if (code >= 200 && code < 300) {
        // nothing in a success answer is used: read it off the socket so the connection is reused
        res.on("end", () => resolve(code)).on("error", reject).resume();
        return;
      }
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on("data", (c: Buffer) => {
        if (kept >= MAX_ANSWER_BYTES) return;
        chunks.push(c);
        kept += c.length;
      });
      res.on("error", reject);
      res.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        const text = Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString("utf8");
        reject(new KubeApiError(code, text, headers, `POST ${opts.path}`));
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
