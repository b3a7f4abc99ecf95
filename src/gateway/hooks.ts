/**
 * @module gateway/hooks — `POST /hooks/minio` (MinIO's webhook target) and `POST /hooks/<name>` (integrations).
 * Both authenticate, read the body with a cap, check it, and publish the raw bytes: the consumer
 * parses exactly what the sender sent.
 */
import { Hono } from "hono";
import { BadEventError } from "../lib/errors.js";
import { checkWebhookBucket } from "../rules/webhook-buckets.js";
import { parseMinioNotification } from "../triggers/minio-event.js";
import { parseSignature, SIGNATURE_HEADER, verifyBearer, verifyMinioAuthorization, verifySignature } from "./auth.js";
import { bodyText, parseJsonObject, readBodyCapped } from "./body-limit.js";
import { encodeIntake, hookSubject } from "../triggers/wire.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { HttpError } from "./http-error.js";
import { publishOrUnavailable, sha256Hex } from "./publish.js";
import type { GatewayEnv } from "./request-context.js";

/** Longest `Idempotency-Key` accepted. */
export const MAX_IDEMPOTENCY_KEY = 200;
const IDEMPOTENCY_KEY_RE = new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY}}$`);

function idempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_RE.test(header)) {
    throw new HttpError(
      400,
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} visible ASCII characters without spaces (got ${header.length} characters); use a UUID or your event's id`,
    );
  }
  return header;
}

/** Routes under `/hooks`. */
export function hookRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  app.use("*", async (c, next) => {
    await next();
    if (c.req.method === "POST") deps.metrics.hookRequests.inc({ hook: c.get("hookLabel") ?? "unknown", code: String(c.res.status) });
  });

  // MinIO probes its webhook target with HEAD (Hono answers HEAD from GET) and counts any reply as "up".
  app.get("/minio", (c) => c.body(null, 200));

  app.post("/minio", async (c) => {
    c.set("hookLabel", "minio");
    if (deps.minioWebhookToken !== undefined) verifyMinioAuthorization(deps.minioWebhookToken, c.req.header("authorization"));
    else if (!deps.allowUnauthenticatedMinioWebhook) {
      // an open notification endpoint lets anyone who reaches the gateway forge frames and get Workflows
      throw new HttpError(
        403,
        "POST /hooks/minio is off: no FRAMEGATE_MINIO_WEBHOOK_TOKEN is set. Set it, and the same value as the auth_token of MinIO's webhook target (MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN); or set FRAMEGATE_ALLOW_UNAUTHENTICATED_MINIO_WEBHOOK=true where nothing but MinIO can reach the gateway",
      );
    }
    const body = await readBodyCapped(c.req.raw, deps.maxBodyBytes);
    const value = parseJsonObject(bodyText(body));
    let events: string[];
    try {
      events = parseMinioNotification(value, { subject: deps.minioSubject }).map((e) => e.id);
    } catch (err) {
      if (err instanceof BadEventError) throw new HttpError(400, `${err.message} (POST /hooks/minio takes MinIO bucket notifications only)`, {}, { cause: err });
      throw err;
    }
    // MinIO sets no id; the hash makes its retries (queue_dir replays) duplicates JetStream drops.
    const id = sha256Hex(body);
    const log = c.get("log");
    const res = await publishOrUnavailable(deps.publisher, log, deps.minioSubject, body, {
      msgId: id,
      headers: encodeIntake({ eventId: id, requestId: c.get("requestId") }),
    });
    // `event`: the ids the consumer's lines and the Workflow's framegate.io/event-id annotation carry
    log.info({ hook: "minio", id, event: events.length === 1 ? events[0] : events, seq: res.seq, duplicate: res.duplicate, records: events.length }, "minio notification accepted");
    return c.json({ id, duplicate: res.duplicate }, 202);
  });

  app.post("/:name", async (c) => {
    const name = c.req.param("name");
    const hook = deps.hooks.get(name);
    if (!hook) {
      c.set("hookLabel", "unknown");
      throw new HttpError(404, `no hook named ${JSON.stringify(name.slice(0, 64))}; add "${name.slice(0, 64)}: hmac:<secret>" to the FRAMEGATE_HOOK_SECRETS file, or check the URL`);
    }
    c.set("hookLabel", hook.name);

    // Credentials and headers first: a request that will be refused costs no body read.
    let signature: Buffer | undefined;
    if (hook.auth === "bearer") verifyBearer(hook.secret, c.req.header("authorization"), `hook "${hook.name}"'s token`);
    else signature = parseSignature(hook.name, c.req.header(SIGNATURE_HEADER));
    const key = idempotencyKey(c.req.header("idempotency-key"));

    const body = await readBodyCapped(c.req.raw, deps.maxBodyBytes);
    if (signature) verifySignature(hook.name, hook.secret, body, signature);
    const value = parseJsonObject(bodyText(body));
    // a body may point the steps only at buckets its pipelines allow
    const pipelines = deps.rules().ruleSet?.pipelines;
    const refused = pipelines ? checkWebhookBucket(hook.name, value, pipelines) : undefined;
    if (refused) throw new HttpError(422, refused);

    // JetStream dedupes on Nats-Msg-Id across the whole stream: scope client keys by hook so two
    // integrations that both send "Idempotency-Key: 1" do not swallow each other's events.
    const id = key ?? sha256Hex(hook.name, "\n", body);
    const msgId = key !== undefined ? `${hook.name}:${key}` : id;
    const log = c.get("log");
    const res = await publishOrUnavailable(deps.publisher, log, hookSubject(hook.name), body, {
      msgId,
      headers: encodeIntake({ eventId: id, requestId: c.get("requestId") }),
    });
    log.info({ hook: hook.name, id, event: id, seq: res.seq, duplicate: res.duplicate }, "hook accepted");
    return c.json({ id, duplicate: res.duplicate }, 202);
  });

  return app;
}
