/** @module test/harness/nats.int.test — the harness nats-server: JetStream, restart on the same port and store. */
import { describe, expect, it } from "vitest";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { createIntakeStreams, startNats } from "./nats.js";

describe("harness nats-server", () => {
  it("keeps JetStream messages across a kill and a restart on the same port", async () => {
    await using nats = await startNats();
    const port = nats.port;
    expect(port).toBeGreaterThan(0);
    const names = await createIntakeStreams(nats);
    let nc = await nats.connectAs("gateway");
    const js = jetstream(nc);
    const ack = await js.publish("framegate.hooks.smoke", "hello");
    expect(ack.stream).toBe(names.stream);
    await nc.close();

    await nats.kill();
    expect(nats.running).toBe(false);
    await nats.restart();
    expect(nats.port).toBe(port);

    nc = await nats.connectAs("setup");
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(names.stream);
    expect(info.state.messages).toBe(1);
    expect((await jsm.streams.info(names.dlqStream)).config.subjects).toEqual(["framegate.dlq.>"]);
    await nc.close();
  });
});
