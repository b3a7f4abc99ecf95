/** @module lib/hash-id — a KV key token from any text: KV keys allow only `[-/_=.a-zA-Z0-9]`, so ids are hashed. */
import { createHash } from "node:crypto";

/**
 * 32 characters of the text's SHA-256, base64url with `-` written as `=` (a KV key token).
 * @example `cam.${hashId("gate-01")}`
 */
export function hashId(s: string): string {
  return createHash("sha256").update(s).digest("base64url").slice(0, 32).replace(/-/g, "=");
}
