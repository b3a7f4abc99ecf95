/**
 * @module test/harness/nats-cluster — a JetStream cluster of real nats-servers on loopback (3 by default),
 * each a {@link startNats} server with the deployment's client authorization and, inside its `cluster {}`
 * block, the ha overlay's route authorization (k8s/base/nats/routes-authorization.conf): routes
 * authenticate as user `route` with a fresh password, the way the StatefulSet's pods do.
 *
 * nats-server's RAFT timings are constants (elections 4-9 s after a leader is lost, a leader that hears
 * from no quorum for 10 s steps down), so every wait here has a deadline above them: {@link waitMetaLeader}
 * and {@link NatsCluster.waitCurrent} fail with what the servers reported last.
 */
import { randomBytes } from "node:crypto";
import { join, relative } from "node:path";
import bcrypt from "bcryptjs";
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { HarnessError } from "./process.js";
import { authorizationUsers, startNats, type NatsCredentials, type NatsIdentity, type NatsServer } from "./nats.js";
import { HOST, REPO_ROOT, freePort, progress, retryOnPortRace, since } from "./util.js";
import { waitFor } from "./wait.js";

/** The route authorization the ha overlay's nats.conf includes inside `cluster {}`. */
export const ROUTES_AUTHORIZATION_CONF = join(REPO_ROOT, "k8s/base/nats/routes-authorization.conf");
const CLUSTER_NAME = "framegate";

/** Options of {@link startNatsCluster}. */
export interface NatsClusterOptions {
  /** servers, default 3 */
  size?: number;
  /** deadline for the cluster to elect its JetStream meta leader, default 30 s */
  deadlineMs?: number;
}

/** A running cluster. Dispose it (or `stop()`) to stop every server and delete the stores. */
export interface NatsCluster extends AsyncDisposable {
  /** the servers, `n1`..`nN`; each can be `kill()`ed and `restart()`ed on its ports and store */
  readonly servers: NatsServer[];
  /** every server's client URL */
  readonly urls: string[];
  /** the password of the route user `route` (what the servers send each other) */
  readonly routePassword: string;
  /** a client connection as `identity` that knows every server (close it yourself) */
  connectAs(identity: NatsIdentity, opts?: NodeConnectionOptions): Promise<NatsConnection>;
  credentials(identity: NatsIdentity): NatsCredentials;
  /** FRAMEGATE_NATS_URL (every server, comma-separated), FRAMEGATE_NATS_USER, FRAMEGATE_NATS_PASSWORD */
  clientEnv(identity: NatsIdentity): Record<string, string>;
  /**
   * Waits until each stream (a KV bucket is stream `KV_<bucket>`) has a leader and every replica is
   * current and online, and each listed consumer too: what "the restarted server caught up" means.
   */
  waitCurrent(streams: string[], consumers?: Array<[stream: string, consumer: string]>, timeoutMs?: number): Promise<void>;
  /** the recent output of every server, for a failure message */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `size` nats-servers with JetStream that route to each other on loopback, and waits for a meta leader.
 *
 * @example
 * await using cluster = await startNatsCluster();
 * const nc = await cluster.connectAs("setup");
 */
export async function startNatsCluster(opts: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = opts.size ?? 3;
  const t0 = Date.now();
  const users = Object.fromEntries(
    [...authorizationUsers().keys()].map((u) => {
      const pass = randomBytes(18).toString("hex");
      return [u, { pass, hashValue: JSON.stringify(bcrypt.hashSync(pass, 4)) }];
    }),
  );
  const routePass = randomBytes(18).toString("hex");
  const env = { NATS_ROUTE_PASSWORD_HASH: JSON.stringify(bcrypt.hashSync(routePass, 4)) };
  const servers = await retryOnPortRace("nats cluster", async () => {
    const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const routes = routePorts.map((p) => `nats-route://route:${routePass}@${HOST}:${p}`);
    // in parallel: a member reports healthy (JetStream) only once the cluster has a meta leader
    const started = await Promise.allSettled(
      routePorts.map((port, i) =>
        startNats({
          name: `n${i + 1}`,
          env,
          users,
          readyPath: "/healthz?js-server-only=true",
          confExtra: (dir) =>
            [
              "cluster {",
              `  name: ${CLUSTER_NAME}`,
              `  listen: ${HOST}:${port}`,
              `  include "${relative(dir, ROUTES_AUTHORIZATION_CONF)}"`,
              `  routes: [${routes.map((r) => `"${r}"`).join(", ")}]`,
              "}",
              "",
            ].join("\n"),
        }),
      ),
    );
    const ok = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const failed = started.find((r) => r.status === "rejected");
    if (failed) {
      await Promise.all(ok.map((s) => s.stop()));
      throw (failed as PromiseRejectedResult).reason;
    }
    return ok;
  });
  const output = () => servers.map((s, i) => `--- n${i + 1}${s.running ? "" : " (not running)"}\n${s.output()}`).join("\n");
  try {
    await waitMetaLeader(servers, opts.deadlineMs ?? 30_000);
  } catch (e) {
    await Promise.all(servers.map((s) => s.stop()));
    throw new HarnessError(`the nats cluster elected no JetStream meta leader: ${(e as Error).message}`, output(), { cause: e });
  }
  progress(`nats cluster of ${size} ready in ${since(t0)}`);

  const cluster: NatsCluster = {
    servers,
    get urls() {
      return servers.map((s) => s.url);
    },
    routePassword: routePass,
    connectAs: (identity, o) => {
      const c = servers[0]!.credentials(identity);
      return connect({ servers: servers.map((s) => s.hostPort), name: `test-${identity}`, user: c.user, pass: c.pass, inboxPrefix: c.inboxPrefix, ...o });
    },
    credentials: (identity) => servers[0]!.credentials(identity),
    clientEnv: (identity) => ({
      FRAMEGATE_NATS_URL: cluster.urls.join(","),
      FRAMEGATE_NATS_USER: identity,
      FRAMEGATE_NATS_PASSWORD: servers[0]!.credentials(identity).pass,
    }),
    async waitCurrent(streams, consumers = [], timeoutMs = 60_000) {
      const nc = await cluster.connectAs("setup");
      try {
        const jsm = await jetstreamManager(nc, { timeout: 3_000, checkAPI: false }); // right after a restart JetStream may not answer yet
        type Replicated = { cluster?: { leader?: string; replicas?: Array<{ name: string; current: boolean; offline?: boolean; lag?: number }> } };
        const lagging = (what: string, info: Replicated): string | undefined => {
          const c = info.cluster;
          if (!c?.leader) return `${what}: no leader`;
          const bad = (c.replicas ?? []).filter((r) => !r.current || r.offline);
          return bad.length ? `${what}: ${bad.map((r) => `${r.name} ${r.offline ? "offline" : `behind (lag ${r.lag ?? "?"})`}`).join(", ")}` : undefined;
        };
        await waitFor(
          `streams ${streams.join(", ")} current on every replica`,
          async () => {
            const problems: string[] = [];
            for (const s of streams) {
              const p = lagging(`stream ${s}`, await jsm.streams.info(s));
              if (p) problems.push(p);
            }
            for (const [s, c] of consumers) {
              const p = lagging(`consumer ${s}/${c}`, await jsm.consumers.info(s, c));
              if (p) problems.push(p);
            }
            if (problems.length) throw new Error(problems.join("; "));
            return true;
          },
          timeoutMs,
        );
      } catch (e) {
        throw new HarnessError((e as Error).message, output().slice(-12_000), { cause: e });
      } finally {
        await nc.close();
      }
    },
    output,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
    [Symbol.asyncDispose]: () => cluster.stop(),
  };
  return cluster;
}

/** Waits until every running server names the same JetStream meta leader (from its /jsz). */
export async function waitMetaLeader(servers: NatsServer[], timeoutMs = 30_000): Promise<string> {
  return waitFor(
    "a JetStream meta leader every running server agrees on",
    async () => {
      const leaders = await Promise.all(
        servers
          .filter((s) => s.running)
          .map(async (s) => ((await (await fetch(`${s.monitorUrl}/jsz`)).json()) as { meta_cluster?: { leader?: string } }).meta_cluster?.leader ?? ""),
      );
      if (!leaders[0] || leaders.some((l) => l !== leaders[0])) throw new Error(`leaders seen: ${JSON.stringify(leaders)}`);
      return leaders[0];
    },
    timeoutMs,
  );
}

/**
 * The cluster where the stack expects one server (`stack.nats`): clients get every server (`connectAs`,
 * `clientEnv`), and a one-address client (MinIO's notification target) gets the first, `n1`; like the
 * Go client MinIO uses, it learns the other servers from `n1` and fails over to them. `kill` and
 * `restart` are per server: `cluster.servers[i]`.
 */
export function clusterAsServer(cluster: NatsCluster): NatsServer {
  const first = cluster.servers[0]!;
  const perServer = (what: string) => () => Promise.reject(new HarnessError(`${what} of a cluster: use cluster.servers[i].${what}()`));
  return {
    get url() {
      return cluster.urls.join(",");
    },
    host: first.host,
    get port() {
      return first.port;
    },
    get hostPort() {
      return first.hostPort;
    },
    get monitorUrl() {
      return first.monitorUrl;
    },
    storeDir: first.storeDir,
    get running() {
      return cluster.servers.some((s) => s.running);
    },
    output: () => cluster.output(),
    connectAs: (identity, o) => cluster.connectAs(identity, o),
    credentials: (identity) => cluster.credentials(identity),
    clientEnv: (identity) => cluster.clientEnv(identity),
    kill: perServer("kill"),
    restart: perServer("restart"),
    stop: () => cluster.stop(),
    [Symbol.asyncDispose]: () => cluster.stop(),
  };
}
