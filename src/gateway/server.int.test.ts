import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BEARER_TOKEN, makeDeps, minioNotification } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";
import { listenGateway, REQUEST_TIMEOUT_MS } from "./listen.js";

const MiB = 1024 * 1024;
const deps = makeDeps({ minioWebhookToken: "minio-token" });
let server: ServerType;
let base: string;

beforeAll(async () => {
  const app = createGatewayApp(deps);
  // the same server `serve` runs (header size, request timeout)
  server = await listenGateway(app.fetch, { host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends a chunked body (no Content-Length) of `size` bytes, or a lying Content-Length, over a raw socket. */
function postChunked(path: string, size: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: "POST", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(chunk.length, left);
        left -= n;
        if (!req.write(chunk.subarray(0, n))) return req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("gateway over a real socket (@hono/node-server)", () => {
  it("answers MinIO's HEAD probe on the webhook endpoint", async () => {
    const res = await fetch(`${base}/hooks/minio`, { method: "HEAD" });
    expect(res.status).toBe(200);
  });

  it("accepts a MinIO notification with the bearer token MinIO sends", async () => {
    const body = minioNotification("gate-7/2024/05/01/120000-1.jpg");
    const res = await fetch(`${base}/hooks/minio`, { method: "POST", body, headers: { Authorization: "Bearer minio-token", "Content-Type": "application/json" } });
    expect(res.status).toBe(202);
    expect(deps.publisher.published.at(-1)?.subject).toBe("minio.events");
  });

  it("refuses a chunked body over 1 MiB with 413 (no Content-Length to trust)", async () => {
    const before = deps.publisher.published.length;
    const res = await postChunked("/hooks/vms", MiB + 1, { Authorization: `Bearer ${BEARER_TOKEN}`, "Transfer-Encoding": "chunked" });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: expect.stringMatching(/larger than the limit of 1 MiB/) });
    expect(deps.publisher.published.length).toBe(before);
  });

  it("lets Node refuse oversized headers with 431 before the app", async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${base}/healthz`, { headers: { "X-Pad": "p".repeat(20 * 1024) } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(res).toBe(431);
  });

  it("runs with serve's server options: a request must arrive within the request timeout, 12 KiB of headers pass", async () => {
    expect((server as import("node:http").Server).requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    const res = await fetch(`${base}/healthz`, { headers: { "X-Pad": "p".repeat(12 * 1024) } });
    expect(res.status).toBe(200);
  });

  it("says which address is taken instead of waiting for ever", async () => {
    const port = (server.address() as AddressInfo).port;
    await expect(listenGateway(createGatewayApp(deps).fetch, { host: "127.0.0.1", port })).rejects.toThrow(
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.* — set FRAMEGATE_HTTP_HOST/FRAMEGATE_HTTP_PORT`),
    );
  });
});
