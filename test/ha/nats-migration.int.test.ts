/**
 * @module test/ha/nats-migration.int.test — the move from one nats-server to the 3-server cluster
 * (docs/deploy.md, "From one node to ha"), run end to end: a single server set up by `framegate setup` holds
 * unprocessed intake messages, a consumer part-way through them, the replay window and KV state; each stream
 * is backed up with its consumers and restored into the cluster through JetStream's snapshot/restore API as
 * the `migrate` user (test/harness/jetstream-snapshot.ts, the calls natscli makes); `framegate setup` with
 * FRAMEGATE_STREAM_REPLICAS=3 raises every stream and the consumer to 3 replicas in place, and the consumer
 * resumes where it stood.
 */
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { afterAll, describe, expect, it } from "vitest";
import { runFramegate } from "../harness/framegate.js";
import { restoreStream, snapshotStream, type StreamSnapshot } from "../harness/jetstream-snapshot.js";
import { startNats, type NatsServer } from "../harness/nats.js";
import { startNatsCluster, type NatsCluster } from "../harness/nats-cluster.js";
import { REPO_ROOT } from "../harness/util.js";

const STREAMS = ["FRAMEGATE", "FRAMEGATE_HISTORY", "FRAMEGATE_DLQ", "KV_framegate-state", "KV_framegate-cameras"];
const base = { FRAMEGATE_RULES_DIR: join(REPO_ROOT, "pipelines"), FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"), FRAMEGATE_LOG_LEVEL: "warn" };
let single: NatsServer | undefined;
let cluster: NatsCluster | undefined;
afterAll(async () => {
  await single?.stop();
  await cluster?.stop();
});

describe("moving framegate's JetStream state from one server to the cluster", () => {
  it("keeps the intake, the replay window, the KV state and the consumer's position", async () => {
    single = await startNats();
    const first = await runFramegate(["setup", "--skip-minio"], { ...base, ...single.clientEnv("setup") });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const nc = await single.connectAs("migrate");
    const js = jetstream(nc);
    for (let i = 0; i < 10; i++) await js.publish("minio.events", JSON.stringify({ i }), { msgID: `m-${i}` });
    const c = await js.consumers.get("FRAMEGATE", "framegate");
    for (let i = 0; i < 4; i++) (await c.next({ expires: 5_000 }))!.ack();
    await nc.flush();
    const gw = await single.connectAs("gateway");
    await (await new Kvm(gw).open("framegate-state")).put("dedupe.p.k1", "done");
    await gw.close();
    const jsm = await jetstreamManager(nc);
    await expect.poll(async () => (await jsm.streams.info("FRAMEGATE_HISTORY")).state.messages, { timeout: 10_000 }).toBe(10);
    await expect.poll(async () => (await jsm.consumers.info("FRAMEGATE", "framegate")).num_ack_pending, { timeout: 10_000 }).toBe(0);

    // every gateway stopped: back up each stream with its consumers
    const snaps = new Map<string, StreamSnapshot>();
    for (const s of STREAMS) snaps.set(s, await snapshotStream(nc, s, "_INBOX_migrate"));
    await nc.close();
    await single.stop();
    single = undefined;

    cluster = await startNatsCluster();
    const mc = await cluster.connectAs("migrate");
    // as they were (1 replica: a work queue's consumer must have the stream's count, so the restore cannot
    // change it); setup raises them to 3 in place
    for (const s of STREAMS) await restoreStream(mc, snaps.get(s)!);
    const env = { ...base, ...cluster.clientEnv("setup"), FRAMEGATE_STREAM_REPLICAS: "3" };
    const dry = await runFramegate(["setup", "--skip-minio", "--dry-run"], env);
    expect(dry.stdout, dry.stderr).toMatch(/differs: stream FRAMEGATE: num_replicas is 1, want 3/);
    expect(dry.stdout).not.toMatch(/must change/);
    const setup = await runFramegate(["setup", "--skip-minio"], env);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    await cluster.waitCurrent(STREAMS, [["FRAMEGATE", "framegate"]]);
    const again = await runFramegate(["setup", "--skip-minio", "--dry-run"], env);
    expect(again.stdout).toMatch(/streams and consumer are as configured/);

    const cjsm = await jetstreamManager(mc);
    for (const s of STREAMS) expect((await cjsm.streams.info(s)).config.num_replicas, s).toBe(3);
    expect((await cjsm.streams.info("FRAMEGATE")).state.messages, "the 6 unprocessed messages").toBe(6);
    expect((await cjsm.streams.info("FRAMEGATE_HISTORY")).state.messages, "the replay window").toBe(10);
    const ci = await cjsm.consumers.info("FRAMEGATE", "framegate");
    expect([ci.num_pending, ci.delivered.stream_seq, ci.config.num_replicas]).toEqual([6, 4, 3]);
    const next = await (await jetstream(mc).consumers.get("FRAMEGATE", "framegate")).next({ expires: 5_000 });
    expect(JSON.parse(new TextDecoder().decode(next!.data))).toEqual({ i: 4 });
    const gw2 = await cluster.connectAs("gateway");
    expect((await (await new Kvm(gw2).open("framegate-state")).get("dedupe.p.k1"))?.string()).toBe("done");
    await gw2.close();
    await mc.close();
  }, 110_000);
});
