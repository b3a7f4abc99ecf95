/**
 * @module test/ha/minio-node-loss.int.test — MinIO in distributed mode (4 servers, one drive each, one
 * erasure set; test/harness/minio-cluster.ts) with its NATS notification target, while cameras upload
 * through one server: another server is SIGKILLed mid-stream and restarted later. Every PUT succeeds, every
 * object stays readable, and the intake stream holds exactly one notification for each uploaded object,
 * those made while a server was down included.
 */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Fleet } from "../faults/fleet.js";
import { sleep, waitFor } from "../faults/rig.js";
import { startMinioCluster, type MinioCluster } from "../harness/minio-cluster.js";
import { setBucketNotification } from "../harness/minio.js";
import { createIntakeStreams, startNats, type NatsServer } from "../harness/nats.js";

let nats: NatsServer;
let lastState = "";
let minio: MinioCluster;
beforeAll(async () => {
  nats = await startNats();
  await createIntakeStreams(nats);
  minio = await startMinioCluster({ natsHostPort: nats.hostPort, natsUser: nats.credentials("minio") });
  await setBucketNotification(minio.nodes[0]!.client, "raw");
}, 120_000);
afterAll(async () => {
  await minio?.stop();
  await nats?.stop();
});

/**
 * The object keys of the MinIO notifications in the intake stream so far (MinIO's top-level `Key` is
 * `bucket/key`), read with a durable consumer of its own that never acks (so every message stays), as the
 * `migrate` user (who may create a consumer on the intake and pull from it). Duplicates are kept.
 */
const seen: string[] = [];
async function notifiedKeys(): Promise<string[]> {
  const nc = await nats.connectAs("migrate");
  try {
    const jsm = await jetstreamManager(nc);
    lastState = JSON.stringify((await jsm.streams.info("FRAMEGATE")).state);
    await jsm.consumers.add("FRAMEGATE", { durable_name: "probe", ack_policy: AckPolicy.Explicit, ack_wait: 600_000_000_000 }).catch(() => undefined);
    const c = await jetstream(nc).consumers.get("FRAMEGATE", "probe");
    for await (const m of await c.fetch({ max_messages: 1000, expires: 2_000 })) {
      seen.push((JSON.parse(new TextDecoder().decode(m.data)) as { Key: string }).Key.replace(/^raw\//, ""));
    }
    return seen;
  } finally {
    await nc.close();
  }
}

describe("distributed MinIO losing a server", () => {
  it("keeps taking uploads through another server, keeps every object, and notifies each one exactly once", async () => {
    const victim = minio.nodes[3]!;
    const fleet = new Fleet({ client: minio.nodes[1]!.client, cameras: ["dist-gate-01", "dist-gate-02", "dist-lobby-01"], fps: 3 });
    await fleet.start();
    await sleep(3_000);
    const killedAt = Date.now();
    await victim.kill("SIGKILL");
    await sleep(8_000);
    const restartedAt = Date.now();
    await victim.restart();
    await sleep(3_000);
    await fleet.stop();

    expect(fleet.failed(), "no PUT failed while a server was down").toEqual([]);
    const ok = fleet.ok();
    const whileDown = ok.filter((a) => a.at > killedAt && a.at < restartedAt);
    expect(whileDown.length, "uploads while a server was down").toBeGreaterThan(30);
    // every object readable through a third server, those written with one drive missing included
    for (const a of whileDown.slice(0, 40)) await minio.nodes[2]!.client.statObject("raw", a.key);
    const want = ok.map((a) => a.key).sort();
    let got: string[] = [];
    await waitFor("a notification for every uploaded object", async () => (got = [...(await notifiedKeys())].sort()).length >= want.length, 30_000, () => `${got.length} of ${want.length}; stream ${lastState}\n${minio.output().slice(-3000)}`);
    expect(got).toEqual(want);
    process.stderr.write(`[minio-node-loss] ${ok.length} uploads, ${whileDown.length} while server 4 of 4 was down; ${got.length} notifications\n`);
  }, 90_000);
});
