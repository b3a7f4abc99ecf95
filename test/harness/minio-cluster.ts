/**
 * @module test/harness/minio-cluster — MinIO in distributed mode on one machine: `size` (default 4) `minio
 * server` processes, each with one drive of its own, all started with the same list of the four endpoints
 * (`http://<ip>:<port>/<dir>/s<i>`), so they form one erasure set (parity EC:2 for 4 drives:
 * reads and writes go on with one server down). Each has its own queue dir and the same NATS target in
 * JetStream mode (minio.ts's environment), as the ha overlay's StatefulSet runs them.
 *
 * Not on 127.0.0.1: in a container (a /.dockerenv file, as in CI) MinIO waits forever for an endpoint that
 * resolves to loopback to "resolve to a valid IP" (cmd/endpoint.go). The servers listen on the machine's
 * first non-loopback IPv4 address instead, on ports verified free there.
 */
import { mkdirSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { Client } from "minio";
import { HarnessError, ManagedProcess } from "./process.js";
import { DEFAULT_BUCKETS, minioEnv, type MinioOptions } from "./minio.js";
import { waitFor } from "./wait.js";
import { HOST, freePort, httpStatus, makeTempDir, progress, retryOnPortRace, since, toolPath } from "./util.js";

/** One server of the cluster. */
export interface MinioNode {
  readonly endpoint: string;
  readonly port: number;
  readonly queueDir: string;
  readonly running: boolean;
  /** a client for the root user that talks to this server only */
  readonly client: Client;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** starts it again on the same port and drive (kills it first if it runs) */
  restart(): Promise<void>;
  output(): string;
}

/** A running distributed MinIO. Dispose it (or `stop()`) to stop every server and delete the drives. */
export interface MinioCluster extends AsyncDisposable {
  readonly nodes: MinioNode[];
  readonly accessKey: string;
  readonly secretKey: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `size` MinIO servers forming one erasure set, waits until each answers `/minio/health/ready` (all
 * must be up for that), and creates the buckets. With `natsHostPort`, the stream must exist already.
 * @example await using minio = await startMinioCluster({ natsHostPort: nats.hostPort, natsUser: nats.credentials("minio") });
 */
export async function startMinioCluster(opts: MinioOptions & { size?: number } = {}): Promise<MinioCluster> {
  const size = opts.size ?? 4;
  const bin = toolPath("MINIO");
  const dir = makeTempDir("minio-cluster");
  const accessKey = opts.accessKey ?? "framegate";
  const secretKey = opts.secretKey ?? "framegate-secret";
  const subject = opts.natsHostPort ? (opts.subject ?? "minio.events") : undefined;
  const deadlineMs = opts.deadlineMs ?? 90_000;
  const t0 = Date.now();
  const host = localAddress();
  const procs: Array<ManagedProcess | undefined> = Array(size).fill(undefined);
  const ports: number[] = [];
  const drive = (i: number) => join(dir.path, `s${i}`);
  const queue = (i: number) => join(dir.path, `work${i}`, "queue");
  for (let i = 0; i < size; i++) for (const d of [queue(i), drive(i)]) mkdirSync(d, { recursive: true });

  const launch = async (i: number) => {
    const endpoints = ports.map((p, j) => `http://${host}:${p}${drive(j)}`);
    // MinIO wants every MINIO_* variable the same on all servers, the queue dir too: one absolute path that
    // each process resolves to a directory of its own (its working directory), as each pod has its own volume
    const env = minioEnv(opts, { accessKey, secretKey, home: join(dir.path, `home${i}`), queueDir: "/proc/self/cwd/queue", subject });
    const consolePort = await freePort();
    procs[i] = await ManagedProcess.start(
      { name: `minio ${i}`, command: bin, cwd: join(dir.path, `work${i}`), args: ["server", ...endpoints, "--address", `${host}:${ports[i]}`, "--console-address", `${HOST}:${consolePort}`, "--quiet"], env },
      async () => (await httpStatus(`http://${host}:${ports[i]}/minio/health/ready`)) === 200,
      deadlineMs,
    );
  };
  const output = () => procs.map((p, i) => `--- minio ${i}${p && !p.exitStatus ? "" : " (not running)"}\n${p?.output.toString() ?? ""}`).join("\n");
  const stopAll = async () => {
    await Promise.all(procs.map((p) => p?.stop()));
  };

  try {
    await retryOnPortRace("minio cluster", async () => {
      ports.length = 0;
      for (let i = 0; i < size; i++) ports.push(await freePort(host));
      const started = await Promise.allSettled(ports.map((_, i) => launch(i))); // together: each waits for the others
      const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) {
        await stopAll();
        throw failed.reason;
      }
    });
  } catch (e) {
    dir.remove();
    throw e;
  }
  progress(`minio cluster of ${size} ready in ${since(t0)}`);

  const clientOf = (port: number) => new Client({ endPoint: host, port, useSSL: false, accessKey, secretKey, region: "us-east-1" });
  const nodes: MinioNode[] = ports.map((port, i) => ({
    endpoint: `http://${host}:${port}`,
    port,
    queueDir: queue(i),
    get running() {
      return !!procs[i] && !procs[i]!.exitStatus;
    },
    client: clientOf(port),
    async kill(signal = "SIGKILL") {
      const p = procs[i];
      if (!p) return;
      if (signal === "SIGKILL") {
        p.kill("SIGKILL");
        await p.exited;
      } else await p.stop();
    },
    async restart() {
      await nodes[i]!.kill("SIGTERM");
      await launch(i);
    },
    output: () => procs[i]?.output.toString() ?? "",
  }));
  const cluster: MinioCluster = {
    nodes,
    accessKey,
    secretKey,
    output,
    async stop() {
      await stopAll();
      dir.remove();
    },
    [Symbol.asyncDispose]: () => cluster.stop(),
  };
  try {
    // each server answers ready before the set agrees on its format: a first request may still get 503
    for (const b of opts.buckets ?? DEFAULT_BUCKETS) {
      await waitFor(`bucket ${b} created`, async () => (await nodes[0]!.client.makeBucket(b, "us-east-1"), true), 30_000, { pollMs: 500 });
    }
  } catch (e) {
    const out = output();
    await cluster.stop();
    throw new HarnessError(`minio cluster: creating buckets failed: ${(e as Error).message}`, out, { cause: e });
  }
  return cluster;
}

/** The first non-loopback IPv4 address of this machine. */
function localAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    const a = addrs?.find((x) => x.family === "IPv4" && !x.internal);
    if (a) return a.address;
  }
  throw new HarnessError("minio cluster: this machine has no IPv4 address besides loopback, and MinIO in a container refuses loopback endpoints in distributed mode: give it a network interface");
}
