/**
 * @module gateway/request-context — per-request id and child logger, and the header-size guard.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { formatBytes } from "./body-limit.js";
import { HttpError } from "./http-error.js";

/** Hono's environment for the gateway: what middleware puts on the context. */
export interface GatewayEnv {
  Variables: {
    /** the request's id: a sane incoming `X-Request-Id`, else a new UUID */
    requestId: string;
    /** child logger carrying `req` (the request id) */
    log: Logger;
    /** the hook label for `framegate_hook_requests_total` (`unknown` for names not configured) */
    hookLabel: string;
  };
}

export const REQUEST_ID_HEADER = "X-Request-Id";

// printable, no spaces, bounded: safe to log and to echo
const REQUEST_ID_RE = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Gives each request an id (kept from `X-Request-Id` when sane) and a child logger, echoes the id
 * in the response, and logs the outcome (debug for 2xx/3xx, info for 4xx, error for 5xx).
 */
export function requestContext(log: Logger): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const id = incoming && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    const child = log.child({ req: id });
    c.set("requestId", id);
    c.set("log", child);
    const started = performance.now();
    await next();
    c.header(REQUEST_ID_HEADER, id);
    const status = c.res.status;
    const fields = { method: c.req.method, path: c.req.path, status, ms: Math.round((performance.now() - started) * 10) / 10 };
    if (status >= 500) child.error(fields, "request failed");
    else if (status >= 400) child.info(fields, "request refused");
    else child.debug(fields, "request served");
  };
}

/**
 * Refuses requests whose headers together exceed `max` bytes (431). Node's HTTP parser already
 * enforces its `maxHeaderSize` (16 KiB default) before a request reaches Hono; this guard keeps the
 * limit when the app runs behind another server or adapter, and in `app.request()` tests.
 */
export function headerLimit(max: number): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    let total = 0;
    c.req.raw.headers.forEach((value, name) => {
      total += name.length + value.length + 4; // "name: value\r\n"
    });
    if (total > max) {
      throw new HttpError(431, `request headers total ${total} bytes, over the limit of ${formatBytes(max)}; send fewer or smaller headers`);
    }
    await next();
  };
}
