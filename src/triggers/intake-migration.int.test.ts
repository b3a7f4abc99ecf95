/**
 * The bounded intake and its migration against a real nats-server: a full work-queue intake refuses
 * input and frees space as messages are acked, while the replay window keeps them; an intake made by an
 * older framegate (limits retention, max_deliver 10) moves over with messages in flight and input
 * arriving throughout: every unprocessed message arrives once in the new intake, no processed one again.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AckPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { startNats, type NatsServer } from "../../test/harness/nats.js";
import { waitFor } from "../../test/harness/wait.js";
import { runFramegate } from "../../test/harness/framegate.js";
import { REPO_ROOT } from "../../test/harness/util.js";
import { join } from "node:path";
import { StreamFullError } from "../lib/errors.js";
import { JetStreamPublisher } from "./jetstream-publisher.js";
import { ensureIntake, MigrationNeededError } from "./jetstream-setup.js";
import { migrateIntake, MIGRATED_SUBJECT_HEADER } from "./intake-migration.js";
import { historyStreamName, type IntakeNames } from "./jetstream-config.js";

let nats: NatsServer;
let nc: NatsConnection;
let jsm: JetStreamManager;
const KiB = 1024;

// the intake and dead-letter streams own framegate.hooks.> and framegate.dlq.>: one server per test
beforeEach(async () => {
  nats = await startNats();
  nc = await nats.connectAs("migrate"); // setup's rights plus the staging stream, draining the consumer, deleting the old intake
  jsm = await jetstreamManager(nc);
}, 30_000);
afterEach(async () => {
  await nc?.close();
  await nats?.stop();
});

/** The production names (the NATS users' permissions name them); each test has its own server. */
function names(): IntakeNames {
  return { stream: "FRAMEGATE", dlqStream: "FRAMEGATE_DLQ", consumer: "gw", minioSubject: "minio.events" };
}

const limits = { streamMaxBytes: 64 * KiB, historyMaxBytes: 16 * KiB, dlqMaxBytes: 64 * KiB, historyMaxAgeMs: 3_600_000 };

function publish(subject: string, id: string, size = 100) {
  const h = natsHeaders();
  h.set("Framegate-Event-Id", id);
  return jetstream(nc).publish(subject, new TextEncoder().encode(JSON.stringify({ id, pad: "x".repeat(size) })), { msgID: id, headers: h });
}

async function consumeAll(stream: string, consumer: string, idleMs = 1500): Promise<string[]> {
  const c = await jetstream(nc).consumers.get(stream, consumer);
  const ids: string[] = [];
  for (;;) {
    const batch = await c.fetch({ max_messages: 500, expires: idleMs });
    let got = 0;
    for await (const m of batch) {
      got += 1;
      ids.push(m.headers!.get("Framegate-Event-Id"));
      await m.ackAck();
    }
    if (got === 0) return ids;
  }
}

describe("bounded intake", () => {
  it("refuses input when full (never deleting), frees space as messages are acked, and keeps them in the replay window", async () => {
    const n = names();
    const done = await ensureIntake(nc, n, { ackWaitMs: 30_000, limits });
    expect(done.join("\n")).toMatch(new RegExp(`stream ${n.stream} created \\(intake, .*work queue, limit 64 KiB, 1 replica\\)`));
    let stored = 0;
    let refusal: Error | undefined;
    while (!refusal && stored < 10_000) {
      await publish(n.minioSubject, `full-${stored}`, 1000).then(() => (stored += 1), (e: Error) => (refusal = e));
    }
    expect(refusal?.message).toBe("maximum bytes exceeded");
    // the gateway's publisher tells "full" from "unavailable", so webhooks can say so
    const err = await new JetStreamPublisher(nc).publish(n.minioSubject, new Uint8Array(1000), { msgId: "one-more" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamFullError);
    const full = await jsm.streams.info(n.stream);
    expect(full.state.messages).toBe(stored); // discard new: the first message is still there
    expect(full.state.first_seq).toBe(1);
    expect(full.state.bytes).toBeLessThanOrEqual(64 * KiB);

    const ids = await consumeAll(n.stream, n.consumer);
    expect(ids).toEqual(Array.from({ length: stored }, (_, i) => `full-${i}`));
    const drained = await jsm.streams.info(n.stream);
    expect(drained.state.messages).toBe(0); // processed messages leave the work queue
    const history = await jsm.streams.info(historyStreamName(n.stream));
    expect(history.state.messages).toBeGreaterThan(0); // ... and the window keeps the newest of them
    expect(history.state.bytes).toBeLessThanOrEqual(16 * KiB);
    await publish(n.minioSubject, "after-drain"); // room again
  }, 30_000);

  it("refuses to lower a limit below what a stream holds (nats-server would delete the oldest)", async () => {
    const n = names();
    await ensureIntake(nc, n, { ackWaitMs: 30_000, limits });
    for (let i = 0; i < 20; i++) await publish(n.minioSubject, `hold-${i}`, 1000);
    await expect(ensureIntake(nc, n, { ackWaitMs: 30_000, limits: { ...limits, streamMaxBytes: 8 * KiB } })).rejects.toThrow(
      new RegExp(`stream ${n.stream} holds .* KiB, more than the new limit of 8 KiB: nats-server would delete its oldest messages`),
    );
    expect((await jsm.streams.info(n.stream)).state.messages).toBe(20);
  }, 30_000);
});

describe("framegate setup --migrate", () => {
  /** The intake and consumer as framegate made them before the work queue. */
  async function oldStyle(n: IntakeNames) {
    await jsm.streams.add({ name: n.stream, subjects: [n.minioSubject, "framegate.hooks.>"], retention: RetentionPolicy.Limits, storage: StorageType.File, discard: DiscardPolicy.Old, max_age: 7 * 86_400_000 * 1e6 });
    await jsm.consumers.add(n.stream, { durable_name: n.consumer, ack_policy: AckPolicy.Explicit, ack_wait: 2_000 * 1e6, max_deliver: 10, max_ack_pending: 10_000 });
  }

  it("moves exactly the unprocessed messages, with input arriving throughout: nothing lost, nothing twice", async () => {
    const n = names();
    await oldStyle(n);
    for (let i = 0; i < 60; i++) await publish(i % 3 ? n.minioSubject : "framegate.hooks.motion", `old-${i}`);
    // the old gateway: acks 20, holds 10 in flight (it then stops without acking them), naks 1 with a delay
    const gw = await nats.connectAs("gateway");
    const c = await jetstream(gw).consumers.get(n.stream, n.consumer);
    const processed: string[] = [];
    const batch = await c.fetch({ max_messages: 31, expires: 2000 });
    let i = 0;
    for await (const m of batch) {
      const id = m.headers!.get("Framegate-Event-Id");
      if (i < 20) {
        await m.ackAck();
        processed.push(id);
      } else if (i === 30) m.nak(1500);
      i += 1;
    }
    await gw.close();
    expect(processed).toHaveLength(20);

    await expect(ensureIntake(nc, n, { ackWaitMs: 30_000, limits })).rejects.toBeInstanceOf(MigrationNeededError);
    const plan: string[] = [];
    expect(await migrateIntake(nc, n, { ackWaitMs: 30_000, limits, dryRun: true, log: (l) => plan.push(l) })).toEqual({ needed: true, moved: 0 });
    expect(plan.join("\n")).toMatch(/limits retention, 60 messages .*40 not yet processed \(29 never delivered, 11 unacknowledged\)/);
    expect((await jsm.streams.info(n.stream)).config.retention).toBe(RetentionPolicy.Limits); // a dry run changes nothing

    // input keeps arriving the way MinIO's queue_dir sends it: each event retried until JetStream stores it
    const accepted: string[] = [];
    let refused = 0;
    let stop = false;
    const sender = (async () => {
      for (let j = 0; !stop || j < 5; j++) {
        const id = `live-${j}`;
        for (;;) {
          try {
            await publish(j % 2 ? n.minioSubject : "framegate.hooks.motion", id);
            accepted.push(id);
            break;
          } catch {
            refused += 1;
            await new Promise((r) => setTimeout(r, 50));
          }
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const log: string[] = [];
    const r = await migrateIntake(nc, n, { ackWaitMs: 30_000, limits, drainTimeoutMs: 20_000, log: (l) => log.push(l) });
    stop = true;
    await sender;

    expect(log.join("\n")).toMatch(/sealed .*new input is refused until the migration ends/);
    expect(log.join("\n")).toMatch(/migration done/);
    const staged = Number(/copied (\d+) unprocessed messages/.exec(log.join("\n"))![1]);
    expect(r).toEqual({ needed: true, moved: staged });
    const s = await jsm.streams.info(n.stream);
    expect(s.config).toMatchObject({ retention: RetentionPolicy.Workqueue, discard: DiscardPolicy.New, max_bytes: limits.streamMaxBytes, max_age: 0 });
    expect((await jsm.consumers.info(n.stream, n.consumer)).config.max_deliver).toBe(-1);
    await expect(jsm.streams.info(`${n.stream}_MIGRATION`)).rejects.toThrow(/not found/);

    const seen = await consumeAll(n.stream, n.consumer);
    const unprocessed = Array.from({ length: 60 }, (_, j) => `old-${j}`).filter((id) => !processed.includes(id));
    expect(seen.filter((id) => id.startsWith("old-")).sort()).toEqual(unprocessed.sort());
    expect(seen.filter((id) => id.startsWith("live-")).sort()).toEqual([...accepted].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(refused).toBeGreaterThan(0); // the sealed window really refused input (and the sender retried it)
    expect(await migrateIntake(nc, n, { ackWaitMs: 30_000, limits, log: () => undefined })).toEqual({ needed: false, moved: 0 });
  }, 60_000);

  it("is what `framegate setup` does: --dry-run shows it, plain setup refuses and says how, --migrate does it", async () => {
    const n = names();
    await oldStyle(n);
    for (let i = 0; i < 5; i++) await publish(n.minioSubject, `cli-${i}`);
    const env = {
      ...nats.clientEnv("setup"),
      FRAMEGATE_STREAM: n.stream,
      FRAMEGATE_DLQ_STREAM: n.dlqStream,
      FRAMEGATE_CONSUMER: n.consumer,
      FRAMEGATE_MINIO_SUBJECT: n.minioSubject,
      FRAMEGATE_RULES_DIR: join(REPO_ROOT, "pipelines"),
      FRAMEGATE_SERVICES_DIR: join(REPO_ROOT, "services"),
    };
    const dry = await runFramegate(["setup", "--skip-minio", "--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`jetstream: must change: stream ${n.stream}: retention is limits, want workqueue`);
    expect(dry.stdout).toContain(`jetstream: must change: consumer ${n.stream}/gw: max_deliver is 10, want -1`);
    expect(dry.stdout).toMatch(/jetstream: plan: seal .*copy the 5 unprocessed messages/);
    const plain = await runFramegate(["setup", "--skip-minio"], env);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(new RegExp(`stream ${n.stream} has limits retention; .*run \`framegate setup --migrate\``));
    // plain setup may not delete the old intake; the migration runs as the user that may
    const migrate = await runFramegate(["setup", "--skip-minio", "--migrate"], { ...env, ...nats.clientEnv("migrate") });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/jetstream: moved 5 messages into .*migration done/);
    expect(migrate.stdout).toMatch(/key-value bucket framegate-state ready/);
    expect((await consumeAll(n.stream, n.consumer)).sort()).toEqual(["cli-0", "cli-1", "cli-2", "cli-3", "cli-4"]);
  }, 90_000);

  it("finishes an interrupted migration from its staging stream", async () => {
    const n = names();
    await jsm.streams.add({ name: `${n.stream}_MIGRATION`, subjects: [`framegate.migration.${n.stream}`], storage: StorageType.File });
    for (let j = 0; j < 5; j++) {
      const h = natsHeaders();
      h.set("Framegate-Event-Id", `staged-${j}`);
      h.set(MIGRATED_SUBJECT_HEADER, n.minioSubject);
      h.set("Framegate-Migrated-Seq", String(j + 1));
      await jetstream(nc).publish(`framegate.migration.${n.stream}`, new TextEncoder().encode("{}"), { headers: h });
    }
    const log: string[] = [];
    expect(await migrateIntake(nc, n, { ackWaitMs: 30_000, limits, log: (l) => log.push(l) })).toEqual({ needed: true, moved: 5 });
    expect((await consumeAll(n.stream, n.consumer)).sort()).toEqual(["staged-0", "staged-1", "staged-2", "staged-3", "staged-4"]);
  }, 30_000);

  it("refuses while a gateway still pulls from the consumer (an idle gateway keeps a pull request open)", async () => {
    const n = names();
    await oldStyle(n);
    const gw = await nats.connectAs("gateway");
    const messages = await (await jetstream(gw).consumers.get(n.stream, n.consumer)).consume({ max_messages: 1, expires: 30_000 });
    const reading = (async () => {
      for await (const m of messages) m.nak();
    })();
    try {
      await waitFor("the pull request to register", async () => (await jsm.consumers.info(n.stream, n.consumer)).num_waiting > 0, 5000);
      await expect(migrateIntake(nc, n, { ackWaitMs: 30_000, limits, idleTimeoutMs: 1500, log: () => undefined })).rejects.toThrow(/pull request\(s\) open: a gateway is running; stop every gateway/);
      expect((await jsm.streams.info(n.stream)).config.subjects).toContain(n.minioSubject); // untouched
    } finally {
      messages.stop();
      await reading;
      await gw.close();
    }
  }, 30_000);
});
