/**
 * @module k8s/nats-authorization.int.test — the NATS users of k8s/base/nats/authorization.conf against a real
 * nats-server running that file (the harness includes it as it is): nobody connects without credentials, and
 * each identity can do its job and is refused, by the server, what it does not need.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, AckPolicy } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AUTHORIZATION_CONF, authorizationUsers, createIntakeStreams, startNats, type NatsIdentity, type NatsServer } from "../test/harness/nats.js";
import { startKube } from "../test/harness/kube.js";
import { REPO_ROOT, toolPath } from "../test/harness/util.js";
import { NATS_FAST_TARGET_ARN, setBucketNotification, startMinio, type MinioServer } from "../test/harness/minio.js";
import { waitFor } from "../test/harness/wait.js";
import { ensureIntake } from "../src/triggers/jetstream-setup.js";
import { KvStateStore } from "../src/flow/state-store.js";
import { replay } from "../src/triggers/replay.js";

const NAMES = { stream: "FRAMEGATE", dlqStream: "FRAMEGATE_DLQ", consumer: "framegate", minioSubject: "minio.events" };
const BUCKET = "framegate-state";
const DAY_MS = 24 * 3600 * 1000;

let nats: NatsServer;
let minio: MinioServer;
const conns: NatsConnection[] = [];

async function as(identity: NatsIdentity): Promise<NatsConnection> {
  const nc = await nats.connectAs(identity);
  conns.push(nc);
  return nc;
}

/** The server's own words for a refused publish (JetStream API calls are publishes to `$JS.API.…`). */
const violation = (subject: string) => new RegExp(`Permissions Violation for Publish to "${subject.replace(/[$.*>]/g, (c) => `\\${c}`)}"`);

async function refused(what: Promise<unknown>, subject: string): Promise<void> {
  const err = await what.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(err, `expected the server to refuse a publish to ${subject}`).toBeInstanceOf(Error);
  expect(err!.message).toMatch(violation(subject));
}

beforeAll(async () => {
  nats = await startNats();
  await createIntakeStreams(nats); // as setup
  const setup = await as("setup");
  await ensureIntake(setup, NAMES, { ackWaitMs: 30_000 });
  await KvStateStore.open(setup, BUCKET, DAY_MS);
  minio = await startMinio({ natsHostPort: nats.hostPort, natsUser: nats.credentials("minio"), subject: NAMES.minioSubject, fast: { user: nats.credentials("minio-fast") }, buckets: ["raw"] });
}, 120_000);

afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  await minio?.stop();
  await nats?.stop();
});

describe("NATS authorization (k8s/base/nats/authorization.conf)", () => {
  it("refuses a client without credentials, and one with a wrong password", async () => {
    await expect(connect({ servers: nats.hostPort, reconnect: false })).rejects.toThrow(/Authorization Violation/);
    await expect(connect({ servers: nats.hostPort, user: "gateway", pass: "not-the-password", reconnect: false })).rejects.toThrow(/Authorization Violation/);
    await expect(connect({ servers: nats.hostPort, user: "admin", pass: nats.credentials("setup").pass, reconnect: false })).rejects.toThrow(/Authorization Violation/);
  });

  it("minio: the real MinIO's JetStream publish is stored and acknowledged", async () => {
    await setBucketNotification(minio.client, "raw", { prefix: "cam-auth/" });
    const jsm = await jetstreamManager(await as("setup"));
    const before = (await jsm.streams.info(NAMES.stream)).state.messages;
    await minio.client.putObject("raw", "cam-auth/a.jpg", Buffer.from("jpeg"));
    await waitFor("the notification in the stream", async () => (await jsm.streams.info(NAMES.stream)).state.messages === before + 1, 20_000);
    // an unacknowledged publish would stay in MinIO's queue dir and be sent again
    await waitFor("MinIO's queue dir to be empty (the ack arrived)", async () => queued(minio.queueDir) === 0, 10_000);
    // what setup (framegate replay) may read of it: the replay window's copy
    const m = await waitFor("the replay window's copy", () => jsm.streams.getMessage(`${NAMES.stream}_HISTORY`, { last_by_subj: NAMES.minioSubject }).then((x) => x ?? undefined, () => undefined), 10_000);
    expect(m.json<{ Key: string }>().Key).toBe("raw/cam-auth/a.jpg");
  });

  it("minio: cannot publish webhook events, read or write the KV bucket, or purge a stream", async () => {
    const nc = await as("minio");
    const js = jetstream(nc);
    await refused(js.publish("framegate.hooks.motion-alerts", "{}"), "framegate.hooks.motion-alerts");
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    await refused(jsm.streams.purge(NAMES.stream), `$JS.API.STREAM.PURGE.${NAMES.stream}`);
    await refused(jsm.streams.info(`KV_${BUCKET}`), `$JS.API.STREAM.INFO.KV_${BUCKET}`);
    await refused(jsm.direct.getMessage(`KV_${BUCKET}`, { last_by_subj: `$KV.${BUCKET}.x` }), `$JS.API.DIRECT.GET.KV_${BUCKET}.$KV.${BUCKET}.x`);
    await refused(js.publish(`$KV.${BUCKET}.dedupe.x`, "{}"), `$KV.${BUCKET}.dedupe.x`);
    // and what it may do still works on the same connection
    expect((await js.publish(NAMES.minioSubject, "{}")).stream).toBe(NAMES.stream);
  });

  it("minio-fast: the real MinIO's store-less target publishes on minio.fast, which the intake stores; nothing waits in the queue dir", async () => {
    await setBucketNotification(minio.client, "raw", { prefix: "cam-fast/", arn: NATS_FAST_TARGET_ARN });
    const jsm = await jetstreamManager(await as("setup"));
    await minio.client.putObject("raw", "cam-fast/a.jpg", Buffer.from("jpeg"));
    const m = await waitFor("the fast copy in the replay window", () => jsm.streams.getMessage(`${NAMES.stream}_HISTORY`, { last_by_subj: "minio.fast" }).then((x) => x ?? undefined, () => undefined), 10_000);
    expect(m.json<{ Key: string }>().Key).toBe("raw/cam-fast/a.jpg");
    expect(queued(minio.queueDir)).toBe(0);
  });

  it("minio-fast: may publish on minio.fast and nothing else (not the durable subject, webhooks, the KV bucket or the JetStream API), and subscribe to nothing", async () => {
    const nc = await as("minio-fast");
    const errors: string[] = [];
    void (async () => {
      for await (const st of nc.status()) if (st.type === "error") errors.push(st.error.message);
    })();
    const jsm = await jetstreamManager(await as("setup"));
    const stored = async () => (await jsm.streams.info(NAMES.stream)).state.messages;
    const forbidden = ["minio.events", "framegate.hooks.motion-alerts", `$KV.${BUCKET}.dedupe.x`, `$JS.API.STREAM.PURGE.${NAMES.stream}`, `$JS.API.STREAM.DELETE.${NAMES.stream}`];
    const before = await stored();
    for (const subject of forbidden) nc.publish(subject, "{}");
    await nc.flush();
    await waitFor("the server's refusals", async () => errors.length >= forbidden.length, 5_000);
    for (const subject of forbidden) expect(errors.some((e) => violation(subject).test(e)), `refused: ${subject}`).toBe(true);
    expect(await stored(), "nothing stored from the refused publishes").toBe(before);
    expect((await jsm.streams.info(NAMES.stream)).config.subjects).toContain("minio.events");
    // what it may do works on the same connection: a core publish the intake stores
    nc.publish("minio.fast", "{}");
    await nc.flush();
    await waitFor("the allowed publish stored", async () => (await stored()) === before + 1, 5_000);
    const sub = nc.subscribe("minio.events");
    const closed = await sub.closed;
    expect(String(closed)).toMatch(/Permissions Violation for Subscription to "minio\.events"/);
  });

  it("gateway: uses the streams, consumer and KV bucket, but cannot delete, purge, create or change them", async () => {
    const nc = await as("gateway");
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    // its job: publish a webhook event, read the consumer, use the KV bucket
    expect((await js.publish("framegate.hooks.motion-alerts", "{}")).stream).toBe(NAMES.stream);
    expect((await jsm.consumers.info(NAMES.stream, NAMES.consumer)).name).toBe(NAMES.consumer);
    const state = await KvStateStore.open(nc, BUCKET, DAY_MS, undefined, { create: false });
    expect(await state.create("dedupe.auth.x", { at: 1 })).toBeGreaterThan(0);
    expect((await state.get<{ at: number }>("dedupe.auth.x"))?.value).toEqual({ at: 1 });

    await refused(jsm.streams.delete(NAMES.stream), `$JS.API.STREAM.DELETE.${NAMES.stream}`);
    await refused(jsm.streams.purge(NAMES.stream), `$JS.API.STREAM.PURGE.${NAMES.stream}`);
    await refused(jsm.streams.purge(NAMES.dlqStream), `$JS.API.STREAM.PURGE.${NAMES.dlqStream}`);
    await refused(jsm.streams.delete(`KV_${BUCKET}`), `$JS.API.STREAM.DELETE.KV_${BUCKET}`);
    await refused(jsm.streams.add({ name: "EXFIL", subjects: ["exfil.>"] }), "$JS.API.STREAM.CREATE.EXFIL");
    await refused(jsm.streams.update(NAMES.stream, { max_age: 1 }), `$JS.API.STREAM.UPDATE.${NAMES.stream}`);
    await refused(jsm.consumers.add(NAMES.stream, { durable_name: "copy", ack_policy: AckPolicy.Explicit }), `$JS.API.CONSUMER.CREATE.${NAMES.stream}.copy`);
    await refused(jsm.consumers.delete(NAMES.stream, NAMES.consumer), `$JS.API.CONSUMER.DELETE.${NAMES.stream}.${NAMES.consumer}`);
    // a missing bucket is not created behind setup's back: the gateway says what to run
    await expect(KvStateStore.open(nc, "other-state", DAY_MS, undefined, { create: false })).rejects.toThrow(/run `framegate setup`|Permissions Violation/);
  });

  it("setup: creates and updates the streams, consumer and KV bucket, and replays, but cannot delete or purge", async () => {
    const nc = await as("setup");
    const done = await ensureIntake(nc, NAMES, { ackWaitMs: 20_000 });
    expect(done.map((l) => l.split(" (")[0])).toEqual([
      `stream ${NAMES.stream} updated`,
      `consumer ${NAMES.stream}/${NAMES.consumer} updated`,
      `stream ${NAMES.stream}_HISTORY updated`,
      `stream ${NAMES.dlqStream} updated`,
    ]);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.consumers.info(NAMES.stream, NAMES.consumer)).config.ack_wait).toBe(20_000 * 1_000_000);
    await new Kvm(nc).create(BUCKET, { ttl: DAY_MS, history: 1 }); // opening an existing bucket again
    const r = await replay(nc, NAMES, { from: "range", dryRun: true });
    expect(r.scanned).toBeGreaterThan(0);

    await refused(jsm.streams.delete(NAMES.stream), `$JS.API.STREAM.DELETE.${NAMES.stream}`);
    await refused(jsm.streams.purge(NAMES.stream), `$JS.API.STREAM.PURGE.${NAMES.stream}`);
    await refused(jsm.consumers.delete(NAMES.stream, NAMES.consumer), `$JS.API.CONSUMER.DELETE.${NAMES.stream}.${NAMES.consumer}`);
    await refused(jsm.streams.add({ name: "OTHER", subjects: ["other.>"] }), "$JS.API.STREAM.CREATE.OTHER");
    await refused(jsm.streams.getMessage(NAMES.stream, { seq: 1 }), `$JS.API.STREAM.MSG.GET.${NAMES.stream}`);
  });

  it("migrate: may delete the old intake (framegate setup --migrate), but not purge, nor delete the dead letters or the KV bucket", async () => {
    const jsm = await jetstreamManager(await as("migrate"));
    await refused(jsm.streams.purge(NAMES.stream), `$JS.API.STREAM.PURGE.${NAMES.stream}`);
    await refused(jsm.streams.delete(NAMES.dlqStream), `$JS.API.STREAM.DELETE.${NAMES.dlqStream}`);
    await refused(jsm.streams.delete(`${NAMES.stream}_HISTORY`), `$JS.API.STREAM.DELETE.${NAMES.stream}_HISTORY`);
    await refused(jsm.streams.delete(`KV_${BUCKET}`), `$JS.API.STREAM.DELETE.KV_${BUCKET}`);
    // its own staging stream is what it may make and remove (the deletion of FRAMEGATE is src/triggers/intake-migration.int.test.ts)
    await jsm.streams.add({ name: `${NAMES.stream}_MIGRATION`, subjects: [`framegate.migration.${NAMES.stream}`] });
    expect(await jsm.streams.delete(`${NAMES.stream}_MIGRATION`)).toBe(true);
  });
});

const run = promisify(execFile);
type Obj = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: any };
type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
const OVERLAYS = readdirSync(join(REPO_ROOT, "k8s/overlays"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

async function render(overlay: string): Promise<Obj[]> {
  const { stdout } = await run(toolPath("KUBECTL"), ["kustomize", join(REPO_ROOT, "k8s/overlays", overlay)], { maxBuffer: 32 << 20 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as Obj).filter(Boolean);
}
const envOf = (objs: Obj[], kind: string, name: string): EnvVar[] => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`the build has no ${kind} ${name}`);
  return o.spec.template.spec.containers[0].env as EnvVar[];
};

describe.each(OVERLAYS)("overlay %s runs nats-server with authorization.conf as it is", (overlay) => {
  it("mounts the file beside nats.conf, which includes it, and gives every user its hash and every client its user", async () => {
    const objs = await render(overlay);
    const auth = objs.find((o) => o.kind === "ConfigMap" && /^nats-authorization-[a-z0-9]{10}$/.test(o.metadata.name));
    expect(auth?.data?.["authorization.conf"], "the generated ConfigMap holds the file the harness includes").toBe(readFileSync(AUTHORIZATION_CONF, "utf8"));
    const conf = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "nats-config");
    expect(conf?.data?.["nats.conf"]).toMatch(/^\s*include \.\/authorization\.conf$/m);
    expect(conf?.data?.["nats.conf"]).not.toMatch(/no_auth_user|authorization\s*\{/);
    const sts = objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === "nats")!;
    const vol = (sts.spec.template.spec.volumes as { name: string; projected?: { sources: { configMap: { name: string } }[] } }[]).find((v) => v.name === "config");
    expect(vol?.projected?.sources.map((x) => x.configMap.name)).toEqual(["nats-config", auth!.metadata.name]);
    const natsEnv = envOf(objs, "StatefulSet", "nats");
    for (const [user, variable] of authorizationUsers()) {
      expect(natsEnv.find((e) => e.name === variable)?.valueFrom?.secretKeyRef, `${variable} (user ${user})`).toEqual({ name: "framegate-nats-server", key: `${user}PasswordHash` });
    }
    const user = (env: EnvVar[], u: string, p: string) => [env.find((e) => e.name === u)?.value, env.find((e) => e.name === p)?.valueFrom?.secretKeyRef];
    expect(user(envOf(objs, "Deployment", "framegate-gateway"), "FRAMEGATE_NATS_USER", "FRAMEGATE_NATS_PASSWORD")).toEqual(["gateway", { name: "framegate-nats", key: "gatewayPassword" }]);
    expect(user(envOf(objs, "Job", "framegate-setup"), "FRAMEGATE_NATS_USER", "FRAMEGATE_NATS_PASSWORD")).toEqual(["setup", { name: "framegate-nats", key: "setupPassword" }]);
    // MinIO is a Deployment on one node and a StatefulSet in distributed mode (overlay ha)
    const minioKind = objs.some((o) => o.kind === "StatefulSet" && o.metadata.name === "minio") ? "StatefulSet" : "Deployment";
    expect(user(envOf(objs, minioKind, "minio"), "MINIO_NOTIFY_NATS_USERNAME_PRIMARY", "MINIO_NOTIFY_NATS_PASSWORD_PRIMARY")).toEqual(["minio", { name: "framegate-nats", key: "minioPassword" }]);
    // the fast path's target: its own user, no queue dir (store-less), core NATS (no JetStream ack to wait for)
    const minioEnv = envOf(objs, minioKind, "minio");
    expect(user(minioEnv, "MINIO_NOTIFY_NATS_USERNAME_FAST", "MINIO_NOTIFY_NATS_PASSWORD_FAST")).toEqual(["minio-fast", { name: "framegate-nats", key: "minio-fastPassword" }]);
    expect(minioEnv.find((e) => e.name === "MINIO_NOTIFY_NATS_SUBJECT_FAST")?.value).toBe("minio.fast");
    expect(minioEnv.filter((e) => /^MINIO_NOTIFY_NATS_(QUEUE_DIR|JETSTREAM)_FAST$/.test(e.name))).toEqual([]);
  });
});

describe("k8s/create-secrets.sh", () => {
  it("makes passwords and bcrypt hashes that nats-server accepts for each user", async () => {
    await using kube = await startKube();
    const env = { ...process.env, KUBECTL: toolPath("KUBECTL"), KUBECONFIG: kube.kubeconfigPath };
    const out = await run("bash", [join(REPO_ROOT, "k8s/create-secrets.sh")], { env });
    expect(out.stdout).toMatch(/secrets ready/);
    // made together with the others, so the block for users added later (route, minio-fast) finds them and adds nothing
    expect(out.stdout).not.toMatch(/password added/);
    const secret = async (name: string) => {
      const { stdout } = await run(toolPath("KUBECTL"), ["-n", "framegate", "get", "secret", name, "-o", "json"], { env });
      const data = (JSON.parse(stdout) as { data: Record<string, string> }).data;
      return (key: string) => Buffer.from(data[key] ?? "", "base64").toString();
    };
    const plain = await secret("framegate-nats");
    const hashed = await secret("framegate-nats-server");
    const users = Object.fromEntries([...authorizationUsers().keys()].map((u) => [u, { pass: plain(`${u}Password`), hashValue: hashed(`${u}PasswordHash`) }]));
    for (const u of Object.values(users)) {
      expect(u.pass).toMatch(/^[0-9a-f]{48}$/);
      expect(u.hashValue, "quoted, cost 11").toMatch(/^"\$2[aby]\$11\$.{53}"$/);
    }
    await using server = await startNats({ users });
    for (const identity of ["minio", "minio-fast", "gateway", "setup", "migrate"] as const) {
      const nc = await server.connectAs(identity);
      expect(nc.info?.server_id).toBeTruthy();
      await nc.close();
    }
    // the passwords are not interchangeable
    await expect(connect({ servers: server.hostPort, user: "gateway", pass: users.setup!.pass, reconnect: false })).rejects.toThrow(/Authorization Violation/);
  }, 120_000);
});

function queued(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += 1;
  return n;
}
