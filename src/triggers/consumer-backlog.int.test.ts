/**
 * @module triggers/consumer-backlog.int.test — the backlog gauges read a real consumer's info: pending before
 * delivery, ack-pending while held, redelivered after a nak.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { startNats, type NatsServer } from "../../test/harness/nats.js";
import { createMetrics } from "../lib/metrics.js";
import { ConsumerBacklogMonitor } from "./consumer-backlog.js";

describe("ConsumerBacklogMonitor on a real JetStream consumer", () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    // one connection that makes the stream and consumer and also pulls from it: the migrate user (production names)
    nc = await nats.connectAs("migrate");
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "FRAMEGATE", subjects: ["framegate.hooks.>"] });
    await jsm.consumers.add("FRAMEGATE", { durable_name: "work", ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 });
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("reports pending, ack-pending and redelivered as JetStream counts them", async () => {
    const js = jetstream(nc);
    for (let i = 0; i < 5; i++) await js.publish(`framegate.hooks.${i}`, "x");
    const metrics = createMetrics({ defaultMetrics: false });
    const monitor = new ConsumerBacklogMonitor(nc, "FRAMEGATE", "work", metrics);
    expect(await monitor.read()).toEqual({ pending: 5, ackPending: 0, redelivered: 0 });

    const c = await js.consumers.get("FRAMEGATE", "work");
    const first = await c.next();
    const second = await c.next();
    expect(await monitor.read()).toEqual({ pending: 3, ackPending: 2, redelivered: 0 });
    first!.ack();
    second!.nak();
    // the server may hand out a fresh message before it has processed the nak: pull until the naked one comes back
    let fresh = 0;
    let again = await c.next();
    while (again && !again.redelivered && fresh < 3) {
      fresh++;
      again = await c.next();
    }
    expect(again!.redelivered).toBe(true);
    expect(again!.subject).toBe(second!.subject);
    expect(await monitor.read()).toEqual({ pending: 3 - fresh, ackPending: 1 + fresh, redelivered: 1 });
    const gauge = (await metrics.registry.getSingleMetric("framegate_jetstream_consumer_redelivered_messages")!.get()).values;
    expect(gauge).toEqual([{ labels: { consumer: "work" }, value: 1 }]);
    expect((await metrics.registry.getSingleMetric("framegate_jetstream_consumer_pending_messages")!.get()).values[0]!.value).toBe(3 - fresh);
  });

  it("a missing consumer is an error for the caller to log, not a zero", async () => {
    const monitor = new ConsumerBacklogMonitor(nc, "FRAMEGATE", "nobody", createMetrics({ defaultMetrics: false }));
    await expect(monitor.read()).rejects.toThrow(/consumer not found/i);
  });
});
