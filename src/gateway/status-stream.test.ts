import { describe, expect, it } from "vitest";
import { CameraRegistry } from "../status/cameras.js";
import type { ProcessedEvent } from "../status/processed-event.js";
import { linkStatus } from "../status/live-status.js";
import { StatusFeed } from "../status/status-feed.js";
import { WorkflowIndex } from "../workflows/workflow-index.js";
import { makeDeps } from "../../test/fakes/gateway-deps.js";
import { createGatewayApp } from "./app.js";
import type { StreamSettings } from "./deps.js";
import { waitFor } from "../../test/harness/wait.js";

const T0 = Date.parse("2024-05-01T12:00:00.000Z");

function setup(stream: StreamSettings = {}, argoUiUrl?: string) {
  const workflows = new WorkflowIndex();
  const feed = new StatusFeed();
  const linked = linkStatus(workflows, new CameraRegistry({ now: () => T0 }), feed);
  const app = createGatewayApp(makeDeps({ workflows, status: feed, stream, ...(argoUiUrl && { argoUiUrl }) }));
  return { workflows, feed, linked, app };
}

/** Reads SSE text until `until` holds for what was read, or fails after `ms`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: (text: string) => boolean, ms = 5_000): Promise<string> {
  const dec = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  while (!until(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`stream did not deliver what was expected within ${ms} ms; got:\n${text}`);
    const r = await Promise.race([reader.read(), new Promise<"timeout">((res) => setTimeout(() => res("timeout"), left))]);
    if (r === "timeout") continue;
    if (r.done) throw new Error(`stream ended; got:\n${text}`);
    text += dec.decode(r.value, { stream: true });
  }
  return text;
}

/** The `event:`/`data:` messages of SSE text, comments left out. */
function messages(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .map((block) => block.split("\n").filter((l) => !l.startsWith(":") && !l.startsWith("retry:")))
    .filter((lines) => lines.some((l) => l.startsWith("event: ")))
    .map((lines) => ({
      event: lines.find((l) => l.startsWith("event: "))!.slice(7),
      data: JSON.parse(lines.find((l) => l.startsWith("data: "))!.slice(6)) as Record<string, unknown>,
    }));
}


const report: ProcessedEvent = {
  seq: 7,
  receivedAt: "2024-05-01T12:00:00.000Z",
  source: "minio",
  id: "raw/gate-1/a.jpg@e1",
  bucket: "raw",
  key: "gate-1/a.jpg",
  camera: "gate-1",
  matches: [{ pipeline: "people-detect", workflow: "wf-a", outcome: "created" }],
};

describe("GET /api/stream", () => {
  it("sends processed events, camera rows and Workflow rows as they happen", async () => {
    const { app, linked, workflows } = setup({}, "https://argo.example.com");
    const res = await app.request("/api/stream");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => t.includes(": connected"));

    linked.recordEvent(report);
    workflows.apply("added", {
      metadata: { name: "wf-a", namespace: "argo", creationTimestamp: "2024-05-01T12:00:01Z", labels: { "framegate.io/pipeline": "people-detect" }, annotations: { "framegate.io/camera": "gate-1" } },
    });
    const text = await readUntil(reader, (t) => messages(t).length >= 4);
    const got = messages(text);
    expect(got.map((m) => m.event)).toEqual(["event", "camera", "workflow", "camera"]);
    expect(got[0]!.data).toEqual(report);
    expect(got[1]!.data).toMatchObject({ camera: "gate-1", frames: 1, workflows: 0, lastKey: "gate-1/a.jpg" });
    expect(got[2]!.data).toEqual({
      name: "wf-a",
      namespace: "argo",
      pipeline: "people-detect",
      camera: "gate-1",
      phase: "Pending",
      createdAt: "2024-05-01T12:00:01Z",
      events: 1,
      change: "added",
      argoUrl: "https://argo.example.com/workflows/argo/wf-a",
    });
    expect(got[3]!.data).toMatchObject({ camera: "gate-1", frames: 1, workflows: 1 });
    await reader.cancel();
  });

  it("sends a heartbeat comment when nothing happens", async () => {
    const { app } = setup({ heartbeatMs: 30 });
    const reader = (await app.request("/api/stream")).body!.getReader();
    const text = await readUntil(reader, (t) => (t.match(/: heartbeat\n\n/g) ?? []).length >= 2);
    expect(messages(text)).toEqual([]);
    await reader.cancel();
  });

  it("unsubscribes when the client goes away", async () => {
    const { app, feed } = setup();
    const reader = (await app.request("/api/stream")).body!.getReader();
    await readUntil(reader, (t) => t.includes(": connected"));
    expect(feed.subscribers).toBe(1);
    await reader.cancel();
    await waitFor("the subscription to end", () => feed.subscribers === 0, 5_000, { pollMs: 10 });
  });

  it("drops a client that does not keep up instead of buffering without bound", async () => {
    const { app, feed, linked } = setup({ maxQueue: 5 });
    const res = await app.request("/api/stream");
    await waitFor("the stream to subscribe", () => feed.subscribers === 1, 5_000, { pollMs: 10 });
    // nobody reads: the writes back up, the queue fills
    for (let i = 0; i < 50 && feed.subscribers > 0; i++) {
      linked.recordEvent({ ...report, id: `e${i}` });
      await new Promise((r) => setTimeout(r, 1));
    }
    await waitFor("the slow client to be dropped", () => feed.subscribers === 0, 5_000, { pollMs: 10 });
    // what was already written can still be read, then the stream ends: EventSource will reconnect
    const reader = res.body!.getReader();
    let done = false;
    for (let i = 0; i < 100 && !done; i++) done = (await reader.read()).done;
    expect(done).toBe(true);
  });

  it("ends every stream when the feed closes (shutdown), and any opened after", async () => {
    const { app, feed } = setup();
    const reader = (await app.request("/api/stream")).body!.getReader();
    await readUntil(reader, (t) => t.includes(": connected"));
    feed.close();
    let done = false;
    for (let i = 0; i < 100 && !done; i++) done = (await reader.read()).done;
    expect(done).toBe(true);
    expect(feed.subscribers).toBe(0);
    const later = (await app.request("/api/stream")).body!.getReader();
    done = false;
    for (let i = 0; i < 100 && !done; i++) done = (await later.read()).done;
    expect(done).toBe(true);
  });

  it("answers 503 beyond the maximum number of streams", async () => {
    const { app } = setup({ maxClients: 1 });
    const first = await app.request("/api/stream");
    expect(first.status).toBe(200);
    const second = await app.request("/api/stream");
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("10");
    expect(((await second.json()) as { error: string }).error).toMatch(/too many live streams \(1\)/);
    await first.body!.cancel();
    // the slot is free again once the first stream has closed
    const third = await waitFor("a stream slot after the first closed", async () => {
      const r = await app.request("/api/stream");
      return r.status === 200 && r;
    }, 5_000, { pollMs: 10 });
    expect(third.status).toBe(200);
    await third.body!.cancel();
  });
});
