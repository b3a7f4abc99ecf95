/**
 * @module sweep/lease.int.test — the sweep's lease on a real JetStream KV bucket: replicas on their own
 * connections race for it and exactly one wins, a renewal keeps it, and a holder that stops renewing is
 * replaced once its claim runs out (KV's revision check is what makes the take-over safe).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { KvStateStore } from "../flow/state-store.js";
import { startNats, type NatsServer } from "../../test/harness/nats.js";
import { KvLease } from "./lease.js";

describe("KvLease on JetStream KV", () => {
  let nats: NatsServer;
  const conns: NatsConnection[] = [];

  beforeAll(async () => {
    nats = await startNats();
    // the bucket framegate setup makes; replicas (the gateway's NATS user) may use it, not create it
    const setup = await nats.connectAs("setup");
    await KvStateStore.open(setup, "framegate-state", 3_600_000);
    await setup.close();
  }, 60_000);

  afterAll(async () => {
    for (const nc of conns) await nc.close();
    await nats?.stop();
  });

  /** A replica: its own connection and store on the shared bucket. */
  async function replica(holder: string, ttlMs: number): Promise<KvLease> {
    const nc = await nats.connectAs("gateway");
    conns.push(nc);
    return new KvLease(await KvStateStore.open(nc, "framegate-state", 3_600_000, undefined, { create: false }), "sweep.lease", holder, ttlMs);
  }

  it("six replicas race for a free lease: one wins, the others see it held; it is taken over only after its claim ran out", async () => {
    const ls = await Promise.all(["a", "b", "c", "d", "e", "f"].map((h) => replica(h, 10_000)));
    const t = Date.now();
    const won = await Promise.all(ls.map((l) => l.acquire(t)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = ls[won.indexOf(true)]!;
    const others = ls.filter((l) => l !== winner);
    expect((await others[0]!.current(t))?.holder).toBe(winner.holder);
    // renewals keep it; the others keep failing while the claim runs
    expect(await winner.acquire(t + 5_000)).toBe(true);
    expect((await Promise.all(others.map((l) => l.acquire(t + 14_000)))).some(Boolean)).toBe(false);
    // the winner stops renewing (it died): after its claim, the others race again and one takes over
    const next = await Promise.all(others.map((l) => l.acquire(t + 15_001)));
    expect(next.filter(Boolean)).toHaveLength(1);
    expect(await winner.acquire(t + 15_002)).toBe(false);
  });
});
