/**
 * @module test/harness/nats — a real nats-server with JetStream on loopback, the way nats.js tests run it:
 * the server picks its ports (`-p -1 -m -1`) and reports them in a ports file; fresh store per server.
 * Fault tests can `kill()` it and `restart()` it later on the same port and store.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { dlqStreamConfig, streamConfig } from "../../src/triggers/jetstream-setup.js";
import { DEFAULT_MINIO_SUBJECT } from "../../src/triggers/wire.js";
import { HarnessError, ManagedProcess } from "./process.js";
import { HOST, httpStatus, makeTempDir, progress, since, toolPath } from "./util.js";

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
  /** true while the process runs */
  readonly running: boolean;
  /** the server's recent output */
  output(): string;
  /** a client connection (close it yourself) */
  connect(opts?: NodeConnectionOptions): Promise<NatsConnection>;
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
 * const nc = await nats.connect();
 */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const bin = toolPath("NATS_SERVER");
  const dir = makeTempDir("nats");
  const storeDir = join(dir.path, "store");
  const deadlineMs = opts.deadlineMs ?? 20_000;
  let port = opts.port ?? -1;
  let monitorPort = 0;
  let proc: ManagedProcess | undefined;
  let runDir = 0;

  const launch = async () => {
    const t0 = Date.now();
    const portsDir = join(dir.path, `ports-${runDir++}`);
    const args = ["-a", HOST, "-p", String(port), "-m", "-1", "--ports_file_dir", portsDir];
    if (opts.jetstream !== false) args.push("-js", "-sd", storeDir);
    args.push(...(opts.args ?? []));
    mkdirSync(portsDir, { recursive: true });
    proc = await ManagedProcess.start({ name: "nats-server", command: bin, args }, async () => {
      const ports = readPorts(portsDir);
      if (!ports) return false;
      const status = await httpStatus(`${ports.monitoring}/healthz`);
      if (status !== 200) return false;
      port = ports.client;
      monitorPort = ports.monitorPort;
      return true;
    }, deadlineMs);
    progress(`nats-server ready on ${HOST}:${port} in ${since(t0)}`);
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
    get running() {
      return !!proc && !proc.exitStatus;
    },
    output: () => proc?.output.toString() ?? "",
    connect: (o) => connect({ servers: `${HOST}:${port}`, ...o }),
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
  /** `FRAMEGATE`: subjects `<minioSubject>` and `framegate.hooks.>` */
  stream: string;
  /** `FRAMEGATE_DLQ`: subject `framegate.dlq.>` */
  dlqStream: string;
  minioSubject: string;
}

/**
 * Creates framegate's intake streams with the production settings (`src/triggers/jetstream-setup.ts`):
 * `FRAMEGATE` on the MinIO subject and `framegate.hooks.>`, and the dead-letter stream `FRAMEGATE_DLQ` on
 * `framegate.dlq.>` (its own stream so its longer retention and replay never touch the intake). No
 * consumer: tests and `framegate setup` make their own. MinIO's JetStream target needs the stream to
 * exist before MinIO starts, else its target stays offline.
 */
export async function createIntakeStreams(
  nats: NatsServer | NatsConnection,
  names: Partial<IntakeStreams> = {},
): Promise<IntakeStreams> {
  const n: IntakeStreams = {
    stream: names.stream ?? "FRAMEGATE",
    dlqStream: names.dlqStream ?? "FRAMEGATE_DLQ",
    minioSubject: names.minioSubject ?? DEFAULT_MINIO_SUBJECT,
  };
  const own = "monitorUrl" in nats ? await nats.connect() : undefined;
  const nc = own ?? (nats as NatsConnection);
  try {
    const jsm = await jetstreamManager(nc);
    const ids = { ...n, consumer: "unused" };
    await jsm.streams.add(streamConfig(ids));
    await jsm.streams.add(dlqStreamConfig(ids));
  } catch (e) {
    throw new HarnessError(`creating JetStream streams ${n.stream}/${n.dlqStream} failed: ${(e as Error).message}`, "", { cause: e });
  } finally {
    await own?.close();
  }
  return n;
}
