/**
 * @module gateway/status-stream — `GET /api/stream`: Server-Sent Events with every live update
 * (`event` a processed event, `camera` a camera row, `workflow` a Workflow row with its `change`) and a
 * `: heartbeat` comment every 15 s so proxies keep an idle stream open.
 *
 * Each client gets a bounded queue. Writes wait for the socket (backpressure through the node adapter);
 * a client that falls `maxQueue` messages behind is dropped rather than buffered without end. Its
 * EventSource reconnects by itself (after the `retry` sent first) and starts again from live.
 *
 * Auth: `Authorization: Bearer <FRAMEGATE_API_TOKEN>`, or `?token=<FRAMEGATE_API_TOKEN>` because a
 * browser's EventSource cannot send headers (this route only; see auth.ts).
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { StatusMessage } from "../status/status-feed.js";
import { requireBearerOrQueryToken } from "./auth.js";
import type { ResolvedGatewayDeps } from "./deps.js";
import { HttpError } from "./http-error.js";
import type { GatewayEnv } from "./request-context.js";
import { workflowChangeView } from "./status.js";

/** Defaults of {@link StreamSettings}. */
export const STREAM_DEFAULTS = { heartbeatMs: 15_000, maxQueue: 1_000, maxClients: 100 } as const;

/** How long a browser waits before reconnecting a dropped stream. */
const RETRY_MS = 3_000;

/** One SSE message: `event: <type>` and the JSON data on one line (JSON.stringify never emits a newline). */
export function formatStatusMessage(m: StatusMessage, argoUiUrl: string | undefined): string {
  const data = m.type === "workflow" ? workflowChangeView(m.data, argoUiUrl) : m.data;
  return `event: ${m.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The node adapter's response, when there is one: dropping a stuck client closes its socket for good. */
function destroySocket(c: Context<GatewayEnv>): void {
  const env = c.env as { outgoing?: { destroy?: () => void } } | undefined;
  env?.outgoing?.destroy?.();
}

/** The `/stream` route under `/api`. */
export function statusStreamRoutes(deps: ResolvedGatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const settings = { ...STREAM_DEFAULTS, ...deps.stream };
  let clients = 0;

  app.get("/stream", requireBearerOrQueryToken(deps.apiToken, "FRAMEGATE_API_TOKEN"), (c) => {
    const source = deps.status;
    if (!source) throw new HttpError(503, "GET /api/stream is not available: this gateway was started without the live status feed (framegate serve wires it)");
    if (clients >= settings.maxClients) {
      throw new HttpError(503, `too many live streams (${settings.maxClients}); close another dashboard or try again later`, { "Retry-After": "10" });
    }
    const log = c.get("log") ?? deps.log;
    clients++;
    return streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let overflow = false;
      let wake: (() => void) | undefined;
      const notify = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const push = (chunk: string) => {
        if (overflow) return;
        if (queue.length >= settings.maxQueue) {
          overflow = true;
          // the writer may be stuck on a client that reads nothing: abort unblocks it
          stream.abort();
          destroySocket(c);
        } else {
          queue.push(chunk);
        }
        notify();
      };
      const off = source.subscribe(
        (m) => push(formatStatusMessage(m, deps.argoUiUrl)),
        () => stream.abort(), // the gateway is shutting down: end the response so the server can close
      );
      const heartbeat = setInterval(() => push(": heartbeat\n\n"), settings.heartbeatMs);
      stream.onAbort(notify);
      log.debug({ clients }, "live stream opened");
      try {
        await stream.write(`retry: ${RETRY_MS}\n: connected\n\n`);
        while (!stream.aborted) {
          if (queue.length === 0) {
            await new Promise<void>((r) => (wake = r));
            continue;
          }
          await stream.write(queue.splice(0).join(""));
        }
      } finally {
        off();
        clearInterval(heartbeat);
        clients--;
        if (overflow) log.warn({ maxQueue: settings.maxQueue }, "live stream client fell too far behind; dropped it (its EventSource reconnects)");
        else log.debug({ clients }, "live stream closed");
      }
    });
  });

  return app;
}
