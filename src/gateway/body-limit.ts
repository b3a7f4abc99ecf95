/**
 * @module gateway/body-limit — reads a request body with a hard cap, enforced while the bytes arrive:
 * a missing or lying Content-Length cannot make the gateway buffer more than the cap.
 */
import type { z } from "zod";
import { formatBytes } from "../lib/bytes.js";
import { HttpError } from "./http-error.js";

export { formatBytes };

/** Bytes kept free for the headers the gateway stores with a body (message id, event id, times, request id). */
export const HEADER_ROOM_BYTES = 4096;

/**
 * The body limit the gateway can keep: a body is stored as one NATS message with its headers, and the
 * server refuses anything over its `max_payload` (1 MiB by default, like FRAMEGATE_MAX_BODY_BYTES) — a
 * body the gateway accepted but NATS refused would get a 503 that no retry can fix.
 * @example effectiveBodyLimit(1048576, 1048576) // 1044480 (1020 KiB)
 */
export function effectiveBodyLimit(configured: number, natsMaxPayload: number | undefined): number {
  if (!natsMaxPayload || natsMaxPayload <= 0) return configured;
  return Math.max(0, Math.min(configured, natsMaxPayload - HEADER_ROOM_BYTES));
}

function tooLarge(max: number): HttpError {
  return new HttpError(413, `request body is larger than the limit of ${formatBytes(max)}; send a smaller body (large payloads belong in the object store, send their key)`);
}

/**
 * Reads the whole body, at most `max` bytes.
 * @throws HttpError 413 when the declared or the actual size is over `max`; 415 for a compressed body
 */
export async function readBodyCapped(req: Request, max: number): Promise<Uint8Array> {
  const encoding = req.headers.get("content-encoding");
  if (encoding && encoding.trim().toLowerCase() !== "identity") {
    throw new HttpError(415, `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send the body uncompressed`);
  }
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > max) throw tooLarge(max);
  if (!req.body) return new Uint8Array(0);

  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      // stop pulling from the socket; what was read is dropped
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Decodes a body as UTF-8 text.
 * @throws HttpError 400 for bytes that are not UTF-8
 */
export function bodyText(body: Uint8Array): string {
  try {
    return utf8.decode(body);
  } catch (err) {
    throw new HttpError(400, "request body is not UTF-8 text; send JSON encoded as UTF-8", {}, { cause: err });
  }
}

/**
 * Parses a body that must be one JSON object.
 * @throws HttpError 400 naming the JSON syntax error, or what was sent instead of an object
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === "") throw new HttpError(400, "request body is empty; send a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `request body is not JSON (${(err as Error).message}); send a JSON object with Content-Type: application/json`, {}, { cause: err });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    throw new HttpError(400, `request body must be a JSON object, got ${got}; wrap it, e.g. {"items": [...]}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Parses a body that must be one JSON object of `schema`'s shape (`{}` when empty and `emptyIsObject`).
 * @throws HttpError 400 saying what is wrong (each field's path and message) and what the body should be (`example`)
 * @example parseBodyAs(runBody, text, '{"bucket": "raw", "key": "gate-01/a.jpg"}', { emptyIsObject: true })
 */
export function parseBodyAs<T>(schema: z.ZodType<T>, text: string, example: string, o: { emptyIsObject?: boolean } = {}): T {
  let value: Record<string, unknown>;
  try {
    value = o.emptyIsObject && text.trim() === "" ? {} : parseJsonObject(text);
  } catch (e) {
    if (e instanceof HttpError) throw new HttpError(400, `${e.message} — the body is ${example}`, {}, { cause: e });
    throw e;
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new HttpError(400, `${r.error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ")} — the body is ${example}`);
  return r.data;
}
