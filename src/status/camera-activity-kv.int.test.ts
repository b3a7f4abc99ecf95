/**
 * @module status/camera-activity-kv.int.test — cameras' last-frame times in a real JetStream KV bucket: one
 * replica's writes reach another's watch, and a gateway started later still finds the silent camera.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { startNats, type NatsServer } from "../../test/harness/nats.js";
import { createMetrics } from "../lib/metrics.js";
import { CameraActivity } from "./camera-activity.js";
import { KvCameraActivityStore } from "./camera-activity-kv.js";
import { waitFor } from "../../test/harness/wait.js";

const log = pino({ level: "silent" });

describe("KvCameraActivityStore on JetStream KV", () => {
  let nats: NatsServer;
  const conns: NatsConnection[] = [];

  beforeAll(async () => {
    nats = await startNats();
    // the bucket framegate setup makes; replicas (the gateway's NATS user) open and watch it
    const setup = await nats.connectAs("setup");
    await KvCameraActivityStore.open(setup, "framegate-cameras", 3_600_000, 1 << 20, log);
    await setup.close();
  }, 60_000);

  afterAll(async () => {
    for (const nc of conns) await nc.close();
    await nats?.stop();
  });

  async function replica(): Promise<CameraActivity> {
    const nc = await nats.connectAs("gateway");
    conns.push(nc);
    const store = await KvCameraActivityStore.open(nc, "framegate-cameras", 3_600_000, 1 << 20, log);
    const a = new CameraActivity(store, createMetrics({ defaultMetrics: false }), log, { minSilenceMs: 60_000, writeEveryMs: 0 });
    await a.start();
    return a;
  }

  it("a write by one replica reaches the other; a replica started afterwards loads it and sees the camera silent", async () => {
    const t0 = Date.now();
    const a = await replica();
    const b = await replica();
    a.seen("gate/01 (north)", t0 - 120_000);
    a.seen("gate/01 (north)", t0 - 100_000);
    a.seen("dock", t0);
    await waitFor("replica b to receive both cameras", () => b.size === 2, 5000);
    expect(b.evaluate(t0 + 1000)).toEqual(["gate/01 (north)"]);
    a.stop();
    b.stop();
    const restarted = await replica();
    await waitFor("the restarted replica to load both cameras", () => restarted.size === 2, 5000);
    expect(restarted.evaluate(t0 + 1000)).toEqual(["gate/01 (north)"]);
    expect(restarted.evaluate(t0 + 61_000)).toEqual(["gate/01 (north)", "dock"]);
    restarted.stop();
  });

  it("writes of frames handled in separate callbacks of one turn leave in one socket write", async () => {
    const nc = await nats.connectAs("gateway");
    conns.push(nc);
    const store = await KvCameraActivityStore.open(nc, "framegate-cameras", 3_600_000, 1 << 20, log);
    const a = new CameraActivity(store, createMetrics({ defaultMetrics: false }), log, { writeEveryMs: 0 });
    await a.start();
    await nc.flush();
    // the socket under the client (a test-only look inside @nats-io/transport-node)
    const socket = (nc as unknown as { protocol: { transport: { socket: { write: (...args: unknown[]) => boolean } } } }).protocol.transport.socket;
    const write = socket.write.bind(socket);
    const published: string[] = [];
    socket.write = (...args: unknown[]) => {
      const text = Buffer.from(args[0] as Uint8Array).toString("latin1");
      if (text.includes("$KV.framegate-cameras.cam.")) published.push(text);
      return write(...args);
    };
    const t0 = Date.now();
    // as the processor calls it: one frame per settled create, each in a microtask of its own
    for (let i = 0; i < 20; i++) {
      await Promise.resolve();
      a.seen(`batch-cam-${i}`, t0);
    }
    await new Promise((r) => setImmediate(r)); // the end of the turn
    await nc.flush();
    expect(published).toHaveLength(1);
    expect(published[0]!.match(/\$KV\.framegate-cameras\.cam\./g)).toHaveLength(20);
    a.stop();
  });
});
