import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { BEARER_TOKEN, makeDeps } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";

/** A pino logger whose lines land in an array. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "debug" }, sink), lines };
}

describe("request ids and logging", () => {
  it("gives every response an X-Request-Id, keeping a sane incoming one", async () => {
    const app = createGatewayApp(makeDeps());
    const fresh = await app.request("/healthz");
    expect(fresh.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await app.request("/healthz", { headers: { "X-Request-Id": "abc-123" } });
    expect(kept.headers.get("X-Request-Id")).toBe("abc-123");
    const replaced = await app.request("/healthz", { headers: { "X-Request-Id": "x".repeat(200) } });
    expect(replaced.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("logs object-first through a child logger carrying the request id, and never the token", async () => {
    const { log, lines } = capturingLogger();
    const deps = makeDeps({ log });
    const app = createGatewayApp(deps);
    const res = await app.request("/hooks/vms", {
      method: "POST",
      body: "{}",
      headers: { Authorization: `Bearer ${BEARER_TOKEN}`, "X-Request-Id": "req-7" },
    });
    expect(res.status).toBe(202);
    const accepted = lines.find((l) => l.msg === "hook accepted");
    expect(accepted).toMatchObject({ req: "req-7", hook: "vms", duplicate: false });
    expect(accepted?.id).toBe(((await res.clone().json()) as { id: string }).id);
    expect(deps.publisher.published[0]?.headers["Framegate-Request-Id"]).toBe("req-7");
    expect(JSON.stringify(lines)).not.toContain(BEARER_TOKEN);
  });

  it("warns at start-up when the MinIO webhook is explicitly open and the API token is not set", () => {
    const { log, lines } = capturingLogger();
    createGatewayApp(makeDeps({ log, allowUnauthenticatedMinioWebhook: true }));
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      expect.stringMatching(/POST \/hooks\/minio accepts unauthenticated/),
      expect.stringMatching(/\/api\/\* is open/),
    ]);
    lines.length = 0;
    createGatewayApp(makeDeps({ log, apiToken: "a", minioWebhookToken: "m" }));
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    createGatewayApp(makeDeps({ log, apiToken: "a" })); // no token and no opt-out: refused, nothing open to warn about
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
  });
});

describe("header size", () => {
  it("answers 431 when headers exceed 16 KiB, and serves 15 KiB", async () => {
    const app = createGatewayApp(makeDeps());
    const big = await app.request("/healthz", { headers: { "X-Pad": "p".repeat(16 * 1024) } });
    expect(big.status).toBe(431);
    expect(((await big.json()) as { error: string }).error).toMatch(/over the limit of 16 KiB/);
    const ok = await app.request("/healthz", { headers: { "X-Pad": "p".repeat(15 * 1024) } });
    expect(ok.status).toBe(200);
  });

  it("counts many small headers together", async () => {
    const app = createGatewayApp(makeDeps({ maxHeaderBytes: 1024 }));
    const headers = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-h${i}`, "v".repeat(30)]));
    expect((await app.request("/healthz", { headers })).status).toBe(431);
  });
});

describe("errors are JSON", () => {
  it("answers unknown routes with a 404 JSON error naming the routes", async () => {
    const res = await createGatewayApp(makeDeps()).request("/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: string }).error).toMatch(/no route for GET \/nope; the gateway serves POST \/hooks\/<name>/);
  });

  it("refuses invalid settings at construction", () => {
    expect(() => createGatewayApp(makeDeps({ maxBodyBytes: 0 }))).toThrow(/maxBodyBytes must be a positive integer/);
  });
});
