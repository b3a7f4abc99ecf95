/**
 * @module test/harness/nats — a real nats-server with JetStream on loopback, the way nats.js tests run it:
 * the server picks its ports (`-p -1 -m -1`) and reports them in a ports file; fresh store per server.
 * It runs with the deployment's authorization (k8s/base/nats/authorization.conf, included as it is) and
 * fresh passwords per server, so every client connects as one of the production identities.
 * Fault tests can `kill()` it and `restart()` it later on the same port and store.
 */
import { randomBytes } from "node:crypto";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import bcrypt from "bcryptjs";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { dlqStreamConfig, streamConfig } from "../../src/triggers/jetstream-setup.js";
import { DEFAULT_INTAKE_LIMITS } from "../../src/triggers/jetstream-config.js";
import { pino } from "pino";
import { loadConfig } from "../../src/config/env.js";
import { KvStateStore } from "../../src/flow/state-store.js";
import { KvCameraActivityStore } from "../../src/status/camera-activity-kv.js";
import { DEFAULT_MINIO_SUBJECT } from "../../src/triggers/wire.js";
import { HarnessError, ManagedProcess } from "./process.js";
import { selfSignedCert } from "./self-signed-cert.js";
import { HOST, REPO_ROOT, httpStatus, makeTempDir, progress, since, toolPath } from "./util.js";

/** The authorization block the deployment's nats.conf includes; the harness includes the same file. */
export const AUTHORIZATION_CONF = join(REPO_ROOT, "k8s/base/nats/authorization.conf");

/**
 * The users of {@link AUTHORIZATION_CONF}: `minio` (MinIO's notification target), `minio-fast` (MinIO's
 * store-less fast-path target), `gateway` (`framegate serve`), `setup` (`framegate setup` and `framegate
 * replay`), `migrate` (`framegate setup --migrate`). Tests connect as the one whose job they do.
 */
export type NatsIdentity = "minio" | "minio-fast" | "gateway" | "setup" | "migrate";

/** Each user of the authorization file and the environment variable its password hash comes from. */
export function authorizationUsers(text = readFileSync(AUTHORIZATION_CONF, "utf8")): Map<string, string> {
  const users = new Map<string, string>();
  for (const m of text.matchAll(/^\s*user:\s*([A-Za-z0-9_-]+)\s*\n\s*password:\s*\$([A-Z0-9_]+)/gm)) users.set(m[1]!, m[2]!);
  if (users.size === 0) throw new HarnessError(`${AUTHORIZATION_CONF} names no users (expected "user: NAME" followed by "password: $VAR" lines)`, "");
  return users;
}

/** Options of {@link startNats}. */
export interface NatsOptions {
  /** enable JetStream (default true) */
  jetstream?: boolean;
  /** client port; default: one the server chooses */
  port?: number;
  /** readiness deadline, default 20 s */
  deadlineMs?: number;
  /** extra nats-server arguments, e.g. ["-DV"] */
  args?: string[];
  /**
   * passwords and their hash values as the Secret framegate-nats-server holds them (quoted), per user;
   * default: fresh ones made here. For checking what k8s/create-secrets.sh generated.
   */
  users?: Record<string, { pass: string; hashValue: string }>;
  /**
   * configuration appended to the generated nats.conf (a `cluster {}` block: test/harness/nats-cluster.ts),
   * given the conf file's directory (nats-server resolves an include relative to the including file)
   */
  confExtra?: (confDir: string) => string;
  /** extra environment of the process (variables `confExtra` refers to) */
  env?: Record<string, string>;
  /** the server's name (`server_name`), e.g. `n1` in a cluster */
  name?: string;
  /** readiness: `/healthz` (default) or `/healthz?js-server-only=true` for a cluster member started before its peers */
  readyPath?: string;
  /**
   * Users of other software a benchmark runs against this server (Argo Events), by name and password, added to
   * this server's copy of the authorization file with no permission limits. Tests never set it: framegate's
   * identities are the production ones.
   */
  peerUsers?: Record<string, string>;
  /**
   * Offer TLS next to plain text (a self-signed certificate, `allow_non_tls`): for clients that insist on TLS
   * (Argo Events' JetStream bus). nats.js upgrades to TLS whenever a server offers it, so this process then
   * trusts the certificate (`tls.setDefaultCACertificates`) and child processes need
   * `NODE_EXTRA_CA_CERTS=<tlsCertFile>`; MinIO's Go client stays in plain text.
   */
  tlsAvailable?: boolean;
}

/** User, password and inbox prefix of one identity on a harness server. */
export interface NatsCredentials {
  user: NatsIdentity;
  pass: string;
  /** `_INBOX_<user>` (what the user may subscribe to); MinIO's client has no such option and uses `_INBOX` */
  inboxPrefix?: string;
}

/** A running nats-server. Dispose it (or `stop()`) to kill it and delete its store. */
export interface NatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `host:port`, the form MinIO's NATS target wants */
  readonly hostPort: string;
  /** `http://127.0.0.1:<port>` of the monitoring endpoint (changes across restarts) */
  readonly monitorUrl: string;
  /** the JetStream store dir (kept across kill/restart) */
  readonly storeDir: string;
  /** with `tlsAvailable`: the server's self-signed certificate (PEM file), to trust in child processes */
  readonly tlsCertFile?: string;
  /** true while the process runs */
  readonly running: boolean;
  /** the server's recent output */
  output(): string;
  /** a client connection as `identity` (close it yourself) */
  connectAs(identity: NatsIdentity, opts?: NodeConnectionOptions): Promise<NatsConnection>;
  /** the password (and inbox prefix) of `identity` on this server */
  credentials(identity: NatsIdentity): NatsCredentials;
  /** `FRAMEGATE_NATS_URL`, `FRAMEGATE_NATS_USER` and `FRAMEGATE_NATS_PASSWORD` for a framegate process acting as `identity` */
  clientEnv(identity: NatsIdentity): Record<string, string>;
  /** kills the process (SIGKILL by default, SIGTERM for a clean shutdown) and keeps the store */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** starts the server again on the same port and store (kills it first if it runs) */
  restart(): Promise<void>;
  /** kills the server and removes its store */
  stop(): Promise<void>;
}

/**
 * Starts nats-server on 127.0.0.1 with a fresh JetStream store.
 *
 * @example
 * await using nats = await startNats();
 * const nc = await nats.connectAs("setup");
 */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const bin = toolPath("NATS_SERVER");
  const dir = makeTempDir("nats");
  const storeDir = join(dir.path, "store");
  // nats-server resolves an include relative to the including file, so the config points back at the repository's file
  const confFile = join(dir.path, "nats.conf");
  const name = opts.name ? `server_name: ${opts.name}\n` : "";
  writeFileSync(confFile, `${name}${natsConf(dir.path, opts)}${opts.confExtra?.(dir.path) ?? ""}`);
  // fresh passwords per server; bcrypt cost 4 keeps start-up and each connect fast (create-secrets.sh uses 11)
  const creds = new Map<string, string>();
  const hashEnv: Record<string, string> = {};
  for (const [user, variable] of authorizationUsers()) {
    const given = opts.users?.[user];
    const pass = given?.pass ?? randomBytes(18).toString("hex");
    creds.set(user, pass);
    hashEnv[variable] = given?.hashValue ?? JSON.stringify(bcrypt.hashSync(pass, 4)); // quoted: nats-server parses the value as config
  }
  const deadlineMs = opts.deadlineMs ?? 20_000;
  let port = opts.port ?? -1;
  let monitorPort = 0;
  let proc: ManagedProcess | undefined;
  let runDir = 0;

  const launch = async () => {
    const t0 = Date.now();
    const portsDir = join(dir.path, `ports-${runDir++}`);
    const args = ["-c", confFile, "-a", HOST, "-p", String(port), "-m", "-1", "--ports_file_dir", portsDir];
    if (opts.jetstream !== false) args.push("-js", "-sd", storeDir);
    args.push(...(opts.args ?? []));
    mkdirSync(portsDir, { recursive: true });
    proc = await ManagedProcess.start({ name: opts.name ? `nats-server ${opts.name}` : "nats-server", command: bin, args, env: { ...hashEnv, ...opts.env } }, async () => {
      const ports = readPorts(portsDir);
      if (!ports) return false;
      const status = await httpStatus(`${ports.monitoring}${opts.readyPath ?? "/healthz"}`);
      if (status !== 200) return false;
      port = ports.client;
      monitorPort = ports.monitorPort;
      return true;
    }, deadlineMs);
    progress(`nats-server${opts.name ? ` ${opts.name}` : ""} ready on ${HOST}:${port} in ${since(t0)}`);
  };

  await launch().catch((e) => {
    dir.remove();
    throw e;
  });

  const server: NatsServer = {
    get url() {
      return `nats://${HOST}:${port}`;
    },
    host: HOST,
    get port() {
      return port;
    },
    get hostPort() {
      return `${HOST}:${port}`;
    },
    get monitorUrl() {
      return `http://${HOST}:${monitorPort}`;
    },
    storeDir,
    ...(opts.tlsAvailable && { tlsCertFile: join(dir.path, "tls.crt") }),
    get running() {
      return !!proc && !proc.exitStatus;
    },
    output: () => proc?.output.toString() ?? "",
    connectAs: (identity, o) => {
      const c = server.credentials(identity);
      return connect({ servers: `${HOST}:${port}`, name: `test-${identity}`, user: c.user, pass: c.pass, inboxPrefix: c.inboxPrefix, ...o });
    },
    credentials(identity) {
      const pass = creds.get(identity);
      if (pass === undefined) throw new HarnessError(`${AUTHORIZATION_CONF} has no user ${identity}; it has ${[...creds.keys()].join(", ")}`, "");
      return { user: identity, pass, inboxPrefix: identity === "minio" || identity === "minio-fast" ? undefined : `_INBOX_${identity}` };
    },
    clientEnv: (identity) => ({
      FRAMEGATE_NATS_URL: server.url,
      FRAMEGATE_NATS_USER: identity,
      FRAMEGATE_NATS_PASSWORD: server.credentials(identity).pass,
    }),
    async kill(signal = "SIGKILL") {
      if (!proc) return;
      if (signal === "SIGKILL") {
        proc.kill("SIGKILL");
        await proc.exited;
      } else {
        await proc.stop();
      }
    },
    async restart() {
      await server.kill("SIGTERM");
      await launch();
    },
    async stop() {
      await proc?.stop();
      dir.remove();
    },
    [Symbol.asyncDispose]: () => server.stop(),
  };
  return server;
}

/** The server's configuration: the repository's authorization file (a copy with the peer users, if any), and TLS. */
function natsConf(dir: string, opts: NatsOptions): string {
  let auth = relative(dir, AUTHORIZATION_CONF);
  const peers = Object.entries(opts.peerUsers ?? {});
  if (peers.length > 0) {
    const text = readFileSync(AUTHORIZATION_CONF, "utf8");
    const at = text.indexOf("users: [");
    if (at < 0) throw new HarnessError(`${AUTHORIZATION_CONF} has no "users: [" list to add the peer users to`, "");
    const added = peers.map(([user, pass]) => `\n    { user: ${JSON.stringify(user)}, password: ${JSON.stringify(pass)} }`).join("");
    auth = "authorization-with-peers.conf";
    writeFileSync(join(dir, auth), text.slice(0, at + "users: [".length) + added + text.slice(at + "users: [".length));
  }
  let conf = `include "${auth}"\n`;
  if (opts.tlsAvailable) {
    const { cert, key } = selfSignedCert(dir, "the NATS server");
    conf += `tls { cert_file: ${JSON.stringify(cert)}, key_file: ${JSON.stringify(key)} }\nallow_non_tls: true\n`;
    setDefaultCACertificates([...getCACertificates("default"), readFileSync(cert, "utf8")]);
  }
  return conf;
}

function readPorts(portsDir: string): { client: number; monitoring: string; monitorPort: number } | undefined {
  let files: string[];
  try {
    files = readdirSync(portsDir).filter((f) => f.endsWith(".ports"));
  } catch {
    return undefined;
  }
  if (!files[0]) return undefined;
  try {
    const j = JSON.parse(readFileSync(join(portsDir, files[0]), "utf8")) as { nats?: string[]; monitoring?: string[] };
    const client = Number(new URL(j.nats?.[0] ?? "").port);
    const monitoring = j.monitoring?.[0] ?? "";
    const monitorPort = Number(new URL(monitoring).port);
    return client && monitorPort ? { client, monitoring, monitorPort } : undefined;
  } catch {
    return undefined; // written but not complete yet
  }
}

/** Names of the streams {@link createIntakeStreams} makes. */
export interface IntakeStreams {
  /** `FRAMEGATE`: subjects `<minioSubject>`, `minio.fast` (MinIO's fast-path target) and `framegate.hooks.>` */
  stream: string;
  /** `FRAMEGATE_DLQ`: subject `framegate.dlq.>` */
  dlqStream: string;
  minioSubject: string;
}

/**
 * Creates framegate's intake streams with the production settings (`src/triggers/jetstream-setup.ts`):
 * `FRAMEGATE` on the MinIO subjects and `framegate.hooks.>`, and the dead-letter stream `FRAMEGATE_DLQ` on
 * `framegate.dlq.>` (its own stream so its longer retention and replay never touch the intake). No
 * consumer: tests and `framegate setup` make their own. MinIO's JetStream target needs the stream to
 * exist before MinIO starts, else its target stays offline. A server is used as the `setup` identity; a
 * connection must be allowed to create the streams.
 */
export async function createIntakeStreams(
  nats: NatsServer | NatsConnection,
  names: Partial<IntakeStreams> = {},
  replicas = 1,
): Promise<IntakeStreams> {
  const n: IntakeStreams = {
    stream: names.stream ?? "FRAMEGATE",
    dlqStream: names.dlqStream ?? "FRAMEGATE_DLQ",
    minioSubject: names.minioSubject ?? DEFAULT_MINIO_SUBJECT,
  };
  const own = "monitorUrl" in nats ? await nats.connectAs("setup") : undefined;
  const nc = own ?? (nats as NatsConnection);
  try {
    const jsm = await jetstreamManager(nc);
    const ids = { ...n, consumer: "unused" };
    const limits = { ...DEFAULT_INTAKE_LIMITS, replicas };
    await jsm.streams.add(streamConfig(ids, limits));
    await jsm.streams.add(dlqStreamConfig(ids, limits));
  } catch (e) {
    throw new HarnessError(`creating JetStream streams ${n.stream}/${n.dlqStream} failed: ${(e as Error).message}`, "", { cause: e });
  } finally {
    await own?.close();
  }
  return n;
}

/**
 * Creates the KV buckets `framegate setup` makes (flow-control state and the cameras' last-frame times) with
 * the settings of `env` (FRAMEGATE_* as the gateway will read them), as the `setup` user: the gateway's user
 * may open them but not create them.
 */
export async function createStateBuckets(nats: NatsServer, env: Record<string, string | undefined> = {}, replicas = 1): Promise<void> {
  const cfg = loadConfig(env);
  const nc = await nats.connectAs("setup");
  try {
    await KvStateStore.open(nc, cfg.FRAMEGATE_KV_BUCKET, cfg.FRAMEGATE_STATE_TTL, cfg.FRAMEGATE_KV_MAX_BYTES, { replicas });
    await KvCameraActivityStore.open(nc, cfg.FRAMEGATE_CAMERA_BUCKET, cfg.FRAMEGATE_CAMERA_TTL, cfg.FRAMEGATE_CAMERA_MAX_BYTES, pino({ level: "silent" }), { replicas });
  } finally {
    await nc.close();
  }
}
