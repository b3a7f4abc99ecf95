/**
 * `GET /api/stream` over a real socket (@hono/node-server): a browser-like reader gets the messages, a
 * client that stops reading is dropped and its socket closed, and closing the feed lets the server close.
 */
import { connect, type AddressInfo, type Socket } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { StatusFeed } from "../status/status-feed.js";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";
import type { StreamSettings } from "./deps.js";
import { waitFor } from "../../test/harness/wait.js";

const TOKEN = "stream-token-0123456789abcdef";
let server: ServerType | undefined;

async function start(stream: StreamSettings = {}) {
  const feed = new StatusFeed();
  const app = createGatewayApp(makeDeps({ status: feed, apiToken: TOKEN, stream }));
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  return { feed, port: (server.address() as AddressInfo).port };
}

afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) {
    (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
});


const camera = (i: number, pad = 0) => ({
  type: "camera" as const,
  data: { camera: `gate-${i}`, firstSeen: "2024-05-01T12:00:00.000Z", lastSeen: "2024-05-01T12:00:00.000Z", frames: i, framesPerMinute: 1, workflows: 0, failures: 0, lastKey: "k".repeat(pad) },
});

describe("GET /api/stream over a real socket", () => {
  it("streams to an EventSource-style client authenticated with ?token=", async () => {
    const { feed, port } = await start();
    const res = await fetch(`http://127.0.0.1:${port}/api/stream?token=${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    await waitFor("subscribed", () => feed.subscribers === 1, 10_000, { pollMs: 20 });
    feed.publish(camera(1));
    while (!text.includes("event: camera")) text += dec.decode((await reader.read()).value);
    expect(text).toMatch(/^retry: 3000\n: connected\n\n/);
    expect(text).toContain(`data: ${JSON.stringify(camera(1).data)}\n\n`);
    await reader.cancel();
    await waitFor("unsubscribed after the client left", () => feed.subscribers === 0, 10_000, { pollMs: 20 });
  });

  it("drops a client that stops reading once its queue is full, and closes its socket", async () => {
    const { feed, port } = await start({ maxQueue: 20 });
    const socket: Socket = connect(port, "127.0.0.1");
    let closed = false;
    socket.on("close", () => (closed = true));
    socket.on("error", () => undefined);
    await new Promise<void>((r) => socket.once("connect", () => r()));
    socket.write(`GET /api/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    socket.pause(); // reads nothing from now on: kernel buffers fill, then the gateway's writes wait
    await waitFor("subscribed", () => feed.subscribers === 1, 10_000, { pollMs: 20 });
    // 8 KiB messages until the kernel buffers, the node buffers and then the 20-message queue are full
    for (let i = 0; i < 20_000 && feed.subscribers > 0; i++) {
      feed.publish(camera(i, 8 * 1024));
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor("the slow client dropped", () => feed.subscribers === 0, 10_000, { pollMs: 20 });
    // the client still reads nothing: only a destroyed connection is gone at once (an ended response
    // lingers for seconds with its unsent data)
    let connections = -1;
    await waitFor("its connection closed by the gateway", () => {
        server!.getConnections((_e, n) => (connections = n));
        return connections === 0;
      }, 2_500, { pollMs: 20 });
    socket.resume();
    await waitFor("the client seeing the close", () => closed, 10_000, { pollMs: 20 });
  });

  it("lets the server close once the feed is closed (shutdown)", async () => {
    const { feed, port } = await start();
    const res = await fetch(`http://127.0.0.1:${port}/api/stream`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const reader = res.body!.getReader();
    await waitFor("subscribed", () => feed.subscribers === 1, 10_000, { pollMs: 20 });
    const s = server!;
    server = undefined;
    let serverClosed = false;
    s.close(() => (serverClosed = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(serverClosed).toBe(false); // an open stream holds the server
    feed.close();
    let done = false;
    while (!done) done = (await reader.read()).done;
    await waitFor("the server closed", () => serverClosed, 5_000, { pollMs: 20 });
  });
});
