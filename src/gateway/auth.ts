/**
 * @module gateway/auth — constant-time checks of bearer tokens and HMAC-SHA256 body signatures,
 * and the bearer guard in front of `/api/*`. Nothing here ever puts a secret in a message or a log.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "./request-context.js";
import { HttpError } from "./http-error.js";

/** The header integrations sign bodies in: `X-Framegate-Signature: sha256=<hex of HMAC-SHA256(secret, raw body)>`. */
export const SIGNATURE_HEADER = "X-Framegate-Signature";

const SIGNATURE_RE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Compares two strings in time independent of where they differ. Both sides are hashed first so
 * that their lengths (which `timingSafeEqual` requires equal) leak nothing either.
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), else undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m?.[1];
}

/** HMAC-SHA256 of the body, hex, as integrations compute it (for their docs and for tests). */
export function signBody(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * Reads `X-Framegate-Signature` before the body is read, so unsigned requests cost nothing.
 * @returns the 32 signature bytes
 * @throws HttpError 401 when the header is missing or not `sha256=<64 hex digits>`
 */
export function parseSignature(hook: string, header: string | undefined): Buffer {
  if (!header) {
    throw new HttpError(401, `hook "${hook}" needs a signature: send ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body with the hook's secret>`);
  }
  const m = SIGNATURE_RE.exec(header.trim());
  if (!m) {
    throw new HttpError(401, `${SIGNATURE_HEADER} must be "sha256=" followed by 64 hex digits (HMAC-SHA256 of the raw body)`);
  }
  return Buffer.from(m[1]!, "hex");
}

/**
 * Checks a signature from {@link parseSignature} against the HMAC-SHA256 of the raw body bytes.
 * @throws HttpError 401 saying what to check (never the expected value)
 */
export function verifySignature(hook: string, secret: string, body: Uint8Array, given: Buffer): void {
  const expected = createHmac("sha256", secret).update(body).digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new HttpError(
      401,
      `${SIGNATURE_HEADER} does not match the body: sign the exact bytes sent (no re-serialization) with hook "${hook}"'s secret`,
    );
  }
}

/**
 * Checks an `Authorization: Bearer <token>` header.
 * @param what names the credential in the message (`hook "vms"'s token`, `FRAMEGATE_API_TOKEN`)
 * @throws HttpError 401 with `WWW-Authenticate: Bearer`
 */
export function verifyBearer(expected: string, header: string | undefined, what: string): void {
  const given = bearerToken(header);
  if (given === undefined) {
    throw new HttpError(401, `missing credentials: send "Authorization: Bearer <token>" with ${what}`, { "WWW-Authenticate": "Bearer" });
  }
  if (!safeEqual(given, expected)) {
    throw new HttpError(401, `the bearer token is not ${what}; check the token the client sends`, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
  }
}

/**
 * The `Authorization` header MinIO's webhook target sends for `auth_token`: the token as is when it
 * already has a scheme ("Bearer abc", two fields), else "Bearer " + token (MinIO's own rule).
 */
export function minioAuthorization(authToken: string): string {
  const fields = authToken.trim().split(/\s+/);
  return fields.length === 2 ? fields.join(" ") : `Bearer ${authToken.trim()}`;
}

/**
 * Checks the `Authorization` header of a MinIO webhook-target request against its `auth_token`.
 * @throws HttpError 401
 */
export function verifyMinioAuthorization(authToken: string, header: string | undefined): void {
  if (!header) {
    throw new HttpError(401, "missing credentials: set the MinIO webhook target's auth_token to FRAMEGATE_MINIO_WEBHOOK_TOKEN", { "WWW-Authenticate": "Bearer" });
  }
  const given = header.trim().split(/\s+/).join(" ");
  if (!safeEqual(given, minioAuthorization(authToken))) {
    throw new HttpError(401, "the Authorization header does not carry FRAMEGATE_MINIO_WEBHOOK_TOKEN; set the MinIO webhook target's auth_token to it", {
      "WWW-Authenticate": 'Bearer error="invalid_token"',
    });
  }
}

/**
 * Guards routes with a bearer token when one is configured; passes everything when `token` is undefined.
 */
export function requireBearer(token: string | undefined, what: string): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (token !== undefined) verifyBearer(token, c.req.header("authorization"), what);
    await next();
  };
}

/**
 * Like {@link requireBearer}, but also accepts the token as `?token=<token>`, for `GET /api/stream`: a
 * browser's EventSource cannot send headers. Only for that route — a token in a URL can end up in proxy
 * access logs and browser history, so prefer the header wherever a client can send one.
 */
export function requireBearerOrQueryToken(token: string | undefined, what: string): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (token !== undefined) {
      const header = c.req.header("authorization");
      const query = c.req.query("token");
      if (header === undefined && query !== undefined) {
        if (!safeEqual(query, token)) {
          throw new HttpError(401, `the token parameter is not ${what}; check the token the client sends`, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
        }
      } else {
        verifyBearer(token, header, `${what} (or ?token=<token>)`);
      }
    }
    await next();
  };
}
