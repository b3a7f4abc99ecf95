/**
 * The status bus on a real nats-server, as two gateway replicas use it (the gateway's NATS user): each one's
 * reports reach both, each exactly once — the publisher's own at once, without reading NATS's echo back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { z } from "zod";
import { startNats, type NatsServer } from "../../test/harness/nats.js";
import { waitFor } from "../../test/harness/wait.js";
import { statusSubject } from "../triggers/wire.js";
import { StatusBus } from "./status-bus.js";

const log = pino({ level: "silent" });
const schema = z.object({ id: z.string() });
type Report = z.infer<typeof schema>;

describe("StatusBus", () => {
  let nats: NatsServer;
  const conns: NatsConnection[] = [];

  beforeAll(async () => {
    nats = await startNats();
  }, 60_000);

  afterAll(async () => {
    for (const nc of conns) await nc.close();
    await nats?.stop();
  });

  async function replica(): Promise<{ bus: StatusBus<Report>; seen: string[] }> {
    const nc = await nats.connectAs("gateway");
    conns.push(nc);
    const bus = new StatusBus<Report>(nc, { log, subject: statusSubject("FRAMEGATE"), schema });
    const seen: string[] = [];
    bus.subscribe((r) => seen.push(r.id));
    return { bus, seen };
  }

  it("gives every replica each report once: its own at once, the others' over NATS", async () => {
    const a = await replica();
    const b = await replica();
    // both subscriptions registered on the server before anything is published (a PING answered after each SUB)
    await conns[0]!.flush();
    await conns[1]!.flush();
    a.bus.publish({ id: "a1" });
    expect(a.seen).toEqual(["a1"]); // before NATS carried anything
    b.bus.publish({ id: "b1" });
    a.bus.publish({ id: "a2" });
    await waitFor("both replicas' reports", () => a.seen.length >= 3 && b.seen.length >= 3, 10_000);
    // NATS's echo of a replica's own reports would show up as a second copy by now
    await conns[0]!.flush();
    await conns[1]!.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect([...a.seen].sort()).toEqual(["a1", "a2", "b1"]);
    expect([...b.seen].sort()).toEqual(["a1", "a2", "b1"]);
  });
});
