/**
 * The HTTP/2 create path (workflows/kube-h2.ts) against real HTTP/2 servers on loopback: the API stand-in
 * over TLS (test/fakes/kube-api.ts) for answers and faults it can give on demand, and node:http2 servers for
 * what only the protocol can do: GOAWAY, a low SETTINGS_MAX_CONCURRENT_STREAMS, a server that offers only
 * HTTP/1.1 in ALPN, and a connection that goes silent (through a TCP relay that stops forwarding).
 * The real kube-apiserver is in k8s-submitter.int.test.ts.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import https from "node:https";
import http2 from "node:http2";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { NonRetriableError, RetryAfterError } from "../lib/errors.js";
import { FakeKubeApi } from "../../test/fakes/kube-api.js";
import { selfSignedCert } from "../../test/harness/self-signed-cert.js";
import { makeTempDir, type TempDir } from "../../test/harness/util.js";
import { waitFor } from "../../test/harness/wait.js";
import { KubeWorkflowSubmitter } from "./k8s-submitter.js";
import { KubeH2Client, KubeH2Error } from "./kube-h2.js";
import type { Workflow } from "./types.js";

const PATH = "/apis/argoproj.io/v1alpha1/namespaces/argo/workflows";

function wf(name: string): Workflow {
  return { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name, namespace: "argo", labels: {}, annotations: {} }, spec: { entrypoint: "main" } };
}

function kubeConfigOf(yaml: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

let dir: TempDir;
let ca: string;
let key: Buffer;

beforeAll(() => {
  dir = makeTempDir("kube-h2");
  const files = selfSignedCert(dir.path, "the test's HTTP/2 server");
  ca = readFileSync(files.cert, "utf8");
  key = readFileSync(files.key);
});
afterAll(() => dir.remove());

/** An HTTP/2 server answering every POST 201 after `delayMs`; `onSession` sees each session it accepts. */
async function h2Server(opts: { maxConcurrentStreams?: number; delayMs?: number; onSession?: (s: http2.ServerHttp2Session) => void } = {}) {
  let open = 0;
  let mostOpen = 0;
  const server = http2.createSecureServer({ cert: ca, key, settings: { maxConcurrentStreams: opts.maxConcurrentStreams ?? 100 } });
  server.on("session", (s) => opts.onSession?.(s));
  server.on("stream", (stream) => {
    open++;
    mostOpen = Math.max(mostOpen, open);
    stream.on("close", () => open--);
    stream.resume();
    stream.on("end", () =>
      setTimeout(() => {
        if (stream.destroyed) return;
        stream.respond({ ":status": 201, "content-type": "application/json" });
        stream.end("{}");
      }, opts.delayMs ?? 0),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return { server, port, mostOpen: () => mostOpen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const client = (port: number, opts: ConstructorParameters<typeof KubeH2Client>[2] = {}) => new KubeH2Client(`https://127.0.0.1:${port}`, { ca }, { connectTimeoutMs: 1000, ...opts });
const post = (c: KubeH2Client, timeoutMs = 2000) => c.post(PATH, JSON.stringify(wf("w")), { Authorization: "Bearer t" }, AbortSignal.timeout(timeoutMs));

describe("KubeWorkflowSubmitter over HTTP/2 into the API stand-in", () => {
  let api: FakeKubeApi;
  let submitter: KubeWorkflowSubmitter;
  const sessions: string[] = [];

  beforeAll(async () => {
    api = await new FakeKubeApi({ tls: true }).start();
    submitter = await KubeWorkflowSubmitter.create(kubeConfigOf(api.kubeconfig()), { timeoutMs: 500, allowedNamespaces: ["argo"], h2Events: { onSession: (e) => sessions.push(e) } });
  });
  afterAll(async () => {
    submitter?.close();
    await api?.stop();
  });

  it("creates over one session with the kubeconfig's token, and reads a second create as one that exists", async () => {
    const out = await Promise.all(Array.from({ length: 20 }, (_, i) => submitter.create(wf(`h2-${i}`))));
    expect(out).toEqual(Array(20).fill("created"));
    expect(await submitter.create(wf("h2-0"))).toBe("exists");
    expect(api.requests.slice(0, 21).every((r) => r.http === "2.0" && r.auth === "Bearer fake-token")).toBe(true);
    expect(sessions).toEqual(["connected"]);
  });

  it("translates 422, 429 with Retry-After and a stream ended without an answer, and goes on", async () => {
    api.faults.push(
      { kind: "status", code: 422, reason: "Invalid", message: "metadata.labels: Invalid value" },
      { kind: "status", code: 429, retryAfter: "3", reason: "TooManyRequests", message: "slow down" },
      { kind: "store-then-drop" },
    );
    const invalid = await submitter.create(wf("f-422")).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(NonRetriableError);
    expect((invalid as Error).message).toContain("(422 Invalid): metadata.labels: Invalid value");
    const throttled = await submitter.create(wf("f-429")).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(RetryAfterError);
    expect((throttled as RetryAfterError).retryAfterMs).toBe(3000);
    const dropped = await submitter.create(wf("f-drop")).catch((e: unknown) => e);
    expect((dropped as RetryAfterError).reason).toBe("connection");
    // the redelivery finds it stored
    expect(await submitter.create(wf("f-drop"))).toBe("exists");
    expect(sessions).toEqual(["connected"]);
  });

  it("times a hung create out (retryable) and keeps the session, which still answers pings", async () => {
    api.faults.push({ kind: "hang" });
    const hung = await submitter.create(wf("f-hang")).catch((e: unknown) => e);
    expect((hung as RetryAfterError).reason).toBe("timeout");
    expect(await submitter.create(wf("after-hang"))).toBe("created");
    await new Promise((r) => setTimeout(r, 100)); // the ping's answer
    expect(sessions).toEqual(["connected"]);
  });
});

describe("KubeH2Client", () => {
  it("keeps to the server's SETTINGS_MAX_CONCURRENT_STREAMS, queueing the rest", async () => {
    const s = await h2Server({ maxConcurrentStreams: 2, delayMs: 20 });
    const c = client(s.port, { maxStreams: 50 });
    try {
      await post(c); // the first session has the server's settings
      const out = await Promise.all(Array.from({ length: 10 }, () => post(c)));
      expect(out).toEqual(Array(10).fill(201));
      expect(s.mostOpen()).toBe(2);
    } finally {
      c.close();
      await s.close();
    }
  });

  it("fails a request at once when maxQueued requests already wait for a stream", async () => {
    const s = await h2Server({ delayMs: 100 });
    const c = client(s.port, { maxStreams: 1, maxQueued: 1 });
    try {
      const [a, b, over] = await Promise.allSettled([post(c), post(c), post(c)]);
      expect(a).toEqual({ status: "fulfilled", value: 201 });
      expect(b).toEqual({ status: "fulfilled", value: 201 });
      expect(over.status).toBe("rejected");
      expect((over as PromiseRejectedResult).reason).toBeInstanceOf(KubeH2Error);
      expect(String((over as PromiseRejectedResult).reason.message)).toMatch(/1 requests already wait for an HTTP\/2 stream/);
    } finally {
      c.close();
      await s.close();
    }
  });

  it("connects again after the server's GOAWAY", async () => {
    const seen: http2.ServerHttp2Session[] = [];
    const s = await h2Server({ onSession: (x) => seen.push(x) });
    const events: string[] = [];
    const c = client(s.port, { onSession: (e) => events.push(e) });
    try {
      expect(await post(c)).toBe(201);
      seen[0]!.goaway(0);
      await waitFor("the client reads the GOAWAY", () => events.includes("goaway"), 5_000);
      expect(await post(c)).toBe(201);
      expect(seen).toHaveLength(2);
      expect(events).toEqual(["connected", "goaway", "connected"]);
    } finally {
      c.close();
      await s.close();
    }
  });

  it("reports a server that offers only HTTP/1.1, and the submitter then creates over HTTP/1.1", async () => {
    const versions: string[] = [];
    const server = https.createServer({ cert: ca, key }, (req, res) => {
      versions.push(req.httpVersion);
      req.resume().on("end", () => res.writeHead(201, { "content-type": "application/json" }).end("{}"));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    const c = client(port);
    const kc = kubeConfigOf(
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:${port}', certificate-authority-data: ${Buffer.from(ca).toString("base64")}}}]\n` +
        `users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    const submitter = await KubeWorkflowSubmitter.create(kc, { timeoutMs: 2000, allowedNamespaces: ["argo"] });
    try {
      expect(await post(c)).toBe("http/1.1");
      expect(submitter.protocol).toBe("h2");
      expect(await submitter.create(wf("one"))).toBe("created");
      expect(submitter.protocol).toBe("http/1.1");
      expect(await submitter.create(wf("two"))).toBe("created");
      expect(versions).toEqual(["1.1", "1.1"]);
    } finally {
      c.close();
      submitter.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("drops a session that stops answering (a timed-out request's ping gets no answer) and connects again", async () => {
    const s = await h2Server({});
    // a TCP relay in front of the server that can be told to stop forwarding, as a dead network path does
    let silent = false;
    const relay = net.createServer((down) => {
      const up = net.connect(s.port, "127.0.0.1");
      const frozen = silent;
      down.on("data", (d) => !frozen && !silent && up.write(d));
      up.on("data", (d) => !frozen && !silent && down.write(d));
      const end = () => (down.destroy(), up.destroy());
      down.on("error", end).on("close", end);
      up.on("error", end).on("close", end);
      if (frozen) down.destroy();
    });
    relay.listen(0, "127.0.0.1");
    await once(relay, "listening");
    const events: string[] = [];
    const c = client((relay.address() as AddressInfo).port, { connectTimeoutMs: 300, onSession: (e) => events.push(e) });
    try {
      expect(await post(c)).toBe(201);
      silent = true;
      const err = await post(c, 200).catch((e: unknown) => e);
      expect((err as Error).name).toMatch(/AbortError|TimeoutError/);
      await new Promise((r) => setTimeout(r, 500)); // the ping's deadline passes
      expect(events).toEqual(["connected", "ping-timeout"]);
      silent = false;
      expect(await post(c)).toBe(201);
      expect(events).toEqual(["connected", "ping-timeout", "connected"]);
    } finally {
      c.close();
      relay.close();
      await s.close();
    }
  });
});
