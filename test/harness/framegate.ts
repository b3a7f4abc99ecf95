/**
 * @module test/harness/framegate — framegate itself on the harness stack: the `FRAMEGATE_*` environment
 * that points it at the stack's NATS, MinIO and API server, the CLI as a child process (`framegate setup`),
 * and `framegate serve` as a managed child process (own process group, output kept, reaped on exit).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { HarnessError, ManagedProcess } from "./process.js";
import type { FullStack, KubeStack } from "./stack.js";
import { HOST, REPO_ROOT, httpStatus } from "./util.js";

/** Where framegate's CLI entry point is (run with `node --import tsx`). */
export const CLI_MAIN = join(REPO_ROOT, "src/cli/main.ts");

/** Options of {@link framegateEnv}. */
export interface FramegateEnvOptions {
  /** the pipelines directory (`FRAMEGATE_RULES_DIR`) */
  rulesDir: string;
  /** default `<repo>/services` */
  servicesDir?: string;
  /** durable consumer name (default `framegate`); give each gateway under test its own */
  consumer?: string;
  /** kubeconfig file the gateway uses (`KUBECONFIG`); default: the gateway ServiceAccount's, when Argo runs */
  kubeconfigPath?: string;
  /** default `warn` */
  logLevel?: string;
  /** more variables, applied last */
  extra?: Record<string, string>;
}

/**
 * The environment `framegate serve` needs to use the stack: NATS (as the `gateway` user) and its streams,
 * MinIO admin access (for bucket notifications and the identities `setup` creates), the identities'
 * credentials, the gateway ServiceAccount's kubeconfig (never admin).
 * HTTP on 127.0.0.1 port 0 (the gateway logs the port it got). For `framegate setup` or `replay`, add
 * `stack.nats.clientEnv("setup")` (or use {@link setupEnv}).
 */
export function framegateEnv(stack: KubeStack | FullStack, o: FramegateEnvOptions): Record<string, string> {
  const kubeconfig = o.kubeconfigPath ?? ("argo" in stack ? stack.argo.gatewayKubeconfigPath : undefined);
  if (!kubeconfig) throw new HarnessError("framegateEnv: no kubeconfig: start the stack with level argo, or pass kubeconfigPath");
  return {
    ...stack.nats.clientEnv("gateway"),
    FRAMEGATE_STREAM: stack.streams.stream,
    FRAMEGATE_DLQ_STREAM: stack.streams.dlqStream,
    FRAMEGATE_MINIO_SUBJECT: stack.streams.minioSubject,
    FRAMEGATE_CONSUMER: o.consumer ?? "framegate",
    // the one bucket the NATS users may use (k8s/base/nats/authorization.conf); its keys carry the pipeline's name
    FRAMEGATE_KV_BUCKET: "framegate-state",
    FRAMEGATE_RULES_DIR: o.rulesDir,
    FRAMEGATE_SERVICES_DIR: o.servicesDir ?? join(REPO_ROOT, "services"),
    FRAMEGATE_HTTP_HOST: HOST,
    FRAMEGATE_HTTP_PORT: "0",
    FRAMEGATE_LOG_LEVEL: o.logLevel ?? "warn",
    FRAMEGATE_MINIO_ENDPOINT: stack.minio.endpoint,
    FRAMEGATE_MINIO_ACCESS_KEY: stack.minio.accessKey,
    FRAMEGATE_MINIO_SECRET_KEY: stack.minio.secretKey,
    // the users `framegate setup` creates: the same credentials the harness's Argo gave the steps and its archive
    FRAMEGATE_MINIO_STEPS_ACCESS_KEY: stack.minio.identities.steps.accessKey,
    FRAMEGATE_MINIO_STEPS_SECRET_KEY: stack.minio.identities.steps.secretKey,
    FRAMEGATE_MINIO_GATEWAY_ACCESS_KEY: stack.minio.identities.gateway.accessKey,
    FRAMEGATE_MINIO_GATEWAY_SECRET_KEY: stack.minio.identities.gateway.secretKey,
    FRAMEGATE_MINIO_ARTIFACTS_ACCESS_KEY: stack.minio.identities.artifacts.accessKey,
    FRAMEGATE_MINIO_ARTIFACTS_SECRET_KEY: stack.minio.identities.artifacts.secretKey,
    FRAMEGATE_MINIO_RESULTS_ACCESS_KEY: stack.minio.identities.results.accessKey,
    FRAMEGATE_MINIO_RESULTS_SECRET_KEY: stack.minio.identities.results.secretKey,
    KUBECONFIG: kubeconfig,
    ...o.extra,
  };
}

/** `env` with the NATS user of `framegate setup` and `framegate replay` (may create streams, consumers, the KV bucket). */
export function setupEnv(stack: KubeStack | FullStack, env: Record<string, string>): Record<string, string> {
  return { ...env, ...stack.nats.clientEnv("setup") };
}

/** What a finished CLI run printed. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `framegate <args>` (`node --import tsx src/cli/main.ts`) with `env` added to a minimal environment,
 * and resolves when it exits. Rejects after `timeoutMs` (the process is killed).
 * @example const r = await runFramegate(["setup"], env); // r.stdout: "jetstream: ...\nminio: bucket raw -> ..."
 */
export function runFramegate(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI_MAIN, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TMPDIR: process.env.TMPDIR ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new HarnessError(`framegate ${args.join(" ")} did not finish within ${timeoutMs} ms`, stdout + stderr));
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new HarnessError(`could not run framegate ${args.join(" ")}: ${e.message}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `framegate serve` running as a child process. */
export interface GatewayProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** the gateway's recent output (pino JSON lines) */
  output(): string;
  /** SIGTERM (graceful: in-flight work finishes), SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<void>;
  readonly process: ManagedProcess;
}

/**
 * Starts `framegate serve` with `env` (see {@link framegateEnv}) and waits until it logged the port it
 * listens on and `GET /healthz` answers 200. `fromDist` runs the build in dist/ as the Deployment does (its
 * heap cap too): benchmarks use it, so tsx's on-the-fly transpiling is not what they measure.
 */
export async function startGatewayProcess(env: Record<string, string>, deadlineMs = 60_000, opts: { fromDist?: boolean } = {}): Promise<GatewayProcess> {
  let port = 0;
  const built = join(REPO_ROOT, "dist/cli/main.js");
  if (opts.fromDist && !existsSync(built)) throw new HarnessError(`${built} is missing: run \`npm run build\` first (make bench does)`);
  const proc = await ManagedProcess.start(
    {
      name: "framegate serve",
      command: process.execPath,
      args: opts.fromDist ? ["--max-old-space-size=192", built, "serve"] : ["--import", "tsx", CLI_MAIN, "serve"],
      cwd: REPO_ROOT,
      // pino logs its start line at info: keep at least that level so the port can be read
      env: { ...asGateway(env), FRAMEGATE_LOG_LEVEL: keepInfo(env.FRAMEGATE_LOG_LEVEL) },
      outputBytes: 256 * 1024,
    },
    async (p) => {
      if (!port) {
        const line = p.output.toString().split("\n").find((l) => l.includes('"msg":"framegate serving"'));
        const m = line && /"port":(\d+)/.exec(line);
        if (!m) return false;
        port = Number(m[1]);
      }
      return (await httpStatus(`http://${HOST}:${port}/healthz`)) === 200;
    },
    deadlineMs,
  );
  return {
    url: `http://${HOST}:${port}`,
    port,
    pid: proc.pid,
    output: () => proc.output.toString(),
    stop: (graceMs = 25_000) => proc.stop({ graceMs }),
    process: proc,
  };
}

/**
 * The gateway runs as in the cluster: with its own MinIO identity (user framegate-gateway, from the
 * Secret framegate-minio-gateway), never MinIO's root user or another identity's credentials.
 */
export function asGateway(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  if (env.FRAMEGATE_MINIO_GATEWAY_ACCESS_KEY && env.FRAMEGATE_MINIO_GATEWAY_SECRET_KEY) {
    out.FRAMEGATE_MINIO_ACCESS_KEY = env.FRAMEGATE_MINIO_GATEWAY_ACCESS_KEY;
    out.FRAMEGATE_MINIO_SECRET_KEY = env.FRAMEGATE_MINIO_GATEWAY_SECRET_KEY;
  }
  for (const k of Object.keys(out)) if (/^FRAMEGATE_MINIO_(STEPS|GATEWAY|ARTIFACTS)_/.test(k)) delete out[k];
  return out;
}

function keepInfo(level: string | undefined): string {
  return !level || ["warn", "error", "fatal", "silent"].includes(level) ? "info" : level;
}
