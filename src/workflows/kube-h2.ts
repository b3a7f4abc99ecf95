/**
 * @module workflows/kube-h2 — JSON POSTs to the Kubernetes API over one HTTP/2 session per API server, as
 * client-go talks to it (TLS with ALPN `h2`). The streams a turn of the event loop opens leave in one TLS
 * write (nghttp2 sends a session's pending frames once per turn), where HTTP/1.1 costs one socket write and
 * one TLS record per request. A server that answers ALPN with `http/1.1` (a proxy) is reported as such, and
 * the caller keeps to HTTP/1.1 (workflows/kube-transport.ts).
 *
 * Limits: at most `maxStreams` streams at once (or fewer, when the server's SETTINGS say so), at most
 * `maxQueued` requests waiting for one; past that a request fails at once (retryable). A GOAWAY or a session
 * error drops the session: the next request connects again, the streams the server did not take fail
 * (retryable). A request that times out pings the session, and a session that does not answer the ping is
 * dropped, so a half-dead connection is not kept (client-go's health check does the same).
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import tls from "node:tls";
import { FramegateError } from "../lib/errors.js";
import type { Metrics } from "../lib/metrics.js";
import { KubeApiError, MAX_ANSWER_BYTES, METADATA_ONLY_ACCEPT } from "./kube-post.js";

/** The TLS material of the kubeconfig (client-node's applyToHTTPSOptions), and the name the certificate must carry. */
export type KubeTlsOptions = Pick<tls.ConnectionOptions, "ca" | "cert" | "key" | "rejectUnauthorized" | "servername">;

export interface KubeH2Options {
  /** streams open at once on the session (lowered to the server's SETTINGS_MAX_CONCURRENT_STREAMS) */
  maxStreams?: number;
  /** requests waiting for a stream; past it a request fails at once */
  maxQueued?: number;
  /** deadline of the TCP + TLS handshake and of a health-check ping */
  connectTimeoutMs?: number;
  /** the number of streams open and waiting, after every change (for the metric) */
  onStreams?: (active: number, queued: number) => void;
  /** a session was opened (`connected`) or dropped (`goaway`, `error`, `ping-timeout`, `closed`) */
  onSession?: (event: "connected" | "goaway" | "error" | "ping-timeout" | "closed") => void;
}

/** Failures of the session itself (not an HTTP status): translated as connection errors, so retried. */
export class KubeH2Error extends FramegateError {
  override name = "KubeH2Error";
}

/** What the server chose in ALPN: this client talks only `h2`; `http/1.1` means: use the HTTP/1.1 path. */
export type Negotiated = "h2" | "http/1.1";

export class KubeH2Client {
  readonly #origin: URL;
  readonly #prefix: string;
  readonly #tls: KubeTlsOptions;
  readonly #o: Required<Omit<KubeH2Options, "onStreams" | "onSession">> & Pick<KubeH2Options, "onStreams" | "onSession">;
  #session?: ClientHttp2Session;
  #connecting?: Promise<ClientHttp2Session | "http/1.1">;
  #active = 0;
  readonly #waiting: { go: () => void; fail: (e: unknown) => void }[] = [];
  #closed = false;

  constructor(server: string, tlsOptions: KubeTlsOptions, opts: KubeH2Options = {}) {
    this.#origin = new URL(server);
    if (this.#origin.protocol !== "https:") throw new RangeError(`KubeH2Client needs an https:// server (got ${server}); plain http stays on HTTP/1.1`);
    this.#prefix = this.#origin.pathname.replace(/\/$/, "");
    this.#tls = tlsOptions;
    this.#o = { maxStreams: 100, maxQueued: 4096, connectTimeoutMs: 10_000, ...opts };
  }

  /** Streams open now (for tests and the metric). */
  get active(): number {
    return this.#active;
  }

  /**
   * POSTs `body` (JSON text) to `path` under the server's base URL with `headers` (the credentials) and
   * resolves with the status of a 2xx answer, or "http/1.1" when the server does not speak HTTP/2.
   * @throws KubeApiError for any other status; KubeH2Error, an AbortError or a stream error otherwise
   */
  async post(path: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<number | "http/1.1"> {
    const session = await this.#sessionFor(signal);
    if (session === "http/1.1") return session;
    await this.#slot(session, signal);
    try {
      return await this.#request(session, path, body, headers, signal);
    } catch (e) {
      if (signal.aborted) this.#healthCheck(session);
      throw e;
    } finally {
      this.#release();
    }
  }

  /** Closes the session; waiting and later requests fail. */
  close(): void {
    this.#closed = true;
    this.#session?.destroy();
    this.#session = undefined;
    for (const w of this.#waiting.splice(0)) w.fail(new KubeH2Error("the Kubernetes client was closed"));
  }

  #request(session: ClientHttp2Session, path: string, body: string, auth: Record<string, string>, signal: AbortSignal): Promise<number> {
    const headers: http2.OutgoingHttpHeaders = { ":method": "POST", ":path": this.#prefix + path, "content-type": "application/json", accept: METADATA_ONLY_ACCEPT };
    for (const [k, v] of Object.entries(auth)) headers[k.toLowerCase()] = v;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { signal });
    } catch (e) {
      // the session went away between choosing it and opening the stream (ERR_HTTP2_GOAWAY_SESSION, ...)
      this.#drop(session, "error");
      throw new KubeH2Error(`opening an HTTP/2 stream to ${this.#origin.host} failed: ${(e as Error).message}`, { cause: e });
    }
    return new Promise<number>((resolve, reject) => {
      let code = 0;
      const chunks: Buffer[] = [];
      let kept = 0;
      let headersIn: http2.IncomingHttpHeaders = {};
      stream.on("response", (h) => {
        headersIn = h;
        code = Number(h[":status"] ?? 0);
      });
      stream.on("data", (c: Buffer) => {
        // nothing in a success answer is used; an error's Status body is kept up to the cap
        if (code >= 200 && code < 300) return;
        if (kept >= MAX_ANSWER_BYTES) return;
        chunks.push(c);
        kept += c.length;
      });
      stream.on("error", reject);
      stream.on("close", () => {
        if (code === 0) {
          if (!signal.aborted) reject(new KubeH2Error(`the HTTP/2 stream to ${this.#origin.host} closed without an answer (code ${stream.rstCode ?? "?"})`));
          else reject(signal.reason ?? new DOMException("aborted", "AbortError"));
          return;
        }
        if (code >= 200 && code < 300) return resolve(code);
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(headersIn)) if (v !== undefined && !k.startsWith(":")) h[k] = Array.isArray(v) ? v.join(", ") : String(v);
        reject(new KubeApiError(code, Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString("utf8"), h, `POST ${this.#prefix + path}`));
      });
      stream.end(body);
    });
  }

  /** The current session, or a new one (one handshake however many requests wait for it). */
  async #sessionFor(signal: AbortSignal): Promise<ClientHttp2Session | "http/1.1"> {
    if (this.#closed) throw new KubeH2Error("the Kubernetes client was closed");
    const s = this.#session;
    if (s && !s.closed && !s.destroyed) return s;
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = undefined));
    signal.throwIfAborted();
    return this.#connecting;
  }

  #connect(): Promise<ClientHttp2Session | "http/1.1"> {
    const host = this.#origin.hostname.replace(/^\[(.*)\]$/, "$1");
    const port = Number(this.#origin.port || 443);
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ ...this.#tls, host, port, ALPNProtocols: ["h2", "http/1.1"] });
      const timer = setTimeout(() => socket.destroy(new KubeH2Error(`connecting to ${this.#origin.host} took longer than ${this.#o.connectTimeoutMs} ms`)), this.#o.connectTimeoutMs);
      socket.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once("secureConnect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        if (socket.alpnProtocol !== "h2") {
          socket.destroy();
          return resolve("http/1.1");
        }
        const session = http2.connect(this.#origin.origin, { createConnection: () => socket });
        session.on("goaway", () => this.#drop(session, "goaway"));
        session.on("error", () => this.#drop(session, "error"));
        session.on("close", () => this.#drop(session, "closed"));
        session.on("remoteSettings", () => this.#wake());
        // an idle session must not keep the process alive at shutdown
        session.unref();
        if (this.#closed) {
          session.destroy();
          return reject(new KubeH2Error("the Kubernetes client was closed"));
        }
        this.#session = session;
        this.#o.onSession?.("connected");
        resolve(session);
      });
    });
  }

  /** Waits for a free stream (the lower of ours and the server's limit), failing when the wait queue is full. */
  #slot(session: ClientHttp2Session, signal: AbortSignal): Promise<void> {
    if (this.#active < this.#limit(session) && this.#waiting.length === 0) {
      this.#active++;
      this.#report();
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.#o.maxQueued) {
      return Promise.reject(new KubeH2Error(`${this.#o.maxQueued} requests already wait for an HTTP/2 stream to ${this.#origin.host}; try again later`));
    }
    return new Promise<void>((resolve, reject) => {
      const w = {
        go: () => {
          signal.removeEventListener("abort", onAbort);
          this.#active++;
          resolve();
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(w);
        if (i >= 0) this.#waiting.splice(i, 1);
        this.#report();
        reject(signal.reason ?? new DOMException("aborted", "AbortError"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(w);
      this.#report();
    });
  }

  #limit(session: ClientHttp2Session | undefined): number {
    const remote = session?.remoteSettings?.maxConcurrentStreams;
    return Math.max(1, Math.min(this.#o.maxStreams, remote ?? this.#o.maxStreams));
  }

  #release(): void {
    this.#active--;
    this.#wake();
  }

  #wake(): void {
    const limit = this.#limit(this.#session);
    while (this.#waiting.length > 0 && this.#active < limit) this.#waiting.shift()!.go();
    this.#report();
  }

  #report(): void {
    this.#o.onStreams?.(this.#active, this.#waiting.length);
  }

  /** After a request timed out: a session that does not answer a ping in time is dropped. */
  #healthCheck(session: ClientHttp2Session): void {
    if (session.closed || session.destroyed) return;
    const timer = setTimeout(() => this.#drop(session, "ping-timeout"), this.#o.connectTimeoutMs);
    timer.unref();
    try {
      session.ping((err) => {
        clearTimeout(timer);
        if (err) this.#drop(session, "ping-timeout");
      });
    } catch {
      clearTimeout(timer);
      this.#drop(session, "ping-timeout");
    }
  }

  #drop(session: ClientHttp2Session, why: "goaway" | "error" | "ping-timeout" | "closed"): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#o.onSession?.(why);
    // after a GOAWAY the streams the server took still finish; anything else ends the session now
    if (why === "goaway") session.close();
    else session.destroy();
  }
}

/** The HTTP/2 session's events as the metrics `framegate_kube_http2_streams` and `framegate_kube_http2_sessions_total`. */
export function kubeH2Metrics(m: Pick<Metrics, "kubeStreams" | "kubeSessions">): Pick<KubeH2Options, "onStreams" | "onSession"> {
  const active = m.kubeStreams.labels({ state: "active" });
  const queued = m.kubeStreams.labels({ state: "queued" });
  active.set(0);
  queued.set(0);
  for (const event of ["connected", "goaway", "error", "ping-timeout", "closed"]) m.kubeSessions.inc({ event }, 0);
  return {
    onStreams: (a, q) => {
      active.set(a);
      queued.set(q);
    },
    onSession: (event) => m.kubeSessions.inc({ event }),
  };
}
