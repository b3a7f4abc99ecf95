/**
 * @module test/ha/stream-replicas.int.test — `framegate setup` takes the replica count of every stream, KV
 * bucket and the consumer from FRAMEGATE_STREAM_REPLICAS and changes it in place on a real 3-server
 * JetStream cluster (test/harness/nats-cluster.ts): what was stored stays, the consumer keeps its position,
 * and every server holds a current copy afterwards. On a single server, 3 replicas is a clear error.
 */
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFramegate } from "../harness/framegate.js";
import { startNats } from "../harness/nats.js";
import { startNatsCluster, type NatsCluster } from "../harness/nats-cluster.js";
import { REPO_ROOT } from "../harness/util.js";

const STREAMS = ["FRAMEGATE", "FRAMEGATE_HISTORY", "FRAMEGATE_DLQ", "KV_framegate-state", "KV_framegate-cameras"];
const base = {
  FRAMEGATE_RULES_DIR: join(REPO_ROOT, "pipelines"),
  FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"),
  FRAMEGATE_LOG_LEVEL: "warn",
};
let cluster: NatsCluster;
beforeAll(async () => {
  cluster = await startNatsCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describe("framegate setup on a 3-server JetStream cluster", () => {
  it("creates everything with 1 replica by default, then raises it to 3 in place: data, KV state and the consumer's position stay", async () => {
    const setup = (replicas?: string, ...args: string[]) =>
      runFramegate(["setup", "--skip-minio", ...args], { ...base, FRAMEGATE_DEBUG: "1", ...cluster.clientEnv("setup"), ...(replicas ? { FRAMEGATE_STREAM_REPLICAS: replicas } : {}) });
    const first = await setup();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/stream FRAMEGATE created \(intake.*1 replica\)/);

    const nc = await cluster.connectAs("migrate"); // publishes into the intake, reads the consumer, writes the KV bucket
    const jsm = await jetstreamManager(nc);
    for (const s of STREAMS) expect((await jsm.streams.info(s)).config.num_replicas, s).toBe(1);
    const js = jetstream(nc);
    for (let i = 0; i < 10; i++) await js.publish("minio.events", JSON.stringify({ i }), { msgID: `m-${i}` });
    const consumer = await js.consumers.get("FRAMEGATE", "framegate");
    for (let i = 0; i < 4; i++) (await consumer.next({ expires: 5_000 }))!.ack();
    await nc.flush();
    const gw = await cluster.connectAs("gateway");
    const kv = await new Kvm(gw).open("framegate-state");
    await kv.put("dedupe.p.k1", "claimed");

    const dry = await setup("3", "--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/differs: stream FRAMEGATE: num_replicas is 1, want 3 — .*setup changes it in place/);
    expect(dry.stdout).toMatch(/differs: consumer FRAMEGATE\/framegate: num_replicas is 1, want 3/);

    const raised = await setup("3");
    expect(raised.code, raised.stdout + raised.stderr).toBe(0);
    expect(raised.stdout).toMatch(/stream FRAMEGATE updated \(.*3 replicas \(was 1\)\)/);
    expect(raised.stdout).toMatch(/stream KV_framegate-state limit set to .*, 3 replicas \(was 1 replica\)/);
    await cluster.waitCurrent(STREAMS, [["FRAMEGATE", "framegate"]]);
    for (const s of STREAMS) {
      const info = await jsm.streams.info(s);
      expect(info.config.num_replicas, s).toBe(3);
      expect(info.cluster?.replicas?.map((r) => r.current), `${s}: two more servers hold a current copy`).toEqual([true, true]);
    }
    const ci = await jsm.consumers.info("FRAMEGATE", "framegate");
    expect(ci.config.num_replicas).toBe(3);
    expect(ci.cluster?.replicas).toHaveLength(2);
    // the 4 acked messages are gone (work queue), the other 6 wait for the consumer, which resumes at the 5th
    expect((await jsm.streams.info("FRAMEGATE")).state.messages).toBe(6);
    expect(ci.num_pending).toBe(6);
    expect(JSON.parse(new TextDecoder().decode((await consumer.next({ expires: 5_000 }))!.data))).toEqual({ i: 4 });
    expect((await kv.get("dedupe.p.k1"))?.string()).toBe("claimed");

    // a server that holds a copy since the raise restarts and catches up: the raised streams are its own
    // (nats-server 2.11.10 dropped a stream updated in a cluster as an orphan after such a restart)
    const leader = (await jsm.streams.info("FRAMEGATE")).cluster!.leader!;
    const peer = cluster.servers.find((_, i) => `n${i + 1}` !== leader)!;
    for (let i = 0; i < 2; i++) {
      await peer.kill("SIGKILL");
      await new Promise((r) => setTimeout(r, 2_000));
      await peer.restart();
      await cluster.waitCurrent(STREAMS, [["FRAMEGATE", "framegate"]]);
    }
    expect(peer.output()).not.toMatch(/orphaned stream/);

    const again = await setup("3", "--dry-run");
    expect(again.stdout).toMatch(/streams and consumer are as configured/);
    await gw.close();
    await nc.close();
  }, 90_000);
});

describe("the cluster's route authorization", () => {
  it("is for routes only: the client port refuses the route user", async () => {
    await expect(connect({ servers: cluster.servers[0]!.hostPort, user: "route", pass: cluster.routePassword, reconnect: false })).rejects.toThrow(/authorization/i);
    const ok = await connect({ servers: cluster.servers[0]!.hostPort, ...cluster.credentials("gateway"), reconnect: false });
    await ok.close(); // the same port takes a client identity, so the refusal above is about the user
  });
});

describe("framegate setup on a single nats-server", () => {
  it("refuses FRAMEGATE_STREAM_REPLICAS=3 with what to do", async () => {
    await using nats = await startNats();
    const r = await runFramegate(["setup", "--skip-minio"], { ...base, ...nats.clientEnv("setup"), FRAMEGATE_STREAM_REPLICAS: "3" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FRAMEGATE_STREAM_REPLICAS is 3, but the NATS server is a single server, not a JetStream cluster .*set FRAMEGATE_STREAM_REPLICAS=1, or run a 3-server cluster/);
    const bad = await runFramegate(["setup", "--skip-minio"], { ...base, ...nats.clientEnv("setup"), FRAMEGATE_STREAM_REPLICAS: "7" });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/FRAMEGATE_STREAM_REPLICAS: /);
  }, 60_000);
});
