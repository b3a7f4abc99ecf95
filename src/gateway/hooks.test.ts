import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadRulesFromText } from "../rules/loader.js";
import { StreamFullError, StreamUnavailableError } from "../lib/errors.js";
import { BEARER_TOKEN, HMAC_SECRET, makeDeps, minioNotification } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";
import { signBody } from "./auth.js";

const MiB = 1024 * 1024;
const sha256 = (s: string | Uint8Array) => createHash("sha256").update(s).digest("hex");
const text = (d: Uint8Array) => new TextDecoder().decode(d);

function setup(overrides: Parameters<typeof makeDeps>[0] = {}) {
  const deps = makeDeps(overrides);
  return { deps, app: createGatewayApp(deps) };
}

function signed(body: string, headers: Record<string, string> = {}, secret = HMAC_SECRET): RequestInit {
  return { method: "POST", body, headers: { "Content-Type": "application/json", "X-Framegate-Signature": signBody(secret, body), ...headers } };
}

async function errorOf(res: Response): Promise<string> {
  const json = (await res.json()) as { error?: unknown };
  expect(typeof json.error).toBe("string");
  return json.error as string;
}

/** A body streamed in chunks, with no Content-Length unless the caller lies with one. */
function streamed(size: number, headers: Record<string, string> = {}): RequestInit & { duplex: "half" } {
  const chunk = 64 * 1024;
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= size) return c.close();
      const n = Math.min(chunk, size - sent);
      // a JSON object padded with spaces: valid JSON at every size, so only the size can be refused
      const part = new Uint8Array(n).fill(0x20);
      if (sent === 0) part[0] = 0x7b; // "{"
      if (sent + n === size) part[n - 1] = 0x7d; // "}"
      sent += n;
      c.enqueue(part);
    },
  });
  return { method: "POST", body: stream, duplex: "half", headers };
}

describe("POST /hooks/:name (hmac)", () => {
  it("publishes the raw body with a stable hash id and answers 202", async () => {
    const { deps, app } = setup();
    const body = '{"camera":"gate-1",  "kind":"motion"}';
    const res = await app.request("/hooks/motion", signed(body));
    expect(res.status).toBe(202);
    const json = (await res.json()) as { id: string; duplicate: boolean };
    const expected = sha256(`motion\n${body}`);
    expect(json).toEqual({ id: expected, duplicate: false });
    expect(deps.publisher.published).toHaveLength(1);
    const p = deps.publisher.published[0]!;
    expect(p.subject).toBe("framegate.hooks.motion");
    expect(text(p.data)).toBe(body); // raw bytes, not re-serialized
    expect(p.msgId).toBe(expected);
    expect(p.headers["Framegate-Event-Id"]).toBe(expected);
    expect(Date.parse(p.headers["Framegate-Received-At"]!)).not.toBeNaN();
    expect(p.headers["Framegate-Received-At"]).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("gives the same body the same id and reports the second as a duplicate", async () => {
    const { deps, app } = setup();
    const body = '{"n":1}';
    const a = (await (await app.request("/hooks/motion", signed(body))).json()) as { id: string; duplicate: boolean };
    const b = (await (await app.request("/hooks/motion", signed(body))).json()) as { id: string; duplicate: boolean };
    const other = (await (await app.request("/hooks/motion", signed('{"n":2}'))).json()) as { id: string };
    expect(b.id).toBe(a.id);
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(true);
    expect(other.id).not.toBe(a.id);
    expect(deps.publisher.published).toHaveLength(2);
  });

  it("uses the Idempotency-Key as the event id, scoped by hook in Nats-Msg-Id", async () => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/motion", signed('{"a":1}', { "Idempotency-Key": "evt-42" }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: "evt-42", duplicate: false });
    const p = deps.publisher.published[0]!;
    expect(p.msgId).toBe("motion:evt-42");
    expect(p.headers["Framegate-Event-Id"]).toBe("evt-42");
    // the same key on another hook is another event
    const res2 = await app.request("/hooks/vms", {
      method: "POST",
      body: '{"a":1}',
      headers: { Authorization: `Bearer ${BEARER_TOKEN}`, "Idempotency-Key": "evt-42" },
    });
    expect(await res2.json()).toEqual({ id: "evt-42", duplicate: false });
    expect(deps.publisher.published.map((x) => x.msgId)).toEqual(["motion:evt-42", "vms:evt-42"]);
  });

  it.each([
    ["too long", "k".repeat(201)],
    ["with spaces", "a b"],
    ["non-ASCII", "clé"],
  ])("refuses an Idempotency-Key %s with 400", async (_, key) => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/motion", signed("{}", { "Idempotency-Key": key }));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(/Idempotency-Key must be 1 to 200 visible ASCII/);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("accepts an Idempotency-Key of exactly 200 characters", async () => {
    const { app } = setup();
    const res = await app.request("/hooks/motion", signed("{}", { "Idempotency-Key": "k".repeat(200) }));
    expect(res.status).toBe(202);
  });

  it("answers 404 for a hook that is not configured, publishing nothing", async () => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/nope", signed("{}"));
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatch(/no hook named "nope".*FRAMEGATE_HOOK_SECRETS/);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("answers 401 without a signature", async () => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/motion", { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatch(/needs a signature: send X-Framegate-Signature: sha256=/);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it.each([
    ["malformed", "md5=abc", /must be "sha256=" followed by 64 hex digits/],
    ["short hex", "sha256=abcd", /must be "sha256=" followed by 64 hex digits/],
    ["wrong secret", signBody("not-the-secret", "{}"), /does not match the body/],
    ["signature of other bytes", signBody(HMAC_SECRET, '{"x":1}'), /does not match the body/],
  ])("answers 401 for a %s signature", async (_, sig, message) => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/motion", { method: "POST", body: "{}", headers: { "X-Framegate-Signature": sig } });
    expect(res.status).toBe(401);
    const error = await errorOf(res);
    expect(error).toMatch(message);
    expect(error).not.toContain(HMAC_SECRET);
    expect(error).not.toContain(createHmac("sha256", HMAC_SECRET).update("{}").digest("hex"));
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("accepts an upper-case hex signature", async () => {
    const { app } = setup();
    const sig = `sha256=${signBody(HMAC_SECRET, "{}").slice("sha256=".length).toUpperCase()}`;
    expect(sig).toMatch(/^sha256=[0-9A-F]{64}$/);
    const res = await app.request("/hooks/motion", { method: "POST", body: "{}", headers: { "X-Framegate-Signature": sig } });
    expect(res.status).toBe(202);
  });

  it("does not take a bearer token for an hmac hook", async () => {
    const { app } = setup();
    const res = await app.request("/hooks/motion", { method: "POST", body: "{}", headers: { Authorization: `Bearer ${HMAC_SECRET}` } });
    expect(res.status).toBe(401);
  });

  it.each([
    ["not JSON", "hello", /not JSON/],
    ["empty", "", /body is empty/],
    ["an array", "[1,2]", /must be a JSON object, got an array/],
    ["a string", '"motion"', /must be a JSON object, got a string/],
  ])("answers 400 for a body that is %s", async (_, body, message) => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/motion", signed(body));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(message);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("answers 400 for bytes that are not UTF-8", async () => {
    const { app } = setup();
    const body = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const res = await app.request("/hooks/motion", { method: "POST", body, headers: { "X-Framegate-Signature": signBody(HMAC_SECRET, body) } });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(/not UTF-8/);
  });

  it("answers 415 for a compressed body", async () => {
    const { app } = setup();
    const res = await app.request("/hooks/motion", signed("{}", { "Content-Encoding": "gzip" }));
    expect(res.status).toBe(415);
    expect(await errorOf(res)).toMatch(/Content-Encoding "gzip" is not supported/);
  });
});

describe("POST /hooks/:name (bearer)", () => {
  const post = (auth?: string): RequestInit => ({ method: "POST", body: `{"a":1}`, headers: auth === undefined ? {} : { Authorization: auth } });

  it("accepts the right token", async () => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/vms", post(`Bearer ${BEARER_TOKEN}`));
    expect(res.status).toBe(202);
    expect(deps.publisher.published[0]?.subject).toBe("framegate.hooks.vms");
  });

  it.each([
    ["missing", undefined, /missing credentials/],
    ["wrong", "Bearer nope", /the bearer token is not hook "vms"'s token/],
    ["a prefix of the token", `Bearer ${BEARER_TOKEN.slice(0, -1)}`, /not hook "vms"'s token/],
    ["another scheme", `Basic ${BEARER_TOKEN}`, /missing credentials/],
  ])("answers 401 when the token is %s", async (_, auth, message) => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/vms", post(auth));
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    const error = await errorOf(res);
    expect(error).toMatch(message);
    expect(error).not.toContain(BEARER_TOKEN);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("does not take an HMAC signature instead of the token", async () => {
    const { app } = setup();
    const res = await app.request("/hooks/vms", { method: "POST", body: "{}", headers: { "X-Framegate-Signature": signBody(BEARER_TOKEN, "{}") } });
    expect(res.status).toBe(401);
  });
});

describe("body limit", () => {
  it("accepts exactly 1 MiB and refuses 1 MiB + 1 byte with 413", async () => {
    const { deps, app } = setup();
    const at = await app.request("/hooks/vms", streamed(MiB, { Authorization: `Bearer ${BEARER_TOKEN}` }));
    expect(at.status).toBe(202);
    const over = await app.request("/hooks/vms", streamed(MiB + 1, { Authorization: `Bearer ${BEARER_TOKEN}` }));
    expect(over.status).toBe(413);
    expect(await errorOf(over)).toMatch(/larger than the limit of 1 MiB/);
    expect(deps.publisher.published).toHaveLength(1);
  });

  it("refuses 1 MiB + 1 byte when Content-Length lies", async () => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/vms", streamed(MiB + 1, { Authorization: `Bearer ${BEARER_TOKEN}`, "Content-Length": "10" }));
    expect(res.status).toBe(413);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const { app } = setup();
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new Uint8Array(1024));
      },
    });
    const res = await app.request("/hooks/vms", {
      method: "POST",
      body,
      duplex: "half",
      headers: { Authorization: `Bearer ${BEARER_TOKEN}`, "Content-Length": String(MiB + 1) },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(1); // the stream may be primed once, never drained
  });

  it("honours a configured smaller limit", async () => {
    const { app } = setup({ maxBodyBytes: 100 });
    const res = await app.request("/hooks/motion", signed(JSON.stringify({ pad: "x".repeat(100) })));
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatch(/limit of 100 bytes/);
  });

  it("checks credentials before reading the body", async () => {
    const { app } = setup();
    const res = await app.request("/hooks/vms", streamed(MiB + 1));
    expect(res.status).toBe(401);
  });
});

/** `/hooks/minio` without a token: only with FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK. */
const OPEN = { allowUnauthenticatedMinioWebhook: true };

describe("publisher failures", () => {
  it.each([
    ["StreamUnavailableError", new StreamUnavailableError("no responders"), /event stream \(NATS JetStream\) is unavailable/],
    ["any other error", new Error("boom"), /storing the event in the stream failed/],
  ])("answers 503 with Retry-After and no id when the publisher throws %s", async (_, err, message) => {
    const { deps, app } = setup();
    deps.publisher.failWith = err;
    const res = await app.request("/hooks/motion", signed("{}", { "Idempotency-Key": "k1" }));
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toEqual({ error: expect.stringMatching(message), code: "stream-unavailable" });
    expect(json.error).toMatch(/nothing was stored/);
    expect(json.error).not.toContain("boom");
  });

  it("says the intake is full, and what to do, when JetStream refuses at the stream's byte limit", async () => {
    const { deps, app } = setup();
    deps.publisher.failWith = new StreamFullError("JetStream stream for framegate.hooks.motion is full: maximum bytes exceeded");
    const res = await app.request("/hooks/motion", signed("{}"));
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("30");
    const json = (await res.json()) as { error: string; code: string };
    expect(json.code).toBe("intake-full");
    expect(json.error).toMatch(/^the intake is full: .* nothing was stored — retry in 30 s or later with the same body/);
    expect(json.error).toMatch(/FRAMEGATE_STREAM_MAX_BYTES/);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("answers 503 for /hooks/minio too", async () => {
    const { deps, app } = setup(OPEN);
    deps.publisher.failWith = new StreamUnavailableError("down");
    const res = await app.request("/hooks/minio", { method: "POST", body: minioNotification() });
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
  });
});

describe("buckets a webhook body may name", () => {
  it("refuses with 422 a body whose bucket no pipeline of the hook allows, and stores nothing", async () => {
    const rules = loadRulesFromText(
      [
        { path: "a.yaml", text: "apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata: { name: frames }\nspec:\n  trigger: { bucket: raw }\n  workflow: { steps: [{ name: resize, service: resize }] }\n" },
        { path: "b.yaml", text: "apiVersion: framegate.io/v1alpha1\nkind: Pipeline\nmetadata: { name: alerts }\nspec:\n  trigger: { source: webhook, hook: vms }\n  workflow: { steps: [{ name: resize, service: resize }] }\n" },
      ],
      [{ path: "services/resize/service.yaml", text: readFileSync("services/resize/service.yaml", "utf8") }],
    );
    if (!rules.ok) throw new Error("rules");
    const { deps, app } = setup({ rules: () => ({ ruleSet: rules.ruleSet, issues: [] }) });
    const bearer = { Authorization: `Bearer ${BEARER_TOKEN}` };
    const refused = await app.request("/hooks/vms", { method: "POST", headers: bearer, body: JSON.stringify({ bucket: "argo-artifacts", key: "x" }) });
    expect(refused.status).toBe(422);
    expect(await errorOf(refused)).toMatch(/^hook "vms": body.bucket "argo-artifacts" is not a bucket its pipelines allow \(models, raw\); .*spec.trigger.buckets of alerts/);
    expect(deps.publisher.published).toHaveLength(0);
    const ok = await app.request("/hooks/vms", { method: "POST", headers: bearer, body: JSON.stringify({ bucket: "raw", key: "gate-1/a.jpg" }) });
    expect(ok.status).toBe(202);
  });
});

describe("POST /hooks/minio", () => {
  it("is refused with 403, saying what to set, when neither a token nor the explicit opt-out is configured", async () => {
    const { deps, app } = setup();
    const res = await app.request("/hooks/minio", { method: "POST", body: minioNotification() });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatch(/^POST \/hooks\/minio is off: no FRAMEGATE_MINIO_WEBHOOK_TOKEN is set\. Set it, .*or set FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK=true/);
    expect(deps.publisher.published).toHaveLength(0);
    expect((await app.request("/hooks/minio", { method: "HEAD" })).status).toBe(200); // MinIO's probe still sees it up
  });

  it("publishes the notification as sent, with the body's sha256 as Nats-Msg-Id", async () => {
    const { deps, app } = setup(OPEN);
    const body = minioNotification();
    const res = await app.request("/hooks/minio", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: sha256(body), duplicate: false });
    const p = deps.publisher.published[0]!;
    expect(p.subject).toBe("minio.events");
    expect(p.msgId).toBe(sha256(body));
    expect(text(p.data)).toBe(body);
  });

  it("publishes on the configured subject", async () => {
    const { deps, app } = setup({ ...OPEN, minioSubject: "minio.alt" });
    await app.request("/hooks/minio", { method: "POST", body: minioNotification() });
    expect(deps.publisher.published[0]?.subject).toBe("minio.alt");
  });

  it("reports MinIO's retry of the same notification as a duplicate", async () => {
    const { deps, app } = setup(OPEN);
    const body = minioNotification();
    await app.request("/hooks/minio", { method: "POST", body });
    const again = await app.request("/hooks/minio", { method: "POST", body });
    expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
    expect(deps.publisher.published).toHaveLength(1);
  });

  it("answers MinIO's HEAD probe with 200", async () => {
    const { app } = setup({ minioWebhookToken: "minio-token" });
    const res = await app.request("/hooks/minio", { method: "HEAD" });
    expect(res.status).toBe(200);
  });

  describe("with a token", () => {
    const token = "minio-token-123";
    it.each([
      ["a bare auth_token, sent as Bearer <token>", token],
      ['an auth_token written "Bearer <token>"', `Bearer ${token}`],
    ])("accepts %s", async (_, configured) => {
      const { app } = setup({ minioWebhookToken: configured });
      const auth = `Bearer ${token}`;
      const res = await app.request("/hooks/minio", { method: "POST", body: minioNotification(), headers: { Authorization: auth } });
      expect(res.status).toBe(202);
    });

    it("accepts a two-field auth_token sent as is", async () => {
      const { app } = setup({ minioWebhookToken: `Token ${token}` });
      const ok = await app.request("/hooks/minio", { method: "POST", body: minioNotification(), headers: { Authorization: `Token ${token}` } });
      expect(ok.status).toBe(202);
      const bearer = await app.request("/hooks/minio", { method: "POST", body: minioNotification(), headers: { Authorization: `Bearer ${token}` } });
      expect(bearer.status).toBe(401);
    });

    it.each([
      ["missing", undefined, /missing credentials/],
      ["wrong", "Bearer nope", /does not carry FRAMEGATE_MINIO_WEBHOOK_TOKEN/],
    ])("answers 401 when it is %s", async (_, auth, message) => {
      const { deps, app } = setup({ minioWebhookToken: token });
      const res = await app.request("/hooks/minio", {
        method: "POST",
        body: minioNotification(),
        headers: auth === undefined ? {} : { Authorization: auth },
      });
      expect(res.status).toBe(401);
      const error = await errorOf(res);
      expect(error).toMatch(message);
      expect(error).not.toContain(token);
      expect(deps.publisher.published).toHaveLength(0);
    });
  });

  it.each([
    ["not JSON", "Records", /not JSON/],
    ["an object without Records", '{"hello":"world"}', /Records/],
    ["a record without s3", '{"Records":[{"eventName":"s3:ObjectCreated:Put","eventTime":"2024-05-01T00:00:00Z"}]}', /Records\[0\]\.s3/],
  ])("answers 400 for %s", async (_, body, message) => {
    const { deps, app } = setup(OPEN);
    const res = await app.request("/hooks/minio", { method: "POST", body });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(message);
    expect(deps.publisher.published).toHaveLength(0);
  });

  it("answers 413 over the limit", async () => {
    const { app } = setup(OPEN);
    const res = await app.request("/hooks/minio", streamed(MiB + 1));
    expect(res.status).toBe(413);
  });
});

describe("hook metrics", () => {
  it("counts requests by hook and status, unknown names under one label", async () => {
    const { deps, app } = setup();
    await app.request("/hooks/motion", signed("{}"));
    await app.request("/hooks/motion", { method: "POST", body: "{}" });
    await app.request("/hooks/random-name-1", { method: "POST", body: "{}" });
    await app.request("/hooks/random-name-2", { method: "POST", body: "{}" });
    const values = (await deps.metrics.hookRequests.get()).values.map((v) => [v.labels.hook, v.labels.code, v.value]);
    expect(values).toEqual(
      expect.arrayContaining([
        ["motion", "202", 1],
        ["motion", "401", 1],
        ["unknown", "404", 2],
      ]),
    );
    expect(values).toHaveLength(3);
  });
});
