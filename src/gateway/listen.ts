/**
 * @module gateway/listen — serves the gateway's app on a socket with the server options `serve` runs
 * with (header size, request timeout), so the tests that check those limits meet the same server.
 */
import { serve as serveHttp, type ServerType } from "@hono/node-server";
import type { ServerOptions } from "node:http";
import { FramegateError } from "../lib/errors.js";
import { GATEWAY_DEFAULTS } from "./deps.js";

/** Longest a request may take to arrive in full (slow clients do not hold sockets for ever). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Where and how to listen. */
export interface ListenOptions {
  host: string;
  /** 0: a port the OS chooses */
  port: number;
  /** Node refuses larger request headers with 431 before the app sees them (default 16 KiB, as the app's own check) */
  maxHeaderBytes?: number;
}

/** The Node server options of the gateway's HTTP server. */
export function gatewayServerOptions(maxHeaderBytes: number = GATEWAY_DEFAULTS.maxHeaderBytes): ServerOptions {
  return { maxHeaderSize: maxHeaderBytes, requestTimeout: REQUEST_TIMEOUT_MS };
}

/**
 * Listens and resolves with the server once it accepts connections.
 * @throws FramegateError when the port cannot be had (in use, not allowed), saying what to change
 * @example const server = await listenGateway(app.fetch, { host: "127.0.0.1", port: 0 });
 */
export function listenGateway(fetch: (req: Request) => Response | Promise<Response>, o: ListenOptions): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const s = serveHttp({ fetch, hostname: o.host, port: o.port, serverOptions: gatewayServerOptions(o.maxHeaderBytes) }, () => {
      s.off("error", failed);
      resolve(s);
    });
    const failed = (e: Error) =>
      reject(new FramegateError(`cannot listen on ${o.host}:${o.port}: ${e.message} — set FRAMEGATE_HTTP_HOST/FRAMEGATE_HTTP_PORT to an address that is free`, { cause: e }));
    s.once("error", failed);
  });
}
