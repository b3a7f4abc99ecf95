/**
 * @module test/harness/kube — a real Kubernetes control plane the way envtest runs one: etcd (data on
 * tmpfs when there is one) and kube-apiserver with a self-signed serving cert, a static admin token in
 * `system:masters`, RBAC authorization and an RSA key pair for ServiceAccount tokens. No kubelet and no
 * controller-manager: kwok.ts adds fake nodes and a scheduler. Fault tests can kill kube-apiserver and
 * restart it on the same port and etcd (`killApiserver()`, `restartApiserver()`), and do the same to etcd
 * on its ports and data (`killEtcd()`, `restartEtcd()`).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { KubeConfig, KubernetesObjectApi, loadYaml, type KubernetesObject } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { HarnessError, ManagedProcess } from "./process.js";
import { HOST, freePort, httpStatus, isAddressInUse, makeTempDir, progress, retryOnPortRace, since, toolPath } from "./util.js";

/** Options of {@link startKube}. */
export interface KubeOptions {
  /** readiness deadline of each process, default 90 s */
  deadlineMs?: number;
  /** extra kube-apiserver flags, e.g. ["--max-requests-inflight=50"] */
  apiserverArgs?: string[];
}

/** A running etcd + kube-apiserver. Dispose it (or `stop()`) to kill both and delete their data. */
export interface KubeCluster extends AsyncDisposable {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** PEM of the CA the serving certificate chains to */
  readonly caPem: string;
  /** bearer token of `admin` (group `system:masters`) */
  readonly adminToken: string;
  /** kubeconfig file for the admin token (for other processes) */
  readonly kubeconfigPath: string;
  /** `http://127.0.0.1:<port>` of etcd */
  readonly etcdUrl: string;
  /** the temp dir holding certs, keys and kubeconfigs */
  readonly dir: string;
  /** a client config for the admin, or for `token` (e.g. a ServiceAccount token) */
  kubeConfig(token?: string, namespace?: string): KubeConfig;
  /** writes a kubeconfig file for `token` (default admin) and returns its path */
  writeKubeconfig(name: string, token?: string, namespace?: string): string;
  output(): { etcd: string; apiserver: string };
  /** true while kube-apiserver runs (false between {@link killApiserver} and {@link restartApiserver}) */
  readonly apiserverRunning: boolean;
  /**
   * Kills kube-apiserver (SIGKILL by default: clients see their connections drop; SIGTERM: a graceful
   * shutdown that closes watches first). etcd and its data stay.
   */
  killApiserver(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts kube-apiserver again (killing it first if it runs) on the same port, with the same certs,
   * tokens and ServiceAccount keys, on the same etcd: kubeconfigs and tokens keep working. Waits for `/readyz`.
   */
  restartApiserver(): Promise<void>;
  /** true while etcd runs (false between {@link killEtcd} and {@link restartEtcd}) */
  readonly etcdRunning: boolean;
  /**
   * Kills etcd (SIGKILL by default) and keeps its data dir. kube-apiserver keeps running and answers
   * errors (or times out) until etcd is back.
   */
  killEtcd(signal?: NodeJS.Signals): Promise<void>;
  /** Starts etcd again (killing it first if it runs) on the same client and peer ports and data dir; waits for `/health`. */
  restartEtcd(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts etcd and kube-apiserver on loopback and waits for `/readyz`.
 *
 * @example
 * await using kube = await startKube();
 * const core = kube.kubeConfig().makeApiClient(CoreV1Api);
 */
export async function startKube(opts: KubeOptions = {}): Promise<KubeCluster> {
  const deadlineMs = opts.deadlineMs ?? 90_000;
  const etcdBin = toolPath("ETCD");
  const apiserverBin = toolPath("KUBE_APISERVER");
  const dir = makeTempDir("kube");
  // etcd fsyncs every write; on tmpfs that costs nothing
  const etcdDir = makeTempDir("etcd", existsSync("/dev/shm") ? "/dev/shm" : undefined);
  const t0 = Date.now();
  let etcd: ManagedProcess | undefined;
  let apiserver: ManagedProcess | undefined;
  const cleanup = async () => {
    await apiserver?.stop();
    await etcd?.stop();
    dir.remove();
    etcdDir.remove();
  };

  try {
    let etcdUrl = "";
    let peerUrl = "";
    // an existing data dir wins over the --initial-* flags, so a restart finds its data again
    const launchEtcd = async () => {
      etcd = await ManagedProcess.start(
        {
          name: "etcd",
          command: etcdBin,
          args: [
            "--name=default",
            `--data-dir=${join(etcdDir.path, "data")}`,
            `--listen-client-urls=${etcdUrl}`,
            `--advertise-client-urls=${etcdUrl}`,
            `--listen-peer-urls=${peerUrl}`,
            `--initial-advertise-peer-urls=${peerUrl}`,
            `--initial-cluster=default=${peerUrl}`,
            "--logger=zap",
            "--log-level=warn",
          ],
        },
        async () => (await httpStatus(`${etcdUrl}/health`)) === 200,
        deadlineMs,
      );
    };
    await retryOnPortRace("etcd", async () => {
      const [clientPort, peerPort] = [await freePort(), await freePort()];
      etcdUrl = `http://${HOST}:${clientPort}`;
      peerUrl = `http://${HOST}:${peerPort}`;
      await launchEtcd();
    });
    progress(`etcd ready at ${etcdUrl} in ${since(t0)}`);

    const certDir = join(dir.path, "certs");
    mkdirSync(certDir);
    const { publicKey, privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    writeFileSync(join(dir.path, "sa.pub"), publicKey);
    writeFileSync(join(dir.path, "sa.key"), privateKey, { mode: 0o600 });
    const adminToken = randomBytes(24).toString("hex");
    writeFileSync(join(dir.path, "tokens.csv"), `${adminToken},admin,admin,"system:masters"\n`, { mode: 0o600 });

    let port = 0;
    const launchApiserver = async () => {
      const t1 = Date.now();
      apiserver = await ManagedProcess.start(
        {
          name: "kube-apiserver",
          command: apiserverBin,
          args: [
            `--etcd-servers=${etcdUrl}`,
            `--cert-dir=${certDir}`,
            `--secure-port=${port}`,
            `--bind-address=${HOST}`,
            `--advertise-address=${HOST}`,
            "--service-cluster-ip-range=10.0.0.0/24",
            `--service-account-issuer=https://${HOST}:${port}`,
            `--service-account-key-file=${join(dir.path, "sa.pub")}`,
            `--service-account-signing-key-file=${join(dir.path, "sa.key")}`,
            "--authorization-mode=RBAC",
            `--token-auth-file=${join(dir.path, "tokens.csv")}`,
            // ServiceAccount: no token controller runs to mount tokens. TaintNodesByCondition: it taints every
            // new node not-ready, and only the node lifecycle controller (not run) would lift the taint
            "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
            "--allow-privileged=true",
            // WatchList (beta, on in 1.32) turns every watch from resourceVersion 0 into a watch-list stream,
            // which the watch cache refuses on etcd 3.4 (no RequestWatchProgress): informers would fail and
            // re-list every few seconds, delaying every event the controller, scheduler and kwok see
            "--feature-gates=WatchList=false",
            "--v=0",
            ...(opts.apiserverArgs ?? []),
          ],
        },
        async () => (await httpsGet(`https://${HOST}:${port}/readyz`, adminToken)).status === 200,
        deadlineMs,
      );
      progress(`kube-apiserver ready on ${HOST}:${port} in ${since(t1)}`);
    };
    await retryOnPortRace("kube-apiserver", async () => {
      port = await freePort();
      await launchApiserver();
    });

    // the apiserver wrote a self-signed serving cert and its CA into cert-dir: trust that chain
    const caPem = readFileSync(join(certDir, "apiserver.crt"), "utf8");
    const server = `https://${HOST}:${port}`;
    const writeKubeconfig = (name: string, token = adminToken, namespace?: string) => {
      const path = join(dir.path, `${name}.kubeconfig`);
      writeFileSync(path, kubeconfigYaml(server, caPem, token, name, namespace), { mode: 0o600 });
      return path;
    };
    const kubeconfigPath = writeKubeconfig("admin");

    const cluster: KubeCluster = {
      server,
      caPem,
      adminToken,
      kubeconfigPath,
      etcdUrl,
      dir: dir.path,
      kubeConfig(token = adminToken, namespace) {
        const kc = new KubeConfig();
        kc.loadFromString(kubeconfigYaml(server, caPem, token, "harness", namespace));
        return kc;
      },
      writeKubeconfig,
      output: () => ({ etcd: etcd?.output.toString() ?? "", apiserver: apiserver?.output.toString() ?? "" }),
      get apiserverRunning() {
        return !!apiserver && !apiserver.exitStatus;
      },
      async killApiserver(signal = "SIGKILL") {
        if (!apiserver || apiserver.exitStatus) return;
        if (signal === "SIGKILL") {
          apiserver.kill("SIGKILL");
          await apiserver.exited;
        } else {
          await apiserver.stop();
        }
      },
      async restartApiserver() {
        await cluster.killApiserver("SIGTERM");
        // the port was ours a moment ago; something else taking it meanwhile is retried briefly, never moved:
        // clients hold the server URL
        for (let attempt = 1; ; attempt++) {
          try {
            await launchApiserver();
            return;
          } catch (e) {
            if (attempt >= 5 || !(e instanceof HarnessError && isAddressInUse(e.output))) throw e;
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
      },
      get etcdRunning() {
        return !!etcd && !etcd.exitStatus;
      },
      async killEtcd(signal = "SIGKILL") {
        if (!etcd || etcd.exitStatus) return;
        if (signal === "SIGKILL") {
          etcd.kill("SIGKILL");
          await etcd.exited;
        } else {
          await etcd.stop();
        }
      },
      async restartEtcd() {
        await cluster.killEtcd("SIGTERM");
        const t1 = Date.now();
        // same ports: kube-apiserver holds the client URL
        for (let attempt = 1; ; attempt++) {
          try {
            await launchEtcd();
            break;
          } catch (e) {
            if (attempt >= 5 || !(e instanceof HarnessError && isAddressInUse(e.output))) throw e;
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
        progress(`etcd restarted at ${etcdUrl} in ${since(t1)}`);
      },
      stop: cleanup,
      [Symbol.asyncDispose]: cleanup,
    };
    progress(`kube control plane ready in ${since(t0)}`);
    return cluster;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** A kubeconfig document with one cluster, one token user and one context, all named `name`. */
export function kubeconfigYaml(server: string, caPem: string, token: string, name: string, namespace?: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, ...(namespace ? { namespace } : {}) } }],
    "current-context": name,
  });
}

/** GET over HTTPS without verifying the server (for readiness only); never throws. */
function httpsGet(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ status: 0, body: "" }));
    req.end();
  });
}

/**
 * Creates each object, or replaces it when it exists (a small `kubectl apply` for fresh clusters).
 * Objects are in wire form, as written in YAML. They are converted to client-node's model form first:
 * its serializer drops keys it does not know by their model name (a CRD written with
 * `x-kubernetes-preserve-unknown-fields` would lose it, and the API server would then prune every Workflow).
 * Errors name the object and carry the API server's message.
 */
export async function applyObjects(kc: KubeConfig, objects: object[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const wire of objects) {
    const obj = loadYaml<KubernetesObject>(JSON.stringify(wire));
    const what = `${obj.kind} ${obj.metadata?.namespace ? obj.metadata.namespace + "/" : ""}${obj.metadata?.name}`;
    try {
      await api.create(obj);
    } catch (e) {
      if (statusCode(e) !== 409) throw new HarnessError(`creating ${what} failed: ${apiMessage(e)}`, "", { cause: e });
      try {
        const current = await api.read(obj as KubernetesObject & { metadata: { name: string } });
        await api.replace({ ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata?.resourceVersion } });
      } catch (e2) {
        throw new HarnessError(`replacing ${what} failed: ${apiMessage(e2)}`, "", { cause: e2 });
      }
    }
  }
}

/** HTTP status of a client-node ApiException, else undefined. */
export function statusCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "number" ? code : undefined;
}

/** The `message` of the Status in a client-node ApiException body, else the error message. */
export function apiMessage(e: unknown): string {
  const body = (e as { body?: unknown })?.body;
  if (typeof body === "string") {
    try {
      const s = JSON.parse(body) as { message?: string };
      if (s.message) return `${statusCode(e)} ${s.message}`;
    } catch {
      /* not JSON */
    }
  }
  return e instanceof Error ? e.message : String(e);
}
