/**
 * The state store's all-or-nothing claim (`createAll`, one JetStream atomic batch) against a real nats-server, as
 * the gateway's NATS user: every claim and the record, or none of them; a bucket made before atomic batches takes
 * the per-frame path until `framegate setup` turns them on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kvm } from "@nats-io/kv";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { startNats, type NatsServer } from "../../test/harness/nats.js";
import { loadConfig } from "../config/env.js";
import { KvStateStore } from "./state-store.js";

const cfg = loadConfig({});
const BUCKET = cfg.FRAMEGATE_KV_BUCKET;
let nats: NatsServer;
let setupNc: NatsConnection;
let gatewayNc: NatsConnection;

const openAsGateway = () => KvStateStore.open(gatewayNc, BUCKET, cfg.FRAMEGATE_STATE_TTL, cfg.FRAMEGATE_KV_MAX_BYTES, { create: false });
const values = (store: KvStateStore, keys: string[]) => Promise.all(keys.map(async (k) => (await store.get<{ batch: string }>(k))?.value ?? null));

beforeAll(async () => {
  nats = await startNats();
  setupNc = await nats.connectAs("setup");
  gatewayNc = await nats.connectAs("gateway");
});

afterAll(async () => {
  await gatewayNc?.close();
  await setupNc?.close();
  await nats?.stop();
});

describe("KvStateStore.createAll", () => {
  it("a bucket made before atomic batches: createAll declines and writes nothing, until setup turns them on", async () => {
    // the bucket as an earlier framegate setup made it: no allow_atomic
    await new Kvm(setupNc).create(BUCKET, { ttl: cfg.FRAMEGATE_STATE_TTL, history: 1 });
    const before = await openAsGateway();
    expect(before.atomic).toBe(false);
    expect(await before.createAll(["member.p.old-a"], { batch: "b0" }, { key: "batch.p.b0", value: { n: 1 } })).toBe(false);
    expect(await values(before, ["member.p.old-a", "batch.p.b0"])).toEqual([null, null]);

    const setup = await KvStateStore.open(setupNc, BUCKET, cfg.FRAMEGATE_STATE_TTL, cfg.FRAMEGATE_KV_MAX_BYTES);
    expect(setup.atomic).toBe(true);
    expect((await (await jetstreamManager(setupNc)).streams.info(`KV_${BUCKET}`)).config.allow_atomic).toBe(true);
    expect((await openAsGateway()).atomic).toBe(true);
  });

  it("writes every claim and the record in one batch, as the gateway's NATS user", async () => {
    const store = await openAsGateway();
    const keys = Array.from({ length: 500 }, (_, i) => `member.p.f${i}`);
    expect(await store.createAll(keys, { batch: "b1" }, { key: "batch.p.b1", value: { frames: 500 } })).toBe(true);
    const got = await values(store, keys);
    expect(got.every((v) => v?.batch === "b1")).toBe(true);
    expect((await store.get<{ frames: number }>("batch.p.b1"))?.value).toEqual({ frames: 500 });
  });

  it("one claimed key refuses the whole batch: no other claim and no record is written", async () => {
    const store = await openAsGateway();
    expect(await store.create("member.p.taken", { batch: "other" })).not.toBeNull();
    for (const keys of [
      ["member.p.free-1", "member.p.taken", "member.p.free-2"],
      ["member.p.taken", "member.p.free-1"],
    ]) {
      expect(await store.createAll(keys, { batch: "b2" }, { key: "batch.p.b2", value: { n: 3 } })).toBe(false);
    }
    expect(await values(store, ["member.p.free-1", "member.p.free-2", "batch.p.b2", "member.p.taken"])).toEqual([null, null, null, { batch: "other" }]);
  });

  it("past the server's limit of atomic batches open at once, a batch is refused whole (the caller then claims frame by frame)", async () => {
    const store = await openAsGateway();
    // nats-server keeps at most 50 atomic batches of a stream open at once
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, b) => store.createAll([`member.p.many${b}.a`, `member.p.many${b}.b`], { batch: `m${b}` }, { key: `batch.p.m${b}`, value: { b } })),
    );
    expect(results.filter((r) => !r).length).toBeGreaterThan(0);
    for (const [b, ok] of results.entries()) {
      const got = await values(store, [`member.p.many${b}.a`, `member.p.many${b}.b`, `batch.p.m${b}`]);
      expect(got.map((v) => v !== null)).toEqual(ok ? [true, true, true] : [false, false, false]);
    }
  });

  it("two replicas claiming overlapping frames at once: exactly one owns each frame", async () => {
    const [a, b] = await Promise.all([openAsGateway(), openAsGateway()]);
    const shared = Array.from({ length: 50 }, (_, i) => `member.p.race${i}`);
    for (let round = 0; round < 5; round++) {
      const keys = shared.map((k) => `${k}.${round}`);
      const [ra, rb, rc] = await Promise.all([
        a.createAll(keys.slice(0, 30), { batch: `a${round}` }, { key: `batch.p.a${round}`, value: {} }),
        b.createAll(keys.slice(20), { batch: `b${round}` }, { key: `batch.p.b${round}`, value: {} }),
        // a per-frame claim of a frame both batches want
        b.create(keys[25]!, { batch: `c${round}` }),
      ]);
      // exactly one of the three writes took the frame they all wanted, and a batch has all of its frames or none
      expect([ra, rb, rc !== null].filter(Boolean)).toHaveLength(1);
      const winner = ra ? `a${round}` : rb ? `b${round}` : `c${round}`;
      expect((await a.get<{ batch: string }>(keys[25]!))?.value.batch).toBe(winner);
      const owners = (await values(a, keys)).map((v) => v?.batch ?? null);
      expect(owners.slice(0, 20)).toEqual(Array(20).fill(ra ? `a${round}` : null));
      expect(owners.slice(30)).toEqual(Array(20).fill(rb ? `b${round}` : null));
      expect(owners.slice(20, 30).filter((o) => o !== null && o !== winner)).toEqual([]);
    }
  });
});
